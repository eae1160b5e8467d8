#!/usr/bin/env python3
"""Replay throughput per target and per-op kernel time, side by side, in one run.

Replays TRACE with tapml-replay on each target (default: every target
--list-targets reports available), then prints per target the wall time,
calls/s, MB/s of recorded inputs and kernel time, and per op the kernel time
per call on each target (the ops with the most total kernel time first).

  bench/replay_throughput.py TRACE [--targets cpu,vulkan,opencl] [--device N]
      [--calls A:B] [--op REGEX] [--top 25] [--bin BUILD/bin] [--json OUT] [--seam]

--seam replays each target three ways in the same run: through its provider
library (the default), with the code compiled into tapml-replay
(TAPML_COMPILED_IN_BACKENDS=1), and isolated (--isolate, a worker process);
rows "T", "T/in", "T/iso", and the wall-time ratios of the first and the
third to the second.

--bin defaults to build/bin beside this script's folder; --json writes every
figure as one JSON document. A replay with failures still counts (its
figures are printed with the failure count); a target that cannot start is
reported and skipped.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path


def available_targets(replay):
    listing = subprocess.run([replay, "--list-targets"], capture_output=True, text=True,
                             check=True).stdout
    targets = []
    for line in listing.splitlines():
        name, _, rest = line.partition(" ")
        if rest.startswith("--device") and name not in targets:
            targets.append(name)
    return targets


def replay_once(replay, target, args, report, flags=(), env=None):
    command = [replay, "--target", target, "--device", str(args.device), "--no-progress",
               args.trace, "--json", report, *flags]
    if args.calls:
        command += ["--calls", args.calls]
    if args.op:
        command += ["--op", args.op]
    done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                          env=env)
    if done.returncode not in (0, 1):
        print(f"{target}: skipped: {done.stderr.strip()}", file=sys.stderr)
        return None
    return json.loads(Path(report).read_text())


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("trace")
    parser.add_argument("--targets", help="comma-separated (default: all available)")
    parser.add_argument("--device", type=int, default=0)
    parser.add_argument("--calls")
    parser.add_argument("--op")
    parser.add_argument("--top", type=int, default=25, help="ops in the per-op table")
    parser.add_argument("--bin", default=str(Path(__file__).resolve().parent.parent / "build/bin"))
    parser.add_argument("--json", help="write all figures to this file")
    parser.add_argument("--seam", action="store_true",
                        help="each target also with its compiled-in code and isolated")
    args = parser.parse_args()

    replay = str(Path(args.bin) / "tapml-replay")
    if not Path(replay).exists():
        sys.exit(f"replay_throughput.py: {replay}: no such program (build tapml-replay or pass --bin)")
    if not Path(args.trace).exists():
        sys.exit(f"replay_throughput.py: {args.trace}: no such trace")
    targets = args.targets.split(",") if args.targets else available_targets(replay)

    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        compiled_in = dict(os.environ, TAPML_COMPILED_IN_BACKENDS="1")
        for target in targets:
            ways = [(target, (), None)]
            if args.seam:
                ways += [(f"{target}/in", ("--no-isolate",), compiled_in),
                         (f"{target}/iso", ("--isolate",), None)]
            for name, flags, env in ways:
                report = replay_once(replay, target, args, str(Path(tmp) / f"{len(results)}.json"),
                                     flags, env)
                if report:
                    results[name] = report

    print(f"trace {args.trace}" + (f", calls {args.calls}" if args.calls else "") +
          (f", ops {args.op}" if args.op else ""))
    print(f"{'target':12} {'calls':>7} {'fail':>5} {'wall s':>8} {'calls/s':>9} {'MB/s':>8} "
          f"{'kernel s':>9}  device")
    for target, report in results.items():
        s = report["summary"]
        print(f"{target:12} {s['calls']:7d} {s['failed'] + s['errors']:5d} {s['wall_seconds']:8.2f} "
              f"{s['calls_per_second']:9.1f} {s['mb_per_second']:8.1f} {s['kernel_seconds']:9.3f}"
              f"  {s['device']}")

    if args.seam:
        print()
        for target in targets:
            runs = [results.get(k) for k in (target, f"{target}/in", f"{target}/iso")]
            if all(runs):
                base = runs[1]["summary"]["wall_seconds"]
                print(f"{target}: wall through the provider / compiled in "
                      f"{runs[0]['summary']['wall_seconds'] / base:.3f}, "
                      f"isolated / compiled in {runs[2]['summary']['wall_seconds'] / base:.3f}")

    # Per op: kernel microseconds per call on each target.
    ops = {}
    for target, report in results.items():
        for name, op in report["ops"].items():
            if op["calls"] > 0:
                ops.setdefault(name, {})[target] = op
    order = sorted(ops, key=lambda n: -max(o["kernel_seconds"] for o in ops[n].values()))
    print(f"\nkernel time per call (us), top {args.top} ops by total kernel time")
    print(f"{'op':40} {'calls':>6} " + " ".join(f"{t:>10}" for t in results))
    for name in order[:args.top]:
        calls = max(o["calls"] for o in ops[name].values())
        cells = []
        for target in results:
            o = ops[name].get(target)
            cells.append(f"{1e6 * o['kernel_seconds'] / o['calls']:10.1f}" if o else f"{'-':>10}")
        print(f"{name[:40]:40} {calls:6d} " + " ".join(cells))

    if args.json:
        figures = {t: {"summary": r["summary"],
                       "ops": {n: o for n, o in r["ops"].items() if o["calls"] > 0}}
                   for t, r in results.items()}
        Path(args.json).write_text(json.dumps(figures, indent=1) + "\n")
    return 0 if results else 2


if __name__ == "__main__":
    sys.exit(main())
