#include "myo/phantom/phantom.hpp"
