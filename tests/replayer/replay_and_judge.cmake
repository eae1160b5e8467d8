# Runs tapml-replay on a real trace and judges its JSON report with
# replay_verdict. cmake -P arguments (-D):
#   REPLAY, VERDICT  the two programs
#   TRACE, TARGET    what to replay where
#   REPORT           the JSON report to write (and REPORT.xml, the JUnit one)
#   XMLLINT, JUNIT_XSD  when given, the JUnit report must be valid against
#                    the schema (xmllint --schema)
#   FILTER           a tapml-replay --op pattern, or empty for every op
#   BUG              a planted bug to switch on (docs/planted-bugs.md), or empty
#   OPS, EVERY       for BUG: the ops it must be attributed to (regex); EVERY=1
#                    when every call of those ops must fail
#   REPEAT           runs per call (tapml-replay --repeat), or empty for 1
#   CAUGHT_AS        for BUG: FAIL (the default) or FLAKY, the status the
#                    calls it breaks must have
#   BOUNDED          without BUG: ops ("aten::sum,aten::mm") that must have been
#                    run and judged by their forward error bound
# Without BUG the replay must exit 0 and the report be clean; with BUG it must
# exit 1 and the failures be the bug's.
include("${CMAKE_CURRENT_LIST_DIR}/junit_valid.cmake")
foreach(var REPLAY VERDICT TRACE TARGET REPORT)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "replay_and_judge.cmake: -D${var}= is required")
  endif()
endforeach()

set(env_args "")
set(filter_args "")
if(FILTER)
  set(filter_args --op "${FILTER}")
endif()
if(REPEAT)
  list(APPEND filter_args --repeat "${REPEAT}")
endif()
set(expected_exit 0)
set(verdict_args clean "${REPORT}" "${TRACE}")
if(BOUNDED)
  list(APPEND verdict_args --bounded "${BOUNDED}")
endif()
if(BUG)
  set(env_args "TAPML_PLANT_BUG=${BUG}")
  set(expected_exit 1)
  set(verdict_args bug "${REPORT}" "${TRACE}" "${OPS}")
  if(EVERY)
    list(APPEND verdict_args --every)
  endif()
  if(CAUGHT_AS)
    list(APPEND verdict_args --as "${CAUGHT_AS}")
  endif()
endif()

file(REMOVE "${REPORT}" "${REPORT}.xml")
execute_process(
  COMMAND "${CMAKE_COMMAND}" -E env ${env_args}
          "${REPLAY}" --target "${TARGET}" "${TRACE}" --json "${REPORT}" --junit "${REPORT}.xml"
          --no-progress --show-failures 3 ${filter_args}
  RESULT_VARIABLE replay_exit)
if(NOT replay_exit STREQUAL "${expected_exit}")
  message(FATAL_ERROR "tapml-replay exited ${replay_exit}, expected ${expected_exit}")
endif()
tapml_check_junit("${REPORT}.xml")
execute_process(COMMAND "${VERDICT}" ${verdict_args} RESULT_VARIABLE verdict_exit)
if(NOT verdict_exit STREQUAL "0")
  message(FATAL_ERROR "replay_verdict: the report does not hold (exit ${verdict_exit})")
endif()
