# The git revision is baked in at configure time so that every output records exactly what made it.
execute_process(COMMAND git rev-parse --short=12 HEAD WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
  OUTPUT_VARIABLE MYO_GIT_REVISION OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET RESULT_VARIABLE _git_rc)
if(NOT _git_rc EQUAL 0 OR MYO_GIT_REVISION STREQUAL "")
  set(MYO_GIT_REVISION "unknown")
endif()
