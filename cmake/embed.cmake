# tapml_embed_text(OUTPUT NAMESPACE VARIABLE STRIP_EXTENSION FILES...): a
# header at OUTPUT holding FILES as strings (cmake/embed_text.cmake), rebuilt
# when one changes.
function(tapml_embed_text output namespace variable strip)
  string(REPLACE ";" "|" files "${ARGN}")
  add_custom_command(
    OUTPUT "${output}"
    COMMAND ${CMAKE_COMMAND} "-DFILES=${files}" -DOUTPUT=${output} -DNAMESPACE=${namespace}
            -DVARIABLE=${variable} -DSTRIP_EXTENSION=${strip}
            -P "${PROJECT_SOURCE_DIR}/cmake/embed_text.cmake"
    DEPENDS ${ARGN} "${PROJECT_SOURCE_DIR}/cmake/embed_text.cmake"
    COMMENT "Embedding ${variable}"
    VERBATIM)
endfunction()
