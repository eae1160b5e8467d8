"""With a planted wrong kernel switched on, tapml-migrate must stop at the op
kind that kernel serves, and tapml-trace diff of that step's hybrid trace
must name a call of that kind as the first diverging call.

migrate_planted_bug_test.py BIN_DIR RUN_CFG REFERENCE TARGET BUG OP OUT_DIR [tapml-migrate args]"""
import json
import os
import subprocess
import sys


def main() -> int:
    bin_dir, run_cfg, reference, target, bug, op, out_dir = sys.argv[1:8]
    extra = sys.argv[8:]
    os.makedirs(out_dir, exist_ok=True)
    steps_json = os.path.join(out_dir, "steps.json")
    env = dict(os.environ, TAPML_PLANT_BUG=bug)
    migrate = subprocess.run(
        [os.path.join(bin_dir, "tapml-migrate"), run_cfg, "--target", target, "--reference",
         reference, "--work", out_dir, "--json", steps_json, "--keep-traces", *extra],
        capture_output=True, text=True, env=env)
    sys.stdout.write(migrate.stdout)
    sys.stderr.write(migrate.stderr[-3000:])
    if migrate.returncode != 1:
        print(f"FAIL: tapml-migrate exited with {migrate.returncode}, expected 1 (a culprit)")
        return 1
    with open(steps_json) as f:
        steps = json.load(f)
    if steps["culprit"] != op:
        print(f"FAIL: culprit {steps['culprit']!r}, expected {op!r}")
        return 1
    last = steps["steps"][-1]
    if op not in last["added"]:
        print(f"FAIL: the failing step added {last['added']}, not {op}")
        return 1
    diff_json = os.path.join(out_dir, "failing-step.diff.json")
    diff = subprocess.run([os.path.join(bin_dir, "tapml-trace-diff"), reference, last["trace"],
                           "--json", diff_json], capture_output=True, text=True, env=env)
    with open(diff_json) as f:
        first = json.load(f)["first_divergence"]
    if diff.returncode != 1 or first is None or first["op"] != op:
        print(f"FAIL: diff exit {diff.returncode}, first diverging call {first and first['op']}")
        return 1
    print(f"PASS: stopped at {op}; first diverging call {first['ref_seq']} {first['op']} "
          f"({first['scope']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
