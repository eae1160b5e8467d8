# Tests of tapml-trace diff (label migrate), included by this folder's
# CMakeLists.txt: synthetic traces always; with the interposer, recordings of
# a small program run with and without a perturbation, and SmolLM2's trace
# against itself (needs-torch).
if(NOT TARGET tapml_diff OR NOT TARGET tapml-trace-diff)
  return()
endif()

add_executable(diff_unit_tests diff_test.cpp diff_cli_test.cpp diff_synthetic.cpp)
target_link_libraries(diff_unit_tests PRIVATE tapml_diff GTest::gtest_main)
target_compile_definitions(diff_unit_tests PRIVATE TAPML_TRACE_BIN="$<TARGET_FILE:tapml-trace>")
add_dependencies(diff_unit_tests tapml-trace tapml-trace-diff)
tapml_warnings(diff_unit_tests)
gtest_discover_tests(diff_unit_tests TEST_PREFIX "migrate.diff." PROPERTIES LABELS migrate)

if(NOT TARGET tapml_interposer)
  return()
endif()

# The small program, recorded once per ctest run for each perturbation
# (tests/migrate/programs/diff_program.py says what each one changes).
set(diff_scratch "${CMAKE_CURRENT_BINARY_DIR}/diff_scratch")
set(diff_program "${CMAKE_CURRENT_SOURCE_DIR}/programs/diff_program.py")
foreach(perturb none again gelu tokens extra_op)
  set(env_value ${perturb})
  if(perturb STREQUAL "again")
    set(env_value none)
  endif()
  add_test(NAME migrate.diff.record_${perturb}
    COMMAND tapml-record --command "{python} ${diff_program}" --env TAPML_DIFF_PERTURB=${env_value}
            --output "${diff_scratch}/${perturb}.h5" --model diff_program -q)
  set_tests_properties(migrate.diff.record_${perturb} PROPERTIES
    FIXTURES_SETUP diff_${perturb}_trace LABELS "migrate;needs-torch" TIMEOUT 180)
endforeach()

# Runs `tapml-trace diff ARGS` and checks its exit code and output
# (diff_expect.cmake).
function(diff_cli_test name rc regex fixtures)
  add_test(NAME migrate.diff.${name}
    COMMAND ${CMAKE_COMMAND} "-DCOMMAND=$<TARGET_FILE:tapml-trace>;diff;${ARGN}"
            "-DEXPECT_RC=${rc}" "-DEXPECT_REGEX=${regex}"
            -P "${CMAKE_CURRENT_SOURCE_DIR}/diff_expect.cmake")
  set_tests_properties(migrate.diff.${name} PROPERTIES
    FIXTURES_REQUIRED "${fixtures}" LABELS "migrate;needs-torch" TIMEOUT 120)
endfunction()

diff_cli_test(real_same 0 "token ids:  identical \\(6 ids\\).*verdict: same within tolerance"
  "diff_none_trace;diff_again_trace" "${diff_scratch}/none.h5" "${diff_scratch}/again.h5")
diff_cli_test(real_gelu_first_divergence 0
  "first diverging call: ref seq [0-9]+ / other seq [0-9]+ aten::gelu in layers\\.1\n.*inputs identical"
  "diff_none_trace;diff_gelu_trace" "${diff_scratch}/none.h5" "${diff_scratch}/gelu.h5"
  --html "${diff_scratch}/gelu.html")
diff_cli_test(real_tokens_differ 1 "token ids:  DIFFER from token 0.*verdict: diverging"
  "diff_none_trace;diff_tokens_trace" "${diff_scratch}/none.h5" "${diff_scratch}/tokens.h5"
  --json "${diff_scratch}/tokens.json")
diff_cli_test(real_streams_stop 1 "streams stop matching: top-level call [0-9]+ differs: ref seq [0-9]+ aten::embedding, other seq [0-9]+ aten::exp"
  "diff_none_trace;diff_extra_op_trace" "${diff_scratch}/none.h5" "${diff_scratch}/extra_op.h5")
diff_cli_test(real_other_model 2 "traces of different models"
  "diff_none_trace;minilm_trace" "${diff_scratch}/none.h5" "${TAPML_MINILM_TRACE}")
# SmolLM2's 16-token generation against itself: 10^5 calls aligned, hashes
# equal, the 16 token ids found.
diff_cli_test(smollm2_self 0 "match to the end \\(102960 calls paired\\).*token ids:  identical \\(16 ids\\)"
  "smollm2_trace" "${TAPML_SMOLLM2_TRACE}" "${TAPML_SMOLLM2_TRACE}")
