#!/usr/bin/env bash
# A real headless Chromium tab as TapML's WebGPU device (remote/browser):
# tapml-serve --target browser://127.0.0.1:0 serves the page, Chromium
# opens it (WebGPU on SwiftShader, on 127.0.0.1, as root hence --no-sandbox),
# and tapml-replay replays through remote://127.0.0.1:PORT/webgpu.
#
#   browser_tab.sh BIN_DIR replay TRACE [tapml-replay flags]
#       the replay must exit 0 with 100 % coverage;
#   browser_tab.sh BIN_DIR concurrent TRACE
#       two replays at once share the one tab (two sessions of tapml-serve):
#       both exit 0 at 100 % coverage;
#   browser_tab.sh BIN_DIR offload RUN_CFG REFERENCE OUT_DIR
#       the real program runs with every op the tab has offloaded to it
#       (tests/migrate/offload_run_test.py: same end to end as REFERENCE);
#   browser_tab.sh BIN_DIR close TRACE     the tab is killed mid-replay
#   browser_tab.sh BIN_DIR replace TRACE   a second tab opens the page mid-replay
#       the replay must exit 3 naming the call in flight, and a new tab must
#       run from that call on (--calls SEQ:SEQ+40) clean.
# The server's log, with the tab's console errors, and Chromium's console
# lines are printed at the end: they are the test's log.
set -uo pipefail
bin=$1 mode=$2 trace=$3
shift 3
work=$(mktemp -d)
export TAPML_TOKEN="browser-test-$RANDOM$RANDOM"
chromes=()

finish() {
  local code=$?
  for pid in "${chromes[@]}"; do kill "$pid" 2>/dev/null; done
  [ -n "${serve:-}" ] && kill "$serve" 2>/dev/null
  wait 2>/dev/null
  echo "---- tapml-serve's log (tab console lines start 'tapml browser: tab N console')"
  cat "$work/serve.err"
  echo "---- Chromium console"
  grep -h "CONSOLE" "$work"/chrome*.err 2>/dev/null || echo "(none)"
  rm -rf "$work"
  exit "$code"
}
trap finish EXIT

fail() { echo "FAIL: $*"; exit 1; }

"$bin/tapml-serve" --target "browser://127.0.0.1:0?wait=60" --listen 127.0.0.1:0 \
  > "$work/serve.out" 2> "$work/serve.err" &
serve=$!
for _ in $(seq 100); do grep -q listening "$work/serve.out" && break; sleep 0.1; done
url=$(grep -o 'http://127.0.0.1:[0-9]*/' "$work/serve.out" | head -1)
port=$(grep -o 'tcp://127.0.0.1:[0-9]*' "$work/serve.out" | head -1 | cut -d: -f3)
[ -n "$url" ] && [ -n "$port" ] || fail "tapml-serve did not start: $(cat "$work/serve.out" "$work/serve.err")"
target="remote://127.0.0.1:$port/webgpu"

# open_tab N: Chromium number N opens the page; waits until tab N joined.
open_tab() {
  chromium --headless=new --no-sandbox --enable-unsafe-webgpu --use-webgpu-adapter=swiftshader \
    --enable-logging=stderr --v=0 --no-first-run --user-data-dir="$work/profile$1" \
    --disable-background-timer-throttling --disable-renderer-backgrounding \
    "${url}#token=$TAPML_TOKEN" > /dev/null 2> "$work/chrome$1.err" &
  chromes+=($!)
  for _ in $(seq 600); do
    grep -q "tab $1 joined" "$work/serve.err" && return 0
    grep -q "refused" "$work/serve.err" && break
    sleep 0.1
  done
  fail "tab $1 did not join"
}

replay() { "$bin/tapml-replay" --target "$target" "$trace" --no-progress "$@"; }

open_tab 1
case "$mode" in
  replay)
    replay --min-coverage 100 "$@" | tee "$work/replay.out"
    code=${PIPESTATUS[0]}
    [ "$code" -eq 0 ] || fail "the replay in the tab exited $code"
    grep -q "coverage 100.00%" "$work/replay.out" || fail "coverage below 100 %"
    ;;
  concurrent)
    replay --min-coverage 100 > "$work/first.out" 2>&1 &
    first=$!
    replay --min-coverage 100 > "$work/second.out" 2>&1
    second=$?
    wait "$first"
    first=$?
    tail -3 "$work/first.out" "$work/second.out"
    [ "$first" -eq 0 ] && [ "$second" -eq 0 ] || fail "concurrent replays exited $first and $second"
    ;;
  offload)
    python3 "$(dirname "$0")/../../migrate/offload_run_test.py" "$bin" "$trace" "$1" webgpu "$2" 100 \
      --remote-at "127.0.0.1:$port" || fail "the offloaded run"
    ;;
  close | replace)
    replay > "$work/replay.out" 2> "$work/replay.err" &
    replaying=$!
    # Mid-replay: a few seconds after the replay's session opened.
    for _ in $(seq 300); do grep -q "session .* opened" "$work/serve.err" && break; sleep 0.1; done
    sleep 3
    if [ "$mode" = close ]; then
      kill "${chromes[0]}"
    else
      open_tab 2
    fi
    wait "$replaying"
    code=$?
    cat "$work/replay.out" "$work/replay.err"
    [ "$code" -eq 3 ] || fail "the replay exited $code when its tab went away, not 3"
    seq=$(grep -o 'device lost at call [0-9]*' "$work/replay.err" | grep -o '[0-9]*$')
    [ -n "$seq" ] || fail "the replay did not name the call in flight"
    grep -q "in flight" "$work/replay.err" || fail "no 'in flight' in the message"
    [ "$mode" = close ] && open_tab 2
    # The call in flight and the 40 seqs after it: the resumed range in a new tab.
    replay --calls "$seq:$((seq + 40))" | tail -3
    [ "${PIPESTATUS[0]}" -eq 0 ] || fail "the replay resumed at call $seq did not pass"
    ;;
  *) fail "unknown mode $mode" ;;
esac
echo "browser_tab $mode: ok"
