#!/usr/bin/env bash
# Installs everything TapML needs on a fresh Debian 12 machine and reuses what
# is already there: a second run takes seconds. Debian packages for the C++
# side and the drivers (lavapipe for Vulkan, PoCL for OpenCL); a project-local
# virtual environment (.venv) for the Python side, from requirements.txt.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

debs=(build-essential cmake ninja-build pkg-config python3-venv
  libhdf5-dev libzstd-dev nlohmann-json3-dev libcli11-dev libspdlog-dev
  libvulkan-dev glslc mesa-vulkan-drivers vulkan-tools
  ocl-icd-opencl-dev opencl-headers pocl-opencl-icd clinfo
  libgtest-dev libgmock-dev libbenchmark-dev libxxhash-dev libzmq3-dev cppzmq-dev
  clang libclang-rt-14-dev iproute2 ccache libtomlplusplus-dev libxml2-utils pybind11-dev
  libwebsocketpp-dev libasio-dev chromium)

missing=()
for p in "${debs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing Debian packages: ${missing[*]}"
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Python: the system python3 (3.11 here) with venv; everything pinned, whole
# dependency closure listed, installed with --no-deps so that the model
# packages do not pull in their inference engines. (`wgpu` is there for
# its wgpu-native library and headers only, backends/webgpu: its Python
# side and dependencies are never used.)
stamp=.venv/.tapml-requirements
want=$(sha256sum requirements.txt | cut -d' ' -f1)
if [ ! -x .venv/bin/python ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  # torch brings its CUDA libraries: the environment takes about 6 GB, and
  # pip unpacks next to it. Say so up front instead of failing mid-install.
  need_gb=9
  free_gb=$(df -Pk . | awk 'NR==2 {print int($4 / 1048576)}')
  if ((free_gb < need_gb)); then
    echo "setup: .venv needs about $need_gb GB free in $root, only $free_gb GB is free; free some space and run again" >&2
    exit 1
  fi
  echo "setup: creating .venv from requirements.txt (torch brings its CUDA libraries: about 6 GB)"
  [ -x .venv/bin/python ] || python3 -m venv .venv
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q --no-cache-dir --no-deps -r requirements.txt
  echo "$want" > "$stamp"
fi
echo "setup: ready ($(.venv/bin/python -c 'import torch; print("torch", torch.__version__)'))"
