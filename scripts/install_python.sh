#!/usr/bin/env bash
# Installs the tapml Python package as a user would (pip install, docs/python.md)
# into a fresh virtual environment, build/python-venv, that reuses the project
# environment's packages (torch, numpy, pytest: no second download) through a
# .pth file, and reuses the CMake tree scripts/build.sh made (-C build-dir):
# after a build, the install only re-links what changed and packs the wheel.
# Usage: scripts/install_python.sh [BUILD_DIR]   (default: build)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
dir=${1:-build}
venv=$dir/python-venv
export CCACHE_BASEDIR=$root CCACHE_NOHASHDIR=1 CMAKE_GENERATOR=Ninja
if [ ! -x "$venv/bin/python" ]; then
  .venv/bin/python -m venv "$venv"
  site=$(.venv/bin/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
  own=$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
  echo "$site" > "$own/tapml-project-venv.pth"
fi
"$venv/bin/python" -m pip install -q --no-build-isolation --no-deps --no-index \
  -C build-dir="$dir" -C cmake.define.TAPML_PYTHON="$root/.venv/bin/python" .
echo "install_python: tapml $("$venv/bin/python" -c 'import tapml; print(tapml.__version__, tapml.PREFIX)')"
