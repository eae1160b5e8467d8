#!/usr/bin/env bash
# Sets up a fresh machine and passes every test: the full build's CTest suite
# (store, recorder with real PyTorch, backends on cpu/lavapipe/PoCL, replayer
# on real SmolLM2 and MiniLM traces, generated suites, the Python package's
# pytest suite against a pip install of it), then the C++ tests
# again under AddressSanitizer + UndefinedBehaviorSanitizer.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/setup.sh
bash scripts/build.sh build
# The Python package, pip installed from that build into build/python-venv;
# its pytest suite runs in the CTest run below (label python).
bash scripts/install_python.sh build
ctest --test-dir build --output-on-failure --timeout 1800 -j"$(nproc)"

# Sanitizer build: the C++ parts without the torch interposer (a sanitized
# library cannot be preloaded into an unsanitized Python).
# Leak checks are off: the Vulkan and OpenCL drivers (lavapipe, PoCL) keep
# allocations until exit. They are off for the build too, which runs each
# test binary to list its tests.
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1
bash scripts/build.sh build-asan -DTAPML_SANITIZE=ON -DTAPML_WITH_TORCH=OFF -DTAPML_BENCH=OFF
# The zoo's generated suite (label zoo: 1551 cases on each target) runs the
# same case runner and kernels as the minilm and smollm2 suites that do run
# here; sanitized, its process starts alone would cost minutes. The
# Chromium-driven browser tests (label chromium) spend their time in the
# browser; the hub they drive is sanitized here through tab_hub_test.
ctest --test-dir build-asan --output-on-failure --timeout 1800 -j"$(nproc)" -LE 'needs-torch|zoo|chromium'
