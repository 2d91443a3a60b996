# Use ccache when present: builds on two cores are slow, and CI rebuilds from a clean clone.
find_program(MYO_CCACHE ccache)
if(MYO_CCACHE AND NOT CMAKE_CXX_COMPILER_LAUNCHER)
  set(CMAKE_C_COMPILER_LAUNCHER "${MYO_CCACHE}")
  set(CMAKE_CXX_COMPILER_LAUNCHER "${MYO_CCACHE}")
endif()
