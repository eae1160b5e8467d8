# Replay throughput per target and per-op kernel time on the SmolLM2 trace,
# all targets in one run: cmake --build build --target bench_replay
# (TAPML_BENCH_REPLAY_TRACE picks another trace; the default is the one the
# tests record, tests/models/CMakeLists.txt). Same as running
# bench/replay_throughput.py TRACE --bin build/bin yourself.
if(TARGET tapml-replay)
  set(TAPML_BENCH_REPLAY_TRACE "${CMAKE_BINARY_DIR}/traces/smollm2.h5"
      CACHE FILEPATH "trace that bench_replay replays")
  find_package(Python3 REQUIRED COMPONENTS Interpreter)
  add_custom_target(bench_replay
    COMMAND "${Python3_EXECUTABLE}" "${CMAKE_CURRENT_LIST_DIR}/replay_throughput.py"
            "${TAPML_BENCH_REPLAY_TRACE}" --bin "$<TARGET_FILE_DIR:tapml-replay>"
            --json "${CMAKE_BINARY_DIR}/bench_replay.json"
    DEPENDS tapml-replay
    USES_TERMINAL
    COMMENT "Replaying ${TAPML_BENCH_REPLAY_TRACE} on every available target")
endif()
