# Store throughput, compression and dedupe on a real trace
# (bench/store_throughput.py). Not built by default:
#   cmake --build build --target bench_store
if(TARGET tapml-trace AND TARGET tapml-record AND TARGET tapml_interposer)
  add_custom_target(bench_store
    COMMAND "${TAPML_PYTHON}" "${CMAKE_CURRENT_LIST_DIR}/store_throughput.py"
            --build "${CMAKE_BINARY_DIR}"
    DEPENDS tapml-record tapml-trace tapml_interposer
    USES_TERMINAL VERBATIM)
endif()
