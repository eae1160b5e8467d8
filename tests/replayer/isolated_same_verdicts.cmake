# Running each call in a worker process (--isolate) changes where a kernel
# runs, never the verdict: the committed MiniLM fixture on TARGET with the
# planted BUG, replayed in process and isolated, must give every call the
# same status and the same summary counts (the results cross the worker's
# channel as CBOR: NaN, Inf and forward-bound figures included).
# cmake -P with -DREPLAY -DTRACE -DTARGET -DBUG -DWORK.
file(MAKE_DIRECTORY "${WORK}")
foreach(mode no-isolate isolate)
  execute_process(
    COMMAND "${CMAKE_COMMAND}" -E env TAPML_PLANT_BUG=${BUG}
            "${REPLAY}" --target ${TARGET} --${mode} --no-progress "${TRACE}"
            --json "${WORK}/${TARGET}.${mode}.json"
    RESULT_VARIABLE code_${mode} OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT code_${mode} STREQUAL "1")
    message(FATAL_ERROR "--${mode}: exit ${code_${mode}}, expected 1 (the planted ${BUG})\n${err}")
  endif()
  file(READ "${WORK}/${TARGET}.${mode}.json" report)
  string(REGEX MATCHALL "\"status\": \"[A-Z]+\"" statuses_${mode} "${report}")
  set(counts_${mode} "")
  foreach(key calls passed failed unsupported errors flaky crashed timed_out skipped)
    string(JSON n GET "${report}" summary ${key})
    string(APPEND counts_${mode} " ${key}=${n}")
  endforeach()
  string(JSON worst_${mode} GET "${report}" calls 0 outputs 0 nmse)
endforeach()
if(NOT counts_isolate STREQUAL counts_no-isolate)
  message(FATAL_ERROR "summaries differ:\n in process:${counts_no-isolate}\n isolated:  ${counts_isolate}")
endif()
if(NOT statuses_isolate STREQUAL statuses_no-isolate)
  message(FATAL_ERROR "per-call statuses differ")
endif()
if(NOT counts_isolate MATCHES " failed=[1-9]")
  message(FATAL_ERROR "the planted ${BUG} failed nothing:${counts_isolate}")
endif()
message(STATUS "same verdicts in process and isolated:${counts_isolate}")
