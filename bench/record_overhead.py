"""What recording costs, side by side in one run: SmolLM2's 16-token greedy
generation (traces/smollm2/driver.py) run plain, under tapml-record (every
operator call with its tensor values), and under PyTorch's own
torch.profiler.ExecutionTraceObserver (operator calls with shapes only).

Prints, per mode, the median over --reps runs of the program's wall time and
of model.generate()'s wall time (the driver prints the latter), the ratios
recorded/plain and ET/plain, and the trace's bytes on disk against the raw
bytes of every input and output the trace references.

    python bench/record_overhead.py --build build [--reps 3] [--device cpu]
        [--new-tokens 16] [--smoke]

--smoke (CI: the script must keep working) runs each mode once generating
one token; its figures say nothing about cost. --model-dir DIR measures
another program: DIR holds run.cfg and driver.py, which prints "generate
seconds: S" (CI's smoke run uses tests/bench/tiny_lm, seconds instead of
SmolLM2's minute-long loads).

(or `cmake --build build --target bench_record`). Modes run interleaved
(plain, record, ET, plain, ...) so that a machine's drift hits all alike.

Before/after a change to the recorder, in the same run:

    python bench/record_overhead.py --build build --baseline OLD_BUILD [--verify] [--no-et]

adds a mode recording with OLD_BUILD's tapml-record (a build folder of the
old commit) and prints the new recorder's cost against it; --verify adds a
mode recording with verify_capture on (and prints its disagreements).
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODEL_DIR = os.path.join(ROOT, "traces", "smollm2")

# Runs the unmodified driver as __main__ with the ET observer around it.
ET_WRAPPER = """
import runpy, sys
from torch.profiler import ExecutionTraceObserver
et = ExecutionTraceObserver()
et.register_callback(sys.argv[1])
et.start()
sys.argv = [sys.argv[2]]
try:
    runpy.run_path(sys.argv[0], run_name="__main__")
except SystemExit as e:
    code = e.code
else:
    code = 0
