# tapml_generated_suite(<model> FIXTURE <file> SOURCES <files>...)
#
# Called by the CMakeLists.txt that tapml-gen writes into a suite's folder.
# Builds one test binary per model (tapml_suite_<model>) and registers its
# tests with CTest once per target compiled into this build, as
# <model>.<target>.<Suite>.<Test>, labelled with the target, the model and
# `generated`, so `ctest -L vulkan -L smollm2` runs SmolLM2's suite on Vulkan.
# TapML's own backends run them --tapml-strict: a case of a committed suite
# that one of them stops supporting is a failure, not a skip.

# The targets compiled in: cpu always, each GPU backend whose library exists.
set(TAPML_SUITE_TARGETS cpu)
foreach(gpu vulkan opencl)
  if(TARGET tapml_backend_${gpu})
    list(APPEND TAPML_SUITE_TARGETS ${gpu})
  endif()
endforeach()
set(TAPML_SUITE_TARGETS "${TAPML_SUITE_TARGETS}" CACHE INTERNAL "targets generated suites run on")
set(TAPML_SUITE_MAIN "${CMAKE_CURRENT_LIST_DIR}/suite_main.cpp" CACHE INTERNAL "")

function(tapml_generated_suite model)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "FIXTURE" "SOURCES")
  set(binary tapml_suite_${model})
  add_executable(${binary} ${arg_SOURCES} "${TAPML_SUITE_MAIN}")
  target_compile_definitions(${binary} PRIVATE
    TAPML_SUITE_MODEL="${model}"
    TAPML_SUITE_FIXTURE="${CMAKE_CURRENT_SOURCE_DIR}/${arg_FIXTURE}")
  target_link_libraries(${binary} PRIVATE tapml_testing)
  tapml_warnings(${binary})
  foreach(target IN LISTS TAPML_SUITE_TARGETS)
    gtest_discover_tests(${binary}
      TEST_PREFIX "${model}.${target}."
      TEST_LIST ${model}_${target}_tests
      EXTRA_ARGS "--tapml-target=${target}" --tapml-strict
      DISCOVERY_TIMEOUT 60)
    tapml_label_discovered_tests(${model}_${target}_tests ${target} ${model} generated)
  endforeach()
endfunction()

# tapml_label_discovered_tests(<test list variable> <label>...)
#
# Gives the tests gtest_discover_tests(... TEST_LIST <variable>) found in this
# folder the labels. gtest_discover_tests cannot do it for more than one
# label (CMake splits the list it passes through), so a file that CTest reads
# after the discovered tests sets them.
function(tapml_label_discovered_tests test_list)
  set(file "${CMAKE_CURRENT_BINARY_DIR}/${test_list}_labels.cmake")
  file(GENERATE OUTPUT "${file}" CONTENT "if(${test_list})
  set_tests_properties(\${${test_list}} PROPERTIES LABELS \"${ARGN}\")
endif()
")
  set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES "${file}")
endfunction()
