"""With a planted wrong kernel switched on, tapml-migrate's default strategy
(all kinds at once, then bisection) must stop at the planted kernel's op kind
and name one call of it, in no more than ceil(log2 kinds) + ceil(log2 calls
of that kind) + 2 hybrid runs, and --emit-test must write a one-call
generated suite whose fixture fails on the planted kernel and passes without.

--inside-end-to-end: the bug is one the end-to-end check cannot see (the
first hybrid run's trace diffs clean against the reference): only the
per-call check finds it.

migrate_bisect_test.py BIN_DIR RUN_CFG REFERENCE TARGET BUG OP OUT_DIR [--inside-end-to-end]"""
import glob
import json
import math
import os
import shutil
import subprocess
import sys


def fail(message: str) -> int:
    print(f"FAIL: {message}")
    return 1


def main() -> int:
    bin_dir, run_cfg, reference, target, bug, op, out_dir = sys.argv[1:8]
    inside = "--inside-end-to-end" in sys.argv[8:]
    shutil.rmtree(out_dir, ignore_errors=True)
    os.makedirs(out_dir)
    steps_json = os.path.join(out_dir, "steps.json")
    emitted = os.path.join(out_dir, "emitted")
    clean_env = {k: v for k, v in os.environ.items() if k != "TAPML_PLANT_BUG"}
    env = dict(clean_env, TAPML_PLANT_BUG=bug)
    migrate = subprocess.run(
        [os.path.join(bin_dir, "tapml-migrate"), run_cfg, "--target", target, "--reference",
         reference, "--work", out_dir, "--json", steps_json, "--html",
         os.path.join(out_dir, "steps.html"), "--emit-test", emitted, "--keep-traces"],
        capture_output=True, text=True, env=env)
    sys.stdout.write(migrate.stdout)
    sys.stderr.write(migrate.stderr[-3000:])
    if migrate.returncode != 1:
        return fail(f"tapml-migrate exited with {migrate.returncode}, expected 1 (a culprit)")
    with open(steps_json) as f:
        steps = json.load(f)
    if steps["strategy"] != "bisection" or steps["culprit"] != op:
        return fail(f"{steps['strategy']}: culprit {steps['culprit']!r}, expected {op!r}")
    call = steps["call"]
    if call is None or call["op"] != op or call["ref_seq"] < 0:
        return fail(f"the call named is {call}, not a call of {op}")
    calls = next(kind["calls"] for kind in steps["kinds"] if kind["op"] == op)
    bound = math.ceil(math.log2(len(steps["kinds"]))) + math.ceil(math.log2(max(calls, 1))) + 2
    if steps["hybrid_runs"] > bound:
        return fail(f"{steps['hybrid_runs']} hybrid runs, more than the bound {bound}")

    if inside:
        first = steps["steps"][0]
        diff = subprocess.run([os.path.join(bin_dir, "tapml-trace-diff"), reference,
                               first["trace"], "-q"], capture_output=True, text=True)
        if diff.returncode != 0 or first["calls_beyond"] == 0:
            return fail(f"run 1 is not clean end to end (diff exit {diff.returncode}) or no call "
                        f"was beyond its per-call tolerance ({first['calls_beyond']}): the bug "
                        "is not one only the per-call check can see")

    # The emitted suite: one case, carved from the named call.
    fixture = os.path.join(emitted, "fixture.h5")
    sources = glob.glob(os.path.join(emitted, "*.cpp"))
    if not os.path.exists(fixture) or not os.path.exists(os.path.join(emitted, "CMakeLists.txt")):
        return fail(f"--emit-test wrote no suite into {emitted}")
    tests = sum(open(path).read().count("TEST(") for path in sources)
    if tests != 1:
        return fail(f"the emitted suite has {tests} cases, expected 1")
    replay = [os.path.join(bin_dir, "tapml-replay"), "--target", target, fixture, "--no-progress"]
    broken = subprocess.run(replay, capture_output=True, text=True, env=env)
    fixed = subprocess.run(replay, capture_output=True, text=True, env=clean_env)
    if broken.returncode != 1 or fixed.returncode != 0:
        return fail(f"the emitted fixture replays with exit {broken.returncode} on the planted "
                    f"kernel (expected 1) and {fixed.returncode} without it (expected 0)\n"
                    f"{broken.stdout[-1500:]}{fixed.stdout[-1500:]}")
    print(f"PASS: {op} call {call['ordinal']} (seq {call['ref_seq']}, {call['scope']}) in "
          f"{steps['hybrid_runs']} hybrid runs (bound {bound}); emitted test fails on the "
          "planted kernel, passes without")
    return 0


if __name__ == "__main__":
    sys.exit(main())
