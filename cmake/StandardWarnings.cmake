# Warnings every velocity target is built with; -Werror in CI (VELOCITY_WERROR=ON).
add_library(velocity_warnings INTERFACE)
target_compile_options(velocity_warnings INTERFACE -Wall -Wextra -Wpedantic -Wshadow
  -Wnon-virtual-dtor -Wold-style-cast -Wcast-align -Woverloaded-virtual
  # GCC 12 flags designated initializers that leave members to their default member
  # initializers; that is the idiom we use for option and result structs.
  -Wno-missing-field-initializers
  $<$<BOOL:${VELOCITY_WERROR}>:-Werror>)
# GCC warns when a class in a header has a member of a type from an anonymous namespace (each
# source including it would see a different type). In a unity build every source is included by
# the batch file, so GCC takes each for a header; the batch is one translation unit, so the
# warning's premise does not hold there.
if(VELOCITY_UNITY_BUILD AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  target_compile_options(velocity_warnings INTERFACE -Wno-subobject-linkage)
endif()
