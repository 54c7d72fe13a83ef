# Warnings every velocity target is built with; -Werror in CI (VELOCITY_WERROR=ON).
add_library(velocity_warnings INTERFACE)
target_compile_options(velocity_warnings INTERFACE -Wall -Wextra -Wpedantic -Wshadow
  -Wnon-virtual-dtor -Wold-style-cast -Wcast-align -Woverloaded-virtual
  $<$<BOOL:${VELOCITY_WERROR}>:-Werror>)
