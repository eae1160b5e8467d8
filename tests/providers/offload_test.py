"""The offload mode moves a real program's calls onto a user's provider: MiniLM
recorded with its adds and muls offloaded to the example provider, every
offloaded call checked against the reference kernel on the same inputs.
Without a planted bug: calls ran on the provider, none beyond tolerance,
the program's result the reference's. With one: the check must see it.

offload_test.py BIN_DIR RUN_CFG REFERENCE PROVIDER OUT_DIR [--planted]"""
import json
import os
import subprocess
import sys


def main() -> int:
    bin_dir, run_cfg, reference, provider, out_dir = sys.argv[1:6]
    planted = "--planted" in sys.argv[6:]
    os.makedirs(out_dir, exist_ok=True)
    trace = os.path.join(out_dir, "planted.h5" if planted else "clean.h5")
    env = {k: v for k, v in os.environ.items() if k != "TAPML_PLANT_BUG"}
    if planted:
        env["TAPML_PLANT_BUG"] = "binary-partial-write"
    run = subprocess.run(
        [os.path.join(bin_dir, "tapml-record"), run_cfg, "--output", trace, "--quiet",
         "--offload-target", provider, "--offload-ops", "aten::add.Tensor,aten::mul.Tensor",
         "--offload-check", "true"], capture_output=True, text=True, env=env)
    sys.stderr.write(run.stderr[-2000:])
    if run.returncode != 0:
        print(f"FAIL: tapml-record exited with {run.returncode}")
        return 1
    with open(trace + ".offload.json") as f:
        report = json.load(f)
    ops = report["ops"]
    offloaded = sum(ops.get(op, {}).get("offloaded", 0)
                    for op in ("aten::add.Tensor", "aten::mul.Tensor"))
    beyond = report["beyond_calls"]
    print(f"{offloaded} calls on {report.get('device')}, {beyond} of {report['checked_calls']} "
          "checked calls beyond tolerance")
    if offloaded == 0 or report["checked_calls"] != report["offloaded_calls"]:
        print("FAIL: no call ran on the provider, or not every offloaded call was checked")
        return 1
    if planted and beyond == 0:
        print("FAIL: the planted provider kernel was not seen by the per-call check")
        return 1
    if not planted:
        if beyond != 0:
            print("FAIL: a right kernel judged beyond tolerance")
            return 1
        diff = subprocess.run([os.path.join(bin_dir, "tapml-trace-diff"), reference, trace, "-q"],
                              capture_output=True, text=True)
        if diff.returncode != 0:
            print(f"FAIL: the hybrid run differs from the reference: {diff.stdout.strip()}")
            return 1
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
