# tapml_check_junit(FILE): FILE must be valid against the Ant JUnit schema
# (JUNIT_XSD, checked with XMLLINT), for the cmake -P proofs that write a
# JUnit report. Without JUNIT_XSD nothing is checked; with it, xmllint must
# be there (scripts/setup.sh installs libxml2-utils).
function(tapml_check_junit file)
  if(NOT JUNIT_XSD)
    return()
  endif()
  if(NOT EXISTS "${XMLLINT}")
    message(FATAL_ERROR "xmllint is missing (${XMLLINT}): install libxml2-utils")
  endif()
  execute_process(COMMAND "${XMLLINT}" --noout --schema "${JUNIT_XSD}" "${file}"
                  RESULT_VARIABLE valid ERROR_VARIABLE why)
  if(NOT valid EQUAL 0)
    message(FATAL_ERROR "${file} is not valid against ${JUNIT_XSD}: ${why}")
  endif()
endfunction()
