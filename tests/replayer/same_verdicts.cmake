# Two ways of running the same kernels must give the same verdicts: the
# committed MiniLM fixture with the planted BUG, replayed on FIRST_TARGET
# with FIRST_FLAG and on SECOND_TARGET with SECOND_FLAG, must give every call
# the same status and the same summary counts, and the bug must fail calls.
# Used for --isolate against in process (the results cross the worker's
# channel as CBOR: NaN, Inf and forward-bound figures included), and for a
# built-in backend against its provider library (the public ABI carries
# everything the replay needs).
# cmake -P with -DREPLAY -DTRACE -DBUG -DWORK -DFIRST_TARGET -DFIRST_FLAG
# -DSECOND_TARGET -DSECOND_FLAG.
file(MAKE_DIRECTORY "${WORK}")
foreach(run FIRST SECOND)
  execute_process(
    COMMAND "${CMAKE_COMMAND}" -E env TAPML_PLANT_BUG=${BUG}
            "${REPLAY}" --target "${${run}_TARGET}" ${${run}_FLAG} --no-progress "${TRACE}"
            --json "${WORK}/${run}.json"
    RESULT_VARIABLE code OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT code STREQUAL "1")
    message(FATAL_ERROR "${${run}_TARGET} ${${run}_FLAG}: exit ${code}, expected 1 (the planted ${BUG})\n${err}")
  endif()
  file(READ "${WORK}/${run}.json" report)
  string(REGEX MATCHALL "\"status\": \"[A-Z]+\"" statuses_${run} "${report}")
  set(counts_${run} "")
  foreach(key calls passed failed unsupported errors flaky crashed timed_out skipped)
    string(JSON n GET "${report}" summary ${key})
    string(APPEND counts_${run} " ${key}=${n}")
  endforeach()
endforeach()
if(NOT counts_FIRST STREQUAL counts_SECOND)
  message(FATAL_ERROR "summaries differ:\n first: ${counts_FIRST}\n second:${counts_SECOND}")
endif()
if(NOT statuses_FIRST STREQUAL statuses_SECOND)
  message(FATAL_ERROR "per-call statuses differ")
endif()
if(NOT counts_FIRST MATCHES " failed=[1-9]")
  message(FATAL_ERROR "the planted ${BUG} failed nothing:${counts_FIRST}")
endif()
message(STATUS "same verdicts:${counts_FIRST}")
