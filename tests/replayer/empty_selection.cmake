# A selection that chooses no call is bad input in every tool that selects
# calls (store/op_pattern.h): exit 2 and one line naming the pattern, never a
# green run that tested nothing. The same commands with a pattern that does
# select calls succeed, so the test fails if the check fires regardless.
# cmake -P with -DREPLAY=<tapml-replay> -DTRACE_TOOL=<tapml-trace>
# -DTRACE=<a small trace with aten::addmm calls> -DWORK=<scratch folder>.
file(MAKE_DIRECTORY "${WORK}")
function(expect exit_expected stderr_regex)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE code OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT code STREQUAL "${exit_expected}")
    message(FATAL_ERROR "${ARGN}: exit ${code}, expected ${exit_expected}; stderr: ${err}")
  endif()
  if(NOT err MATCHES "${stderr_regex}")
    message(FATAL_ERROR "${ARGN}: stderr does not match '${stderr_regex}': ${err}")
  endif()
endfunction()

set(one_line "^[^\n]+\n$")
expect(2 "^tapml-replay: [^\n]*--op 'aten::adddmm' selects no compute call[^\n]*\n$"
       "${REPLAY}" --target cpu --no-progress --op aten::adddmm "${TRACE}")
expect(2 "^tapml-replay: [^\n]*--op 'addmm' with --calls 0:1 selects no compute call[^\n]*\n$"
       "${REPLAY}" --target cpu --no-progress --op addmm --calls 0:1 "${TRACE}")
expect(2 "^tapml-replay: --op 'aten::\\(mm': not a valid op pattern[^\n]*\n$"
       "${REPLAY}" --target cpu --no-progress --op "aten::(mm" "${TRACE}")
expect(2 "^tapml-trace: [^\n]*--op 'aten::adddmm' selects none of its [0-9]+ calls[^\n]*\n$"
       "${TRACE_TOOL}" ls "${TRACE}" --op aten::adddmm)
expect(2 "^tapml-trace: [^\n]*--op 'adddmm' selects none[^\n]*\n$"
       "${TRACE_TOOL}" subset "${TRACE}" "${WORK}/none.h5" --op adddmm)
# One rule everywhere: "addmm" (no namespace, no overload) selects aten::addmm.
expect(0 "" "${REPLAY}" --target cpu --no-progress --op addmm "${TRACE}")
expect(0 "" "${TRACE_TOOL}" ls "${TRACE}" --op addmm)
expect(0 "" "${TRACE_TOOL}" subset "${TRACE}" "${WORK}/addmm.h5" --op addmm)
message(STATUS "empty selections are bad input; 'addmm' selects aten::addmm in replay, ls, subset")
