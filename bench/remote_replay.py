#!/usr/bin/env python3
"""Remote replay over loopback against local replay, in one run.

Replays TRACE with tapml-replay on the local target, then through a
tapml-serve on 127.0.0.1 (same target) with the content cache on and off,
and prints wall time, calls/s, the remote/local throughput ratio, and the
bytes the client sent (the server's count of every frame it received).

  bench/remote_replay.py TRACE [--target cpu] [--calls A:B] [--op REGEX]
      [--bin BUILD/bin] [--browser [--local vulkan,webgpu]]

--browser serves a headless Chromium tab instead (tapml-serve --target
browser://127.0.0.1:0, WebGPU on SwiftShader; docs/webgpu.md): the remote
rows are the tab, the local rows --local's targets (default vulkan and
webgpu, the native WebGPU device), all in the same run.
--bin defaults to build/bin beside this script's folder.
"""
import argparse
import json
import os
import re
import secrets
import subprocess
import sys
import tempfile
from pathlib import Path


def replay(bin_dir, args, extra, report, env, target=None):
    command = [str(bin_dir / "tapml-replay"), "--target", target or args.target, "--no-progress",
               args.trace, "--json", report] + extra
    if args.calls:
        command += ["--calls", args.calls]
    if args.op:
        command += ["--op", args.op]
    done = subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          text=True)
    if done.returncode not in (0, 1):
        sys.exit(f"remote_replay.py: {' '.join(command)} failed: {done.stderr.strip()}")
    return json.loads(Path(report).read_text())["summary"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("trace")
    parser.add_argument("--target", default="cpu")
    parser.add_argument("--calls", default="")
    parser.add_argument("--op", default="")
    parser.add_argument("--bin", default=str(Path(__file__).resolve().parent.parent / "build/bin"))
    parser.add_argument("--browser", action="store_true", help="the server's device is a tab")
    parser.add_argument("--local", default="", help="--browser: local targets to compare")
    args = parser.parse_args()
    if args.browser:
        args.target = "webgpu"
    local_targets = (args.local or ("vulkan,webgpu" if args.browser else args.target)).split(",")
    bin_dir = Path(args.bin)
    env = dict(os.environ, TAPML_TOKEN=secrets.token_hex(16))
    # Read the trace once so that no mode pays for a cold page cache.
    with open(args.trace, "rb") as trace:
        while trace.read(1 << 24):
            pass

    with tempfile.TemporaryDirectory(prefix="tapml-remote-bench-") as work:
        server_log = open(Path(work) / "serve.log", "w+")
        served = "browser://127.0.0.1:0?wait=120" if args.browser else args.target
        server = subprocess.Popen(
            [str(bin_dir / "tapml-serve"), "--target", served, "--listen", "127.0.0.1:0"],
            env=env, stdout=subprocess.PIPE, stderr=server_log, text=True)
        line = server.stdout.readline()
        match = re.search(r"listening on tcp://(\S+),", line)
        if not match:
            server.kill()
            sys.exit(f"remote_replay.py: tapml-serve did not start: {line.strip()}")
        host_port = match.group(1)
        chromium = None
        if args.browser:
            page = re.search(r"(http://\S+/)", line).group(1)
            chromium = subprocess.Popen(
                ["chromium", "--headless=new", "--no-sandbox", "--enable-unsafe-webgpu",
                 "--use-webgpu-adapter=swiftshader", "--no-first-run",
                 "--disable-background-timer-throttling", "--disable-renderer-backgrounding",
                 f"--user-data-dir={work}/profile", f"{page}#token={env['TAPML_TOKEN']}"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            rows = [(f"local {t}" if args.browser else "local",
                     replay(bin_dir, args, [], f"{work}/local-{t}.json", env, t))
                    for t in local_targets]
            remote = "browser tab" if args.browser else "remote"
            rows.append((f"{remote}, content cache on",
                         replay(bin_dir, args, ["--remote", host_port], f"{work}/cached.json", env)))
            no_cache = dict(env, TAPML_REMOTE_CONTENT_CACHE="off")
            rows.append((f"{remote}, content cache off",
                         replay(bin_dir, args, ["--remote", host_port], f"{work}/uncached.json",
                                no_cache)))
        finally:
            if chromium:
                chromium.terminate()
                chromium.wait()
            server.terminate()
            server.wait()
        server_log.seek(0)
        sessions = re.findall(r"closed \(bye\).*received_bytes=(\d+) sent_bytes=(\d+) "
                              r"uploads=(\d+) upload_hits=(\d+)", server_log.read())

    local = rows[0][1]
    locals_count = len(local_targets)
    print(f"trace {args.trace}  target {args.target}  calls {args.calls or 'all'}  "
          f"op {args.op or 'all'}")
    print(f"{'mode':<28}{'calls':>7}{'wall s':>9}{'calls/s':>10}{'vs first':>10}"
          f"{'client sent MB':>16}{'uploads':>9}{'by hash':>9}")
    for i, (mode, summary) in enumerate(rows):
        ratio = summary["calls_per_second"] / local["calls_per_second"]
        sent = uploads = hits = "-"
        if i >= locals_count and len(sessions) > i - locals_count:
            received, _, uploads, hits = sessions[i - locals_count]
            sent = f"{int(received) / 1e6:.1f}"
        print(f"{mode:<28}{summary['calls']:>7}{summary['wall_seconds']:>9.2f}"
              f"{summary['calls_per_second']:>10.1f}{ratio:>10.2f}{sent:>16}{uploads:>9}{hits:>9}")
    print(f"recorded input values of the calls run: {local['input_bytes'] / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
