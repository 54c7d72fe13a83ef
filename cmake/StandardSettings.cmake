# Compile settings every velocity target links through the velocity_settings INTERFACE target.
add_library(velocity_settings INTERFACE)
target_compile_features(velocity_settings INTERFACE cxx_std_20)
set(CMAKE_CXX_EXTENSIONS OFF)
target_compile_definitions(velocity_settings INTERFACE
  $<$<CONFIG:Debug>:_GLIBCXX_ASSERTIONS>
  VELOCITY_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
  VELOCITY_VERSION="${PROJECT_VERSION}")

if(VELOCITY_SANITIZE)
  target_compile_options(velocity_settings INTERFACE
    -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  target_link_options(velocity_settings INTERFACE -fsanitize=address,undefined)
endif()
