# A provider's kernel that crashes or hangs is a verdict on its call, not a
# lost run: the example provider with a planted segfault (or hang) in
# aten::add.Tensor, replayed by path (isolated by default; a hang needs
# --call-timeout). Both float32 adds must be CRASH (SIGSEGV named) or
# TIMEOUT, the worker restarted after each (2 restarts), the mul after them
# still PASS, exit 1, and every report written: JSON with the counts, JUnit
# (valid against the Ant schema) with the calls as <error type="CRASH">,
# HTML naming them.
# cmake -P with -DREPLAY -DTRACE -DPROVIDER -DWORK -DBUG (add-segfault,
# add-hang) -DXMLLINT -DJUNIT_XSD -DSANITIZED (the build's TAPML_SANITIZE).
include("${CMAKE_CURRENT_LIST_DIR}/../replayer/junit_valid.cmake")
file(MAKE_DIRECTORY "${WORK}")
set(expected CRASH)
set(count crashed)
set(extra "")
if(BUG STREQUAL "add-hang")
  set(expected TIMEOUT)
  set(count timed_out)
  set(extra --call-timeout 1)
endif()
execute_process(
  COMMAND "${CMAKE_COMMAND}" -E env TAPML_PLANT_BUG=${BUG}
          "${REPLAY}" --target "${PROVIDER}" "${TRACE}" --op "aten::add.Tensor|aten::mul.Tensor"
          --no-progress ${extra} --json "${WORK}/${BUG}.json" --junit "${WORK}/${BUG}.xml"
          --html "${WORK}/${BUG}.html"
  RESULT_VARIABLE code OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT code STREQUAL "1")
  message(FATAL_ERROR "exit ${code}, expected 1\n${out}\n${err}")
endif()
if(NOT out MATCHES "aten::add\\.Tensor +3 +0 +0 +1 +0 +0 +2 [^\n]*\naten::mul\\.Tensor +1 +1 +0 +0 +0 +0 +0 ")
  message(FATAL_ERROR "not 2 adds ${expected} and the mul PASS:\n${out}")
endif()
# Under AddressSanitizer the worker's segfault is ASan's report and exit 1.
set(named "killed by signal 11 \\(SIGSEGV")
if(SANITIZED)
  set(named "the worker exited with status 1")
endif()
if(expected STREQUAL "CRASH" AND NOT out MATCHES "${named}")
  message(FATAL_ERROR "the crash does not say how the worker ended:\n${out}")
endif()
file(READ "${WORK}/${BUG}.json" report)
string(JSON n GET "${report}" summary ${count})
string(JSON restarts GET "${report}" summary worker_restarts)
string(JSON passed GET "${report}" summary passed)
if(NOT n EQUAL 2 OR NOT restarts EQUAL 2 OR NOT passed EQUAL 1)
  message(FATAL_ERROR "JSON summary: ${count} ${n}, restarts ${restarts}, passed ${passed}")
endif()
file(READ "${WORK}/${BUG}.xml" junit)
string(REGEX MATCHALL "<error type=\"${expected}\"" errors "${junit}")
list(LENGTH errors errors)
if(NOT errors EQUAL 2)
  message(FATAL_ERROR "JUnit: ${errors} <error type=\"${expected}\">, expected 2")
endif()
tapml_check_junit("${WORK}/${BUG}.xml")
file(READ "${WORK}/${BUG}.html" html)
if(NOT html MATCHES "${expected}</span> seq 3 <b>aten::add\\.Tensor")
  message(FATAL_ERROR "the HTML report does not list seq 3 as ${expected}")
endif()
message(STATUS "2 adds ${expected}, 2 restarts, the mul PASS, every report written")
