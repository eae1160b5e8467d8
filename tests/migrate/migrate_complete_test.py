"""Without planted bugs, tapml-migrate moves every op kind the target runs and
completes: exit 0, every run within tolerance, the last offloading all, with
calls really on the target. The default strategy does it in one hybrid run
with every offloaded call checked against the reference kernel; --linear in
steps.

migrate_complete_test.py BIN_DIR RUN_CFG REFERENCE TARGET OUT_DIR [tapml-migrate args]"""
import json
import os
import subprocess
import sys


def main() -> int:
    bin_dir, run_cfg, reference, target, out_dir = sys.argv[1:6]
    os.makedirs(out_dir, exist_ok=True)
    steps_json = os.path.join(out_dir, "steps.json")
    env = {k: v for k, v in os.environ.items() if k != "TAPML_PLANT_BUG"}
    migrate = subprocess.run(
        [os.path.join(bin_dir, "tapml-migrate"), run_cfg, "--target", target, "--reference",
         reference, "--work", out_dir, "--json", steps_json,
         "--html", os.path.join(out_dir, "steps.html"), *sys.argv[6:]],
        capture_output=True, text=True, env=env)
    sys.stdout.write(migrate.stdout)
    sys.stderr.write(migrate.stderr[-3000:])
    with open(steps_json) as f:
        steps = json.load(f)
    last = steps["steps"][-1]
    ok = (migrate.returncode == 0 and steps["complete"]
          and all(step["passed"] for step in steps["steps"])
          and last["offload_ops"] == "all" and last["calls_offloaded"] > 100
          and last["calls_checked"] == last["calls_offloaded"] and last["calls_beyond"] == 0)
    if steps["strategy"] == "bisection" and steps["hybrid_runs"] != 1:
        print(f"FAIL: a clean migration took {steps['hybrid_runs']} hybrid runs, not 1")
        ok = False
    print("PASS" if ok else f"FAIL: exit {migrate.returncode}, {steps['summary']}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
