#pragma once
// The project's one way to spread work over the cores: body(i) for i in [0, count) on `threads` workers (0: all
// cores), the calling thread among them. Returns when every call has returned; the first exception is rethrown.
#include <functional>

namespace myo::core {

[[nodiscard]] unsigned worker_count(unsigned threads = 0);
void parallel_for(int count, const std::function<void(int)>& body, unsigned threads = 0);

}  // namespace myo::core
