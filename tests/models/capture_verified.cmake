# A model trace recorded with verify_capture: its metadata says it was
# verified and that the tensor cache never disagreed with the memory.
# cmake -P with -DTRACE_TOOL=<tapml-trace> -DTRACE=<trace>.
execute_process(COMMAND "${TRACE_TOOL}" info "${TRACE}" --json
                RESULT_VARIABLE code OUTPUT_VARIABLE info ERROR_VARIABLE err)
if(NOT code STREQUAL "0")
  message(FATAL_ERROR "tapml-trace info ${TRACE}: exit ${code}: ${err}")
endif()
string(JSON verified ERROR_VARIABLE missing GET "${info}" extra capture_verified)
string(JSON disagreements ERROR_VARIABLE missing2 GET "${info}" extra capture_disagreements)
string(JSON checked ERROR_VARIABLE missing3 GET "${info}" extra capture_hits_verified)
if(NOT verified STREQUAL "true" OR NOT disagreements STREQUAL "0")
  message(FATAL_ERROR "${TRACE}: capture_verified=${verified}, "
                      "capture_disagreements=${disagreements} (expected true and 0)")
endif()
message(STATUS "${TRACE}: 0 disagreements over ${checked} verified cache hits")