et.stop()
et.unregister_callback()
sys.exit(code)
"""


def run(argv, env, cwd):
    started = time.perf_counter()
    done = subprocess.run(argv, env=env, cwd=cwd, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"record_overhead: {' '.join(argv[:3])} failed ({done.returncode}):\n"
                 f"{done.stderr[-2000:]}")
    found = re.search(r"generate seconds: ([0-9.]+)", done.stdout)
    if not found:
        sys.exit(f"record_overhead: the driver printed no 'generate seconds' line:\n{done.stdout}")
    return wall, float(found.group(1)), done


def trace_figures(tapml_trace, path):
    info = json.loads(subprocess.run([tapml_trace, "info", path, "--json"], check=True,
                                     capture_output=True, text=True).stdout)
    return {
        "calls": info["calls"],
        "tensors": info["tensors"],
        "trace_bytes": os.path.getsize(path),
        "referenced_bytes": int(info["extra"]["referenced_bytes"]),
        "distinct_raw_bytes": info["tensor_bytes"],
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build", default=os.path.join(ROOT, "build"), help="build folder")
    parser.add_argument("--reps", type=int, default=3, help="runs per mode (median taken)")
    parser.add_argument("--device", default="cpu", help="TAPML_MODEL_DEVICE: cpu or cuda")
    parser.add_argument("--work", help="folder for traces (default: <build>/bench-record)")
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--new-tokens", type=int, default=16, help="tokens generate() makes")
    parser.add_argument("--smoke", action="store_true",
                        help="one run per mode, one token: checks the bench runs, times nothing")
    parser.add_argument("--baseline", help="a build folder of an older commit: also record with "
                        "its tapml-record and compare")
    parser.add_argument("--verify", action="store_true",
                        help="also record with verify_capture on")
    parser.add_argument("--no-et", action="store_true", help="leave out the ET mode")
    parser.add_argument("--model-dir", default=MODEL_DIR,
                        help="folder with run.cfg and driver.py (default: traces/smollm2)")
    args = parser.parse_args()
    if args.smoke:
        args.reps, args.new_tokens = 1, 1
    model_dir = os.path.abspath(args.model_dir)
    driver = os.path.join(model_dir, "driver.py")

    build = os.path.abspath(args.build)
    record = os.path.join(build, "bin", "tapml-record")
    tapml_trace = os.path.join(build, "bin", "tapml-trace")
    baseline_record = None
    if args.baseline:
        baseline_record = os.path.join(os.path.abspath(args.baseline), "bin", "tapml-record")
    for tool in (record, tapml_trace, baseline_record):
        if tool and not os.access(tool, os.X_OK):
            sys.exit(f"record_overhead: {tool} not found: build tapml-record and tapml-trace")
    work = os.path.abspath(args.work or os.path.join(build, "bench-record"))
    os.makedirs(work, exist_ok=True)
    env = dict(os.environ, TAPML_MODEL_DEVICE=args.device,
               SMOLLM2_NEW_TOKENS=str(args.new_tokens))
    trace = os.path.join(work, "smollm2.h5")
    et_file = os.path.join(work, "smollm2-et.json")

    def recording(tool, output, *flags):
        return lambda: run([tool, os.path.join(model_dir, "run.cfg"), "--output", output, "-q",
                            "--env", f"TAPML_MODEL_DEVICE={args.device}",
                            "--env", f"SMOLLM2_NEW_TOKENS={args.new_tokens}", *flags],
                           env, model_dir)

    modes = {
        "plain": lambda: run([sys.executable, driver], env, model_dir),
        "tapml-record": recording(record, trace),
    }
    if baseline_record:
        modes["baseline"] = recording(baseline_record, os.path.join(work, "smollm2-baseline.h5"))
    verified_trace = os.path.join(work, "smollm2-verified.h5")
    if args.verify:
        modes["verify"] = recording(record, verified_trace, "--verify-capture", "true")
    if not args.no_et:
        modes["ET"] = lambda: run([sys.executable, "-c", ET_WRAPPER, et_file, driver], env,
                                  model_dir)
    walls = {mode: [] for mode in modes}
    generates = {mode: [] for mode in modes}
    for rep in range(args.reps):
        for mode, go in modes.items():
            wall, generate, _ = go()
            walls[mode].append(wall)
            generates[mode].append(generate)
            print(f"  rep {rep + 1}/{args.reps} {mode:13s} program {wall:6.2f} s, "
                  f"generate {generate:6.2f} s", flush=True)

    median = {m: (statistics.median(walls[m]), statistics.median(generates[m])) for m in modes}
    figures = trace_figures(tapml_trace, trace)
    if not args.no_et:
        figures["et_bytes"] = os.path.getsize(et_file)
    plain_wall, plain_gen = median["plain"]
    name = "SmolLM2-135M" if model_dir == MODEL_DIR else os.path.basename(model_dir)
    print(f"\n{name}, {args.new_tokens} new tokens, device {args.device}, "
          f"median of {args.reps}{' (smoke run: not a measurement)' if args.smoke else ''}:")
    print(f"  {'mode':13s} {'program s':>10s} {'x plain':>8s} {'generate s':>11s} {'x plain':>8s}")
    for mode, (wall, gen) in median.items():
        print(f"  {mode:13s} {wall:10.2f} {wall / plain_wall:8.2f} {gen:11.2f} "
              f"{gen / plain_gen:8.2f}")
    ratio = figures["referenced_bytes"] / figures["trace_bytes"]
    print(f"  trace: {figures['calls']} calls, {figures['tensors']} distinct tensors, "
          f"{figures['trace_bytes'] / 1e6:.1f} MB on disk; raw bytes of every recorded input and "
          f"output {figures['referenced_bytes'] / 1e6:.1f} MB: {ratio:.1f}x smaller")
    record_gen = median["tapml-record"][1] / plain_gen
    if not args.no_et:
        print(f"  ET (shapes only): {figures['et_bytes'] / 1e6:.1f} MB of JSON")
        et_gen = median["ET"][1] / plain_gen
        verdict = "meets" if record_gen <= et_gen and ratio >= 20 else "misses"
        print(f"  goal (recording <= ET, trace >= 20x smaller): {verdict} "
              f"(generate: record {record_gen:.2f}x, ET {et_gen:.2f}x)")
    if baseline_record:
        extra = median["tapml-record"][1] / median["baseline"][1] - 1
        figures["extra_over_baseline"] = extra
        print(f"  against the baseline's recorder ({args.baseline}): generate {extra:+.1%}, "
              f"program {median['tapml-record'][0] / median['baseline'][0] - 1:+.1%}")
    if args.verify:
        meta = json.loads(subprocess.run([tapml_trace, "info", verified_trace, "--json"],
                                         check=True, capture_output=True, text=True).stdout)
        figures["capture_disagreements"] = int(meta["extra"]["capture_disagreements"])
        print(f"  verify_capture: generate {median['verify'][1] / plain_gen:.2f}x plain, "
              f"{figures['capture_disagreements']} disagreements")
    if args.json:
        with open(args.json, "w") as out:
            json.dump({"median": median, "runs": {"program": walls, "generate": generates},
                       **figures}, out, indent=1)


if __name__ == "__main__":
    main()
