# Installing TapML (cmake --install, and the .deb CPack makes of the same
# tree). The layout is the build tree's: bin/ the tools, lib/ the interposer
# and offload libraries beside their sidecar and Python boot, so that a tool
# finds them relative to its own executable (common/own_path.h) wherever the
# tree is put; include/ the provider SDK; lib/cmake/TapML the CMake package
# (find_package(TapML): TapML::provider_sdk and the tools as imported
# executables); share/pkgconfig/tapml-provider.pc for builds without CMake.
include(CMakePackageConfigHelpers)

foreach(tool tapml-record tapml-replay tapml-replay-worker tapml-trace tapml-trace-diff tapml-gen
             tapml-migrate tapml-serve)
  if(TARGET ${tool})
    install(TARGETS ${tool} EXPORT TapMLTargets RUNTIME DESTINATION bin COMPONENT tools)
  endif()
endforeach()
foreach(library tapml_interposer tapml_offload)
  if(TARGET ${library})
    install(TARGETS ${library} LIBRARY DESTINATION lib COMPONENT tools)
  endif()
endforeach()
if(TARGET tapml_interposer)
  install(FILES "${CMAKE_LIBRARY_OUTPUT_DIRECTORY}/tapml_interposer.json" DESTINATION lib
          COMPONENT tools)
  install(DIRECTORY "${CMAKE_LIBRARY_OUTPUT_DIRECTORY}/tapml_python" DESTINATION lib
          COMPONENT tools)
endif()
install(FILES LICENSE README.md DESTINATION "${CMAKE_INSTALL_DOCDIR}" COMPONENT tools)
install(DIRECTORY examples/provider examples/lowered_provider
        DESTINATION "${CMAKE_INSTALL_DOCDIR}/examples" COMPONENT sdk)

set(package_dir lib/cmake/TapML)
install(EXPORT TapMLTargets NAMESPACE TapML:: DESTINATION "${package_dir}" COMPONENT sdk)
configure_package_config_file(cmake/TapMLConfig.cmake.in
  "${CMAKE_CURRENT_BINARY_DIR}/TapMLConfig.cmake" INSTALL_DESTINATION "${package_dir}")
write_basic_package_version_file("${CMAKE_CURRENT_BINARY_DIR}/TapMLConfigVersion.cmake"
  COMPATIBILITY SameMinorVersion)
install(FILES "${CMAKE_CURRENT_BINARY_DIR}/TapMLConfig.cmake"
              "${CMAKE_CURRENT_BINARY_DIR}/TapMLConfigVersion.cmake"
        DESTINATION "${package_dir}" COMPONENT sdk)
configure_file(cmake/tapml-provider.pc.in "${CMAKE_CURRENT_BINARY_DIR}/tapml-provider.pc" @ONLY)
install(FILES "${CMAKE_CURRENT_BINARY_DIR}/tapml-provider.pc" DESTINATION share/pkgconfig
        COMPONENT sdk)

# cpack -G DEB: one package, the tools stripped.
set(CPACK_PACKAGE_NAME tapml)
set(CPACK_PACKAGE_VENDOR TapML)
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "Top-down testing of ML operator kernels: record, replay, generate, migrate")
set(CPACK_PACKAGE_CONTACT "TapML developers")
set(CPACK_RESOURCE_FILE_LICENSE "${PROJECT_SOURCE_DIR}/LICENSE")
set(CPACK_STRIP_FILES ON)
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_COMPRESSION_TYPE gzip)
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
# The shared libraries the tools load (Debian 12's packages of them).
set(CPACK_DEBIAN_PACKAGE_DEPENDS
    "libhdf5-103-1, libzstd1, libxxhash0, libtomlplusplus3, libzmq5, libvulkan1, ocl-icd-libopencl1")
include(CPack)
