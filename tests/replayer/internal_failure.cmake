# TapML's own failure on a call is INTERNAL, never a kernel's verdict: with
# the planted replayer-internal-error (the comparison throws), every call that
# ran is INTERNAL, none FAIL, the run exits 3 ("TapML itself failed",
# common/exit_code.h) with one line on stderr, and the JUnit report (the
# calls as <error type="INTERNAL">) is valid against the Ant schema.
# cmake -P with -DREPLAY -DTRACE -DWORK -DXMLLINT -DJUNIT_XSD.
include("${CMAKE_CURRENT_LIST_DIR}/junit_valid.cmake")
file(MAKE_DIRECTORY "${WORK}")
execute_process(
  COMMAND "${CMAKE_COMMAND}" -E env TAPML_PLANT_BUG=replayer-internal-error
          "${REPLAY}" --target cpu --no-progress "${TRACE}" --json "${WORK}/internal.json"
          --junit "${WORK}/internal.xml"
  RESULT_VARIABLE code OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT code STREQUAL "3")
  message(FATAL_ERROR "exit ${code}, expected 3; stderr: ${err}")
endif()
if(NOT err MATCHES "^tapml-replay: TapML itself failed on [0-9]+ calls \\(INTERNAL\\)[^\n]*\n$")
  message(FATAL_ERROR "stderr is not the one INTERNAL line: ${err}")
endif()
file(READ "${WORK}/internal.json" report)
string(JSON internal GET "${report}" summary internal)
string(JSON failed GET "${report}" summary failed)
if(internal LESS 1 OR NOT failed EQUAL 0)
  message(FATAL_ERROR "summary: internal ${internal}, failed ${failed}")
endif()
tapml_check_junit("${WORK}/internal.xml")
message(STATUS "${internal} calls INTERNAL, 0 FAIL, exit 3: ${err}")
