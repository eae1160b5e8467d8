#!/usr/bin/env bash
# Configures and builds TapML into build/ (or the folder given as $1 with any
# extra CMake options after it). Used by demo.sh and test.sh.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# ccache hits across checkouts (CI builds a fresh clone): paths relative to
# the root, and the working directory kept out of the hash.
export CCACHE_BASEDIR=$root CCACHE_NOHASHDIR=1
dir=${1:-build}
shift || true
cmake -S "$root" -B "$root/$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
cmake --build "$root/$dir" -j"$(nproc)"
