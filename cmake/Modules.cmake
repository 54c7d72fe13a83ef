# velocity_module(NAME [DEPS module...] [LIBS target...] [INTERFACE_LIBS target...])
# Builds src/NAME/*.cpp into the static library velocity_<NAME with / as _>. Public headers live in
# include/velocity/NAME/. A module may only use the modules named in DEPS. LIBS are the C
# libraries the module wraps, linked privately: their headers and usage requirements stay inside
# it. INTERFACE_LIBS are the header libraries its public headers use (fmt, nlohmann/json, CLI11).
# The `modules` test (tests/tools/check_modules.py) enforces both rules over the sources.
function(velocity_module name)
  cmake_parse_arguments(ARG "" "" "DEPS;LIBS;INTERFACE_LIBS" ${ARGN})
  string(REPLACE "/" "_" target "velocity_${name}")
  file(GLOB sources CONFIGURE_DEPENDS "${PROJECT_SOURCE_DIR}/src/${name}/*.cpp")
  # A module that has no sources yet is an interface library, so its dependents still link.
  if(sources)
    add_library(${target} STATIC ${sources})
    target_link_libraries(${target} PRIVATE velocity_warnings)
    set(scope PUBLIC)
  else()
    add_library(${target} INTERFACE)
    set(scope INTERFACE)
  endif()
  target_include_directories(${target} ${scope} "${PROJECT_SOURCE_DIR}/include")
  target_link_libraries(${target} ${scope} velocity_settings ${ARG_INTERFACE_LIBS})
  if(sources)
    target_link_libraries(${target} PRIVATE ${ARG_LIBS})
  else()
    target_link_libraries(${target} INTERFACE ${ARG_LIBS})
  endif()
  foreach(dep IN LISTS ARG_DEPS)
    string(REPLACE "/" "_" dep_target "velocity_${dep}")
    target_link_libraries(${target} ${scope} ${dep_target})
  endforeach()
  set_property(GLOBAL APPEND PROPERTY VELOCITY_MODULES ${target})
endfunction()
