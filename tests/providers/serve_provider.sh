#!/usr/bin/env bash
# tapml-serve serves a provider (the example, by path, device picked in the
# target: "PATH:0") and tapml-replay drives it over loopback (--remote
# HOST:PORT, and the target remote://HOST:PORT/PATH): the MiniLM
# fixture's float32 adds and mul PASS on the server's provider, the int64 add
# UNSUPPORTED with the provider's reason; with the planted bug in the
# server's environment, they FAIL.
#   serve_provider.sh SERVE REPLAY PROVIDER FIXTURE WORK
set -euo pipefail
serve=$1 replay=$2 provider=$3 fixture=$4 work=$5
mkdir -p "$work"
export TAPML_TOKEN=serve-provider-test-token

run_case() {  # $1: planted bug or "none"; $2: the regex the replay must print;
             # $3: "uri" to name the target remote://HOST:PORT/PROVIDER
  local log=$work/serve-$1.log
  env TAPML_PLANT_BUG="${1/none/}" "$serve" --target "$provider:0" --listen 127.0.0.1:0 \
    >"$log" 2>&1 &
  local pid=$!
  trap 'kill $pid 2>/dev/null || true' RETURN
  local endpoint=""
  for _ in $(seq 100); do
    endpoint=$(sed -n 's/^tapml-serve: listening on tcp:\/\/\([^,]*\),.*/\1/p' "$log")
    [ -n "$endpoint" ] && break
    sleep 0.1
  done
  [ -n "$endpoint" ] || { echo "tapml-serve did not start:"; cat "$log"; return 1; }
  set +e
  local target=(--remote "$endpoint" --target "$provider")
  [ "${3:-}" = uri ] && target=(--target "remote://$endpoint/$provider")
  "$replay" "${target[@]}" "$fixture" --no-progress \
    --op 'aten::add.Tensor|aten::mul.Tensor' >"$work/replay-$1.txt" 2>&1
  set -e
  grep -Eq "$2" "$work/replay-$1.txt" ||
    { echo "case $1: expected /$2/:"; cat "$work/replay-$1.txt" "$log"; return 1; }
}
run_case none '^aten::add\.Tensor +3 +2 +0 +1 +0 '
run_case binary-partial-write '^aten::mul\.Tensor +1 +0 +1 '
run_case none '^aten::add\.Tensor +3 +2 +0 +1 +0 ' uri
run_case binary-partial-write '^aten::mul\.Tensor +1 +0 +1 ' uri
# remote:// through the remote client compiled into tapml-replay instead of
# its provider library (lib/providers/libtapml_provider_remote.so): the same.
TAPML_COMPILED_IN_BACKENDS=1 run_case none '^aten::add\.Tensor +3 +2 +0 +1 +0 ' uri
TAPML_COMPILED_IN_BACKENDS=1 run_case binary-partial-write '^aten::mul\.Tensor +1 +0 +1 ' uri
echo "the provider served over loopback: PASS clean, FAIL planted, as --remote and remote://" \
  "(through the remote provider library and compiled in)"
