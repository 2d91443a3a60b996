# myo_add_library(<name> SOURCES ... [PUBLIC_DEPS ...] [PRIVATE_DEPS ...])
# Creates myo_<name> with alias myo::<name>, public headers in include/, private sources in src/.
function(myo_add_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;PUBLIC_DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(myo_${name} STATIC ${ARG_SOURCES})
  add_library(myo::${name} ALIAS myo_${name})
  target_include_directories(myo_${name} PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
  target_link_libraries(myo_${name} PUBLIC ${ARG_PUBLIC_DEPS} PRIVATE ${ARG_PRIVATE_DEPS} myo_warnings myo_sanitizers)
  set_target_properties(myo_${name} PROPERTIES POSITION_INDEPENDENT_CODE ON)
endfunction()

# myo_add_test(<name> SOURCES ... DEPS ... [LABELS ...])
# One GoogleTest executable per library; tests are discovered and labelled for ctest -L.
function(myo_add_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} myo_test_support GTest::gtest GTest::gmock GTest::gtest_main myo_warnings myo_sanitizers)
  gtest_discover_tests(${name} WORKING_DIRECTORY ${PROJECT_SOURCE_DIR} DISCOVERY_TIMEOUT 60)
  # Labels and environment (list values) are set by a second ctest include file that runs after the discovered tests
  # exist: gtest_discover_tests (CMake 3.25) flattens its PROPERTIES list on the way to the discovery script, so of
  # LABELS "cli;integration;slow" only "cli" survived (`ctest -L slow`, `-LE slow`, `-L integration` silently missed
  # those tests) and of the ENVIRONMENT only MYO_SOURCE_DIR.
  set(properties_file "${CMAKE_CURRENT_BINARY_DIR}/${name}_properties.cmake")
  file(WRITE "${properties_file}"
    "if(${name}_TESTS)\n  set_tests_properties(\${${name}_TESTS} PROPERTIES LABELS \"${ARG_LABELS}\"\n"
    "    ENVIRONMENT \"MYO_SOURCE_DIR=${PROJECT_SOURCE_DIR};MYO_BINARY_DIR=${PROJECT_BINARY_DIR}\")\nendif()\n")
  set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES "${properties_file}")
  myo_note_sanitized_test(${name} "${ARG_LABELS}")
endfunction()

# Executables of the unit and integration suites that the sanitizer run covers (cmake/run-sanitized-tests.sh builds
# the target myo_sanitized_tests): labelled unit or integration, and none of slow, render or data.
function(myo_note_sanitized_test name labels)
  if(NOT ("unit" IN_LIST labels OR "integration" IN_LIST labels))
    return()
  endif()
  foreach(excluded slow render data)
    if(excluded IN_LIST labels)
      return()
    endif()
  endforeach()
  set_property(GLOBAL APPEND PROPERTY MYO_SANITIZED_TESTS ${name})
endfunction()
