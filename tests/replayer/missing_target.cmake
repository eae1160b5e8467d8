# tapml-replay on a target whose platform is missing (ENV hides its driver):
# exit 2 and exactly one line on stderr naming the target. cmake -P with
# -DREPLAY=<tapml-replay> -DTARGET=<vulkan|opencl> -DENV=<VAR=value>.
execute_process(
  COMMAND "${CMAKE_COMMAND}" -E env "${ENV}" "${REPLAY}" --target "${TARGET}" no-such-trace.h5
  RESULT_VARIABLE exit_code OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT exit_code STREQUAL "2")
  message(FATAL_ERROR "exit ${exit_code}, expected 2; stderr: ${err}")
endif()
if(NOT err MATCHES "^tapml-replay: target ${TARGET} unavailable: [^\n]+\n$")
  message(FATAL_ERROR "expected one line 'tapml-replay: target ${TARGET} unavailable: ...', "
                      "got: ${err}")
endif()
message(STATUS "as expected: ${err}")
