#pragma once
// ITK's share of the process-wide thread count (core::set_thread_count); kept apart so parallel.cpp needs no ITK.

namespace myo::core::detail {

// ITK's global default thread count and work units: filters made afterwards use `threads` threads.
void set_toolkit_thread_count(unsigned threads);

}  // namespace myo::core::detail
