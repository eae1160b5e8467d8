#!/usr/bin/env bash
# The main job, from a fresh machine: set up, build, record the real SmolLM2
# and MiniLM models on PyTorch (CPU), and replay every carved call on Vulkan
# (lavapipe) and OpenCL (PoCL). Reports land in out/.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bash scripts/setup.sh
bash scripts/build.sh build
mkdir -p out
for model in smollm2 minilm; do
  build/bin/tapml-record "traces/$model/run.cfg" --output "out/$model.h5"
  for target in vulkan opencl; do
    build/bin/tapml-replay --target "$target" "out/$model.h5" \
      --html "out/$model-$target.html" --json "out/$model-$target.json" --junit "out/$model-$target.xml"
  done
done
echo "demo: traces and reports in out/ (open out/*.html in a browser)"
