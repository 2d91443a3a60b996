// Large buffers on transparent huge pages. An analysis allocates hundreds of MB fresh, and with 4 KiB pages every
// first touch is a page fault (a third of the kernel's share of an analysis); glibc's malloc asks for 2 MiB pages when
// its tunable glibc.malloc.hugetlb is 1. glibc reads tunables from the environment only when a process starts, so
// the process starts itself once more with the tunable set, before its own static initialisation.
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#if defined(__SANITIZE_ADDRESS__)
#define MYO_OWN_ALLOCATOR 1  // the sanitizer's allocator ignores glibc's tunables
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer)
#define MYO_OWN_ALLOCATOR 1
#endif
#endif

#ifndef MYO_OWN_ALLOCATOR
namespace {

// argv as the process was started (main's argv is not available to a constructor): NUL-separated in /proc.
std::vector<char*> original_arguments(std::string& storage) {
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  storage.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  std::vector<char*> argv;
  for (std::size_t i = 0; i < storage.size(); i += std::strlen(&storage[i]) + 1) argv.push_back(&storage[i]);
  argv.push_back(nullptr);
  return argv;
}

// Tunables the user set (GLIBC_TUNABLES, even empty) are left alone, as is a process under a preloaded tool
// (valgrind, a profiler, another allocator). When the restart fails, the run goes on with 4 KiB pages.
__attribute__((constructor(101))) void restart_with_huge_page_malloc() {
  if (std::getenv("GLIBC_TUNABLES") || std::getenv("LD_PRELOAD")) return;
  std::string storage;
  auto argv = original_arguments(storage);
  if (argv.size() < 2) return;
  setenv("GLIBC_TUNABLES", "glibc.malloc.hugetlb=1", 1);
  execv("/proc/self/exe", argv.data());
  unsetenv("GLIBC_TUNABLES");
}

}  // namespace
#endif
