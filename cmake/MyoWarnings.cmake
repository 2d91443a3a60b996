# Warnings and sanitizers travel through interface targets that our own targets link PRIVATE.
add_library(myo_warnings INTERFACE)
target_compile_options(myo_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast -Wcast-align
  -Woverloaded-virtual -Wformat=2 -Wimplicit-fallthrough)
if(MYO_WARNINGS_AS_ERRORS)
  target_compile_options(myo_warnings INTERFACE -Werror)
endif()

add_library(myo_sanitizers INTERFACE)
if(MYO_SANITIZE)
  target_compile_options(myo_sanitizers INTERFACE -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  target_link_options(myo_sanitizers INTERFACE -fsanitize=address,undefined)
endif()
