# Records a model with verify_capture on and checks that the tensor cache
# never served a value its memory no longer held. cmake -P arguments (-D):
#   RECORD, TRACE_TOOL  tapml-record and tapml-trace
#   CONFIG              the model's run.cfg
#   OUTPUT              the trace to write
#   ENV                 optional: the program's environment, K=V pairs
#                       separated by commas (tapml-record --env)
foreach(var RECORD TRACE_TOOL CONFIG OUTPUT)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "capture_verified.cmake: -D${var}= is required")
  endif()
endforeach()

set(env_args)
if(DEFINED ENV AND NOT ENV STREQUAL "")
  string(REPLACE "," ";" pairs "${ENV}")
  set(env_args --env ${pairs})
endif()
execute_process(
  COMMAND "${RECORD}" "${CONFIG}" --output "${OUTPUT}" --verify-capture true -q ${env_args}
  RESULT_VARIABLE record_exit ERROR_VARIABLE record_err)
if(NOT record_exit STREQUAL "0")
  message(FATAL_ERROR "tapml-record exited ${record_exit}:\n${record_err}")
endif()
execute_process(COMMAND "${TRACE_TOOL}" info "${OUTPUT}" --json
                OUTPUT_VARIABLE info RESULT_VARIABLE info_exit)
if(NOT info_exit STREQUAL "0")
  message(FATAL_ERROR "tapml-trace info ${OUTPUT} exited ${info_exit}")
endif()
string(JSON verified ERROR_VARIABLE missing GET "${info}" extra capture_verified)
string(JSON disagreements ERROR_VARIABLE missing2 GET "${info}" extra capture_disagreements)
if(NOT verified STREQUAL "true" OR missing2)
  message(FATAL_ERROR "${OUTPUT}: no capture_verified/capture_disagreements metadata")
endif()
if(NOT disagreements STREQUAL "0")
  message(FATAL_ERROR "${disagreements} capture disagreements:\n${record_err}")
endif()
message(STATUS "${OUTPUT}: capture verified, 0 disagreements")
