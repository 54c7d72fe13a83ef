# Warnings every velocity target is built with; -Werror in CI (VELOCITY_WERROR=ON).
add_library(velocity_warnings INTERFACE)
target_compile_options(velocity_warnings INTERFACE -Wall -Wextra -Wpedantic -Wshadow
  -Wnon-virtual-dtor -Wold-style-cast -Wcast-align -Woverloaded-virtual
  # GCC 12 flags designated initializers that leave members to their default member
  # initializers; that is the idiom we use for option and result structs.
  -Wno-missing-field-initializers
  $<$<BOOL:${VELOCITY_WERROR}>:-Werror>)
