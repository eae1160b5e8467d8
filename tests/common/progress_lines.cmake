# Long work prints plain progress lines when stderr is not a terminal (CI
# logs): tapml-replay, tapml-gen and tapml-trace verify, each run here with
# stderr captured (not a terminal) and TAPML_PROGRESS_SECONDS=0 so that every
# update prints. With --no-progress they print none, so the check can fail.
# cmake -P with -DREPLAY -DGEN -DTRACE_TOOL (binaries), -DTRACE (a small
# trace), -DWORK (scratch folder).
file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}")
function(expect_progress name regex)
  execute_process(COMMAND "${CMAKE_COMMAND}" -E env TAPML_PROGRESS_SECONDS=0 ${ARGN}
                  RESULT_VARIABLE code OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT code STREQUAL "0" AND NOT code STREQUAL "1")
    message(FATAL_ERROR "${name}: exit ${code}: ${err}")
  endif()
  if(NOT err MATCHES "${regex}")
    message(FATAL_ERROR "${name}: no progress line matching '${regex}' in stderr: ${err}")
  endif()
  execute_process(COMMAND "${CMAKE_COMMAND}" -E env TAPML_PROGRESS_SECONDS=0 ${ARGN} --no-progress
                  RESULT_VARIABLE code OUTPUT_VARIABLE out ERROR_VARIABLE quiet)
  if(quiet MATCHES "${regex}")
    message(FATAL_ERROR "${name} --no-progress still printed progress: ${quiet}")
  endif()
  message(STATUS "${name}: progress lines in the log, none with --no-progress")
endfunction()

expect_progress(tapml-replay
  "tapml-replay: replaying on cpu: [0-9]+/[0-9]+ calls \\([0-9]+%\\), [0-9.]+ calls/s, [0-9]+:[0-9][0-9] elapsed, [0-9]+:[0-9][0-9] left"
  "${REPLAY}" --target cpu "${TRACE}")
expect_progress(tapml-gen "tapml-gen: reading [^\n]*: [0-9]+/[0-9]+ calls"
  "${GEN}" "${TRACE}" --model progress --out "${WORK}/suite" --force)
expect_progress("tapml-trace verify"
  "tapml-trace verify: verifying [^\n]*: [0-9]+/[0-9]+ tensors and calls"
  "${TRACE_TOOL}" verify "${TRACE}")
