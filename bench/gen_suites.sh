#!/usr/bin/env bash
# Measures each committed generated suite (tests/generated/<model>): fixture
# bytes, number of cases, and the wall time `ctest` takes to run the suite on
# each target compiled into BUILD_DIR. Prints a Markdown table.
#
# Usage: bench/gen_suites.sh BUILD_DIR [JOBS [MODEL [TARGET]]]
#   BUILD_DIR  a configured and built tree (the suites' test binaries built)
#   JOBS       ctest -j (default: the number of CPUs)
#   MODEL      only this suite (default: every suite); TARGET only this target
#              (default: cpu, vulkan and opencl). CI's smoke run takes one of each.
set -euo pipefail

if [[ $# -lt 1 || ! -f "$1/CTestTestfile.cmake" ]]; then
  echo "bench/gen_suites.sh: give a built build folder (one holding CTestTestfile.cmake)" >&2
  exit 2
fi
build=$(cd "$1" && pwd)
jobs=${2:-$(nproc)}
only_model=${3:-}
targets=${4:-cpu vulkan opencl}
suites_dir="$(cd "$(dirname "$0")/.." && pwd)/tests/generated"

echo "| suite | fixture bytes | cases | target | tests | ctest wall s | ctest -j |"
echo "| --- | ---: | ---: | --- | ---: | ---: | ---: |"
for suite in "$suites_dir"/*/; do
  model=$(basename "$suite")
  [[ -z "$only_model" || "$model" == "$only_model" ]] || continue
  [[ -f "$suite/fixture.h5" ]] || continue
  bytes=$(stat -c %s "$suite/fixture.h5")
  cases=$(cat "$suite"/*.cpp | grep -c '^TEST(' || true)
  for target in $targets; do
    tests=$(ctest --test-dir "$build" -N -L "^${target}\$" -R "^${model}\.${target}\." |
            sed -n 's/^Total Tests: //p')
    [[ "${tests:-0}" -gt 0 ]] || continue
    start=$(date +%s%N)
    status=passed
    ctest --test-dir "$build" -L "^${target}\$" -R "^${model}\.${target}\." -j "$jobs" \
      >/dev/null 2>&1 || status=FAILED
    ms=$(( ($(date +%s%N) - start) / 1000000 ))
    printf '| %s | %s | %s | %s | %s | %d.%01d%s | %s |\n' "$model" "$bytes" "$cases" "$target" \
      "$tests" $((ms / 1000)) $((ms % 1000 / 100)) "$([[ $status == passed ]] || echo " (FAILED)")" "$jobs"
  done
done
