#!/usr/bin/env python3
"""Remote replay over loopback against local replay, in one run.

Replays TRACE with tapml-replay on the local target, then through a
tapml-serve on 127.0.0.1 (same target) with the content cache on and off,
and prints wall time, calls/s, the remote/local throughput ratio, and the
bytes the client sent (the server's count of every frame it received).

  bench/remote_replay.py TRACE [--target cpu] [--calls A:B] [--op REGEX]
      [--bin BUILD/bin]

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


def replay(bin_dir, args, extra, report, env):
    command = [str(bin_dir / "tapml-replay"), "--target", args.target, "--no-progress",
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
    args = parser.parse_args()
    bin_dir = Path(args.bin)
    env = dict(os.environ, TAPML_TOKEN=secrets.token_hex(16))
    # Read the trace once so that no mode pays for a cold page cache.
    with open(args.trace, "rb") as trace:
        while trace.read(1 << 24):
            pass

    with tempfile.TemporaryDirectory(prefix="tapml-remote-bench-") as work:
        server_log = open(Path(work) / "serve.log", "w+")
        server = subprocess.Popen(
            [str(bin_dir / "tapml-serve"), "--target", args.target, "--listen", "127.0.0.1:0"],
            env=env, stdout=subprocess.PIPE, stderr=server_log, text=True)
        line = server.stdout.readline()
        match = re.search(r"listening on tcp://(\S+),", line)
        if not match:
            server.kill()
            sys.exit(f"remote_replay.py: tapml-serve did not start: {line.strip()}")
        host_port = match.group(1)
        try:
            rows = [("local", replay(bin_dir, args, [], f"{work}/local.json", env))]
            rows.append(("remote, content cache on",
                         replay(bin_dir, args, ["--remote", host_port], f"{work}/cached.json", env)))
            no_cache = dict(env, TAPML_REMOTE_CONTENT_CACHE="off")
            rows.append(("remote, content cache off",
                         replay(bin_dir, args, ["--remote", host_port], f"{work}/uncached.json",
                                no_cache)))
        finally:
            server.terminate()
            server.wait()
        server_log.seek(0)
        sessions = re.findall(r"closed \(bye\).*received_bytes=(\d+) sent_bytes=(\d+) "
                              r"uploads=(\d+) upload_hits=(\d+)", server_log.read())

    local = rows[0][1]
    print(f"trace {args.trace}  target {args.target}  calls {args.calls or 'all'}  "
          f"op {args.op or 'all'}")
    print(f"{'mode':<28}{'calls':>7}{'wall s':>9}{'calls/s':>10}{'vs local':>10}"
          f"{'client sent MB':>16}{'uploads':>9}{'by hash':>9}")
    for i, (mode, summary) in enumerate(rows):
        ratio = summary["calls_per_second"] / local["calls_per_second"]
        sent = uploads = hits = "-"
        if i > 0 and len(sessions) >= i:
            received, _, uploads, hits = sessions[i - 1]
            sent = f"{int(received) / 1e6:.1f}"
        print(f"{mode:<28}{summary['calls']:>7}{summary['wall_seconds']:>9.2f}"
              f"{summary['calls_per_second']:>10.1f}{ratio:>10.2f}{sent:>16}{uploads:>9}{hits:>9}")
    print(f"recorded input values of the calls run: {local['input_bytes'] / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
