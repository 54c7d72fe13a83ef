# Compile settings every velocity target links through the velocity_settings INTERFACE target.
add_library(velocity_settings INTERFACE)
target_compile_features(velocity_settings INTERFACE cxx_std_20)
set(CMAKE_CXX_EXTENSIONS OFF)
target_compile_definitions(velocity_settings INTERFACE
  $<$<CONFIG:Debug>:_GLIBCXX_ASSERTIONS>
  VELOCITY_VERSION="${PROJECT_VERSION}")

if(VELOCITY_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "VELOCITY_FUZZ needs clang (libFuzzer): -DCMAKE_CXX_COMPILER=clang++")
  endif()
  # Coverage for libFuzzer in every module; the fuzz targets add libFuzzer's main.
  target_compile_options(velocity_settings INTERFACE -fsanitize=fuzzer-no-link)
endif()
if(VELOCITY_SANITIZE OR VELOCITY_FUZZ)
  target_compile_options(velocity_settings INTERFACE
    -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  target_link_options(velocity_settings INTERFACE -fsanitize=address,undefined)
endif()
