"""A real model run hybrid: every op the target supports offloaded, recorded,
then diffed against the CPU reference trace. Passes when the target really
ran most calls and the run is the same end to end (generated token ids
identical, final outputs within the end-to-end tolerance).

With --remote the target runs in a tapml-serve started here on loopback
(offload_remote, token from a file): the same checks, plus the summary must
name the server, and a wrong token must stop the run before it starts (exit 2).
With --remote-at HOST:PORT the tapml-serve is one already running (a browser
tab's, tests/remote/browser/browser_tab.sh), its token in TAPML_TOKEN.

offload_run_test.py BIN_DIR RUN_CFG REFERENCE TARGET OUT_DIR [MIN_CALLS]
                    [--remote | --remote-at HOST:PORT]"""
import argparse
import json
import os
import subprocess
import sys
import time

TOKEN = "offload-remote-test-token-7c2e"


def start_server(bin_dir: str, target: str) -> tuple[subprocess.Popen, str]:
    """tapml-serve on a free loopback port; returns it and its HOST:PORT."""
    env = dict(os.environ, TAPML_TOKEN=TOKEN)
    server = subprocess.Popen(
        [os.path.join(bin_dir, "tapml-serve"), "--target", target, "--listen", "127.0.0.1:0"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
    line = server.stdout.readline()  # "listening on tcp://127.0.0.1:PORT, ..."
    marker = "listening on tcp://"
    if marker not in line:
        server.kill()
        raise SystemExit(f"FAIL: tapml-serve did not start: {line!r}")
    return server, line.split(marker, 1)[1].split(",", 1)[0].strip()


def write_token(out_dir: str, name: str, token: str) -> str:
    path = os.path.join(out_dir, name)
    with open(path, "w") as f:
        f.write(token + "\n")
    return path


def wrong_token_refused(record: list[str], out_dir: str, env: dict) -> bool:
    bad = write_token(out_dir, "wrong-token", "not-the-token")
    run = subprocess.run(record + ["--offload-token-file", bad], capture_output=True, text=True,
                         env=env)
    lines = run.stderr.strip().splitlines()
    print(f"wrong token: exit {run.returncode}: {lines}")
    return run.returncode == 2 and len(lines) == 1 and "refused" in lines[0]


def main() -> int:
    parser = argparse.ArgumentParser()
    for name in ("bin_dir", "run_cfg", "reference", "target", "out_dir"):
        parser.add_argument(name)
    parser.add_argument("min_calls", type=int, nargs="?", default=100)
    parser.add_argument("--remote", action="store_true", help="the target in a tapml-serve")
    parser.add_argument("--remote-at", default="", help="HOST:PORT of a running tapml-serve")
    args = parser.parse_args()
    token = os.environ.get("TAPML_TOKEN", "") if args.remote_at else TOKEN
    args.remote = args.remote or bool(args.remote_at)
    bin_dir, target, out_dir, min_calls = args.bin_dir, args.target, args.out_dir, args.min_calls
    os.makedirs(out_dir, exist_ok=True)
    where = "remote-" if args.remote else ""
    trace = os.path.join(out_dir, f"offload-{where}{target}.h5")
    record = [os.path.join(bin_dir, "tapml-record"), args.run_cfg, "--output", trace, "-q",
              "--offload-target", target, "--offload-ops", "all"]
    env = dict(os.environ)
    env.pop("TAPML_TOKEN", None)  # the token file must be what is used
    server, host_port = (None, args.remote_at)
    if args.remote and not args.remote_at:
        server, host_port = start_server(bin_dir, target)
    try:
        if args.remote:
            record += ["--offload-remote", host_port]
            if not wrong_token_refused(record, out_dir, env):
                print("FAIL: a wrong token did not stop the run with one line and exit 2")
                return 1
            record += ["--offload-token-file", write_token(out_dir, "token", token)]
        started = time.monotonic()
        run = subprocess.run(record, capture_output=True, text=True, env=env)
        seconds = time.monotonic() - started
    finally:
        if server:
            server.terminate()
            server.wait(timeout=30)
    sys.stdout.write(run.stdout)
    sys.stderr.write(run.stderr)
    print(f"the hybrid run took {seconds:.1f} s")
    if run.returncode != 0:
        print(f"FAIL: the hybrid run exited with {run.returncode}")
        return 1
    if args.remote and f"tapml-serve at {host_port}" not in run.stderr:
        print(f"FAIL: the offload summary does not say the calls ran at {host_port}")
        return 1
    with open(trace + ".offload.json") as f:
        report = json.load(f)
    if report.get("remote", "") != host_port:
        print(f"FAIL: the offload report names remote {report.get('remote')!r}, not {host_port!r}")
        return 1
    offloaded = report["offloaded_calls"]
    kinds = sorted(op for op, c in report["ops"].items() if c["offloaded"] > 0)
    print(f"{offloaded} calls of {len(kinds)} op kinds ran on {report['device']}: {kinds}")
    if offloaded < min_calls:
        print(f"FAIL: only {offloaded} calls ran on {target} (expected at least {min_calls})")
        return 1
    diff_json = os.path.join(out_dir, f"offload-{where}{target}.diff.json")
    diff = subprocess.run([os.path.join(bin_dir, "tapml-trace-diff"), args.reference, trace,
                           "--json", diff_json], capture_output=True, text=True)
    sys.stdout.write(diff.stdout[-3000:])
    with open(diff_json) as f:
        result = json.load(f)
    final, tokens = result["final_outputs"], result["tokens"]
    print(f"end to end: found {final['found']}, NMSE {final['nmse']:.3e}, passed {final['passed']}")
    if tokens["generation"]:
        print(f"tokens identical: {tokens['identical']} ({tokens['ref_ids']} vs {tokens['other_ids']})")
    ok = (diff.returncode == 0 and result["same"] and final["found"] and final["passed"]
          and (not tokens["generation"] or tokens["identical"]))
    print("PASS" if ok else f"FAIL: {result['verdict']}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
