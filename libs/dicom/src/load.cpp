#include "myo/core/log.hpp"
