# libFuzzer (testing/fuzz, -DMYO_FUZZ=ON): every target gets coverage instrumentation and ASan/UBSan; only the fuzz
# executables link the fuzzer's main (-fsanitize=fuzzer). Included after MyoDependencies (needs ITK's include dirs).
if(NOT MYO_FUZZ)
  return()
endif()
if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  message(FATAL_ERROR "MYO_FUZZ needs clang: configure with -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++")
endif()
add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
add_link_options(-fsanitize=address,undefined)

# Debian's ITK 5.2 ships an itk_compiler_detection.h generated for GCC only ("#error Unsupported compiler" under
# clang). Every C++ file first includes it through a shim that presents clang as a recent GCC while it is read; the
# include guard then makes ITK's own #include of it a no-op. Only the fuzz build does this.
find_file(MYO_ITK_COMPILER_DETECTION itk_compiler_detection.h PATHS ${ITK_INCLUDE_DIRS} NO_DEFAULT_PATH)
if(MYO_ITK_COMPILER_DETECTION)
  set(shim "${PROJECT_BINARY_DIR}/generated/myo_itk_clang_shim.hpp")
  file(WRITE "${shim}" "#pragma once\n#pragma GCC system_header\n"
    "#pragma push_macro(\"__clang__\")\n#pragma push_macro(\"__GNUC__\")\n#pragma push_macro(\"__GNUC_MINOR__\")\n"
    "#undef __clang__\n#undef __GNUC__\n#undef __GNUC_MINOR__\n#define __GNUC__ 12\n#define __GNUC_MINOR__ 2\n"
    "#include \"${MYO_ITK_COMPILER_DETECTION}\"\n"
    "#pragma pop_macro(\"__GNUC_MINOR__\")\n#pragma pop_macro(\"__GNUC__\")\n#pragma pop_macro(\"__clang__\")\n")
  add_compile_options("$<$<COMPILE_LANGUAGE:CXX>:SHELL:-include ${shim}>")
endif()
