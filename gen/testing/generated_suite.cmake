# tapml_generated_suite(<model> FIXTURE <file> SOURCES <files>...)
#
# Called by the CMakeLists.txt that tapml-gen writes into a suite's folder.
# Builds one test binary per model (tapml_suite_<model>) and registers its
# tests with CTest once per target of TAPML_SUITE_TARGETS, as
# <model>.<target>.<Suite>.<Test>, labelled with the target, the model and
# `generated`, so `ctest -L vulkan -L smollm2` runs SmolLM2's suite on Vulkan.

# Set by whoever includes this file (gen/testing/CMakeLists.txt in TapML's
# build, TapMLConfig.cmake in an installed one): TAPML_TESTING_TARGET,
# TAPML_SUITE_SOURCES (suite_main.cpp and case.cpp), TAPML_SUITE_TARGETS
# (targets to register each case on: built-in names or provider paths).
# TapML's own backends run the suites --tapml-strict: a case of a committed
# suite that one of them stops supporting is a failure, not a skip; on a
# provider, such a case is skipped with the provider's reason.

function(tapml_generated_suite model)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "FIXTURE" "SOURCES")
  set(binary tapml_suite_${model})
  add_executable(${binary} ${arg_SOURCES} ${TAPML_SUITE_SOURCES})
  target_compile_definitions(${binary} PRIVATE
    TAPML_SUITE_MODEL="${model}"
    TAPML_SUITE_FIXTURE="${CMAKE_CURRENT_SOURCE_DIR}/${arg_FIXTURE}")
  target_link_libraries(${binary} PRIVATE ${TAPML_TESTING_TARGET} GTest::gtest)
  if(COMMAND tapml_warnings)
    tapml_warnings(${binary})
  endif()
  foreach(target IN LISTS TAPML_SUITE_TARGETS)
    set(strict "")
    if(target MATCHES "^(cpu|vulkan|opencl)(:.*)?$")
      set(strict --tapml-strict)
    endif()
    get_filename_component(label "${target}" NAME_WE)  # a provider's path: its file name
    string(MAKE_C_IDENTIFIER "${label}" test_list)
    gtest_discover_tests(${binary}
      TEST_PREFIX "${model}.${label}."
      TEST_LIST ${model}_${test_list}_tests
      EXTRA_ARGS "--tapml-target=${target}" ${strict}
      DISCOVERY_TIMEOUT 60)
    tapml_label_discovered_tests(${model}_${test_list}_tests ${label} ${model} generated)
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
