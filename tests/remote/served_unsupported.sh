#!/usr/bin/env bash
# A served kernel that declines a call's values as it runs (WebGPU: an int64
# beyond int32) is UNSUPPORTED at the client, as in process, never ERROR:
# the zoo's T5 position-bucket calls through tapml-serve --target webgpu.
#   served_unsupported.sh BIN_DIR ZOO_FIXTURE
set -uo pipefail
bin=$1 fixture=$2
work=$(mktemp -d)
export TAPML_TOKEN="served-unsupported-$RANDOM$RANDOM"
"$bin/tapml-serve" --target webgpu --listen 127.0.0.1:0 > "$work/serve.out" 2> "$work/serve.err" &
serve=$!
trap 'kill $serve 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 100); do grep -q listening "$work/serve.out" && break; sleep 0.1; done
port=$(grep -o 'tcp://127.0.0.1:[0-9]*' "$work/serve.out" | cut -d: -f3)
[ -n "$port" ] || { echo "FAIL: tapml-serve did not start"; cat "$work/serve.err"; exit 1; }
out=$("$bin/tapml-replay" --target "remote://127.0.0.1:$port/webgpu" "$fixture" --calls 1087:1089 \
  --no-progress --json "$work/report.json" 2>&1)
code=$?
echo "$out"
[ "$code" -eq 0 ] || { echo "FAIL: exit $code"; exit 1; }
echo "$out" | grep -Eq "^total +2 +1 +0 +1 +0 " || { echo "FAIL: not 1 PASS and 1 UNSUPPORTED, 0 ERROR"; exit 1; }
grep -q "outside int32's range" "$work/report.json" || { echo "FAIL: the reason is not the server's"; exit 1; }
echo "served_unsupported: ok"
