#include "toolkit_threads.hpp"

#include <itkMultiThreaderBase.h>

namespace myo::core::detail {

void set_toolkit_thread_count(unsigned threads) {
  itk::MultiThreaderBase::SetGlobalDefaultNumberOfThreads(static_cast<itk::ThreadIdType>(threads));
}

}  // namespace myo::core::detail
