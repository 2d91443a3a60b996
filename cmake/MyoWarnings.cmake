# Warnings and sanitizers travel through interface targets that our own targets link PRIVATE.
add_library(myo_warnings INTERFACE)
target_compile_options(myo_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast -Wcast-align
  -Woverloaded-virtual -Wformat=2 -Wimplicit-fallthrough)
if(MYO_WARNINGS_AS_ERRORS)
  target_compile_options(myo_warnings INTERFACE -Werror)
endif()
if(MYO_SANITIZE AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  # ASan's instrumentation makes GCC's -Wmaybe-uninitialized report false positives inside DCMTK's headers
  # (OFvariant in dcmiod/dcmpmap code); the normal build keeps the warning.
  target_compile_options(myo_warnings INTERFACE -Wno-maybe-uninitialized)
endif()

add_library(myo_sanitizers INTERFACE)
if(MYO_SANITIZE)
  # Applied to every target of the tree (test helpers, fixtures and tools made without the helpers included), so that
  # all our code is instrumented the same way; the interface target stays for targets that link it explicitly.
  # Third-party libraries (ITK, VTK, DCMTK) are Debian's uninstrumented builds. Run: cmake/run-sanitized-tests.sh.
  set(MYO_SANITIZER_FLAGS -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_compile_options(${MYO_SANITIZER_FLAGS})
  add_link_options(-fsanitize=address,undefined)
  target_compile_options(myo_sanitizers INTERFACE ${MYO_SANITIZER_FLAGS})
  target_link_options(myo_sanitizers INTERFACE -fsanitize=address,undefined)
endif()
