# Recording cost and trace size (bench/record_overhead.py): SmolLM2's 16-token
# generation plain, under tapml-record and under PyTorch's
# ExecutionTraceObserver, in one run. Not built by default:
#   cmake --build build --target bench_record
if(TARGET tapml-record AND TARGET tapml_interposer)
  add_custom_target(bench_record
    COMMAND "${TAPML_PYTHON}" "${CMAKE_CURRENT_LIST_DIR}/record_overhead.py"
            --build "${CMAKE_BINARY_DIR}" --reps 3
            --json "${CMAKE_BINARY_DIR}/bench-record/figures.json"
    DEPENDS tapml-record tapml-trace tapml_interposer
    USES_TERMINAL VERBATIM)
endif()
