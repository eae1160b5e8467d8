"""A real model run hybrid: every op the target supports offloaded, recorded,
then diffed against the CPU reference trace. Passes when the target really
ran most calls and the run is the same end to end (generated token ids
identical, final outputs within the end-to-end tolerance).

offload_run_test.py BIN_DIR RUN_CFG REFERENCE TARGET OUT_DIR [MIN_CALLS]"""
import json
import os
import subprocess
import sys


def main() -> int:
    bin_dir, run_cfg, reference, target, out_dir = sys.argv[1:6]
    min_calls = int(sys.argv[6]) if len(sys.argv) > 6 else 100
    os.makedirs(out_dir, exist_ok=True)
    trace = os.path.join(out_dir, f"offload-{target}.h5")
    record = [os.path.join(bin_dir, "tapml-record"), run_cfg, "--output", trace, "-q",
              "--offload-target", target, "--offload-ops", "all"]
    run = subprocess.run(record, capture_output=True, text=True)
    sys.stdout.write(run.stdout)
    sys.stderr.write(run.stderr)
    if run.returncode != 0:
        print(f"FAIL: the hybrid run exited with {run.returncode}")
        return 1
    with open(trace + ".offload.json") as f:
        report = json.load(f)
    offloaded = report["offloaded_calls"]
    kinds = sorted(op for op, c in report["ops"].items() if c["offloaded"] > 0)
    print(f"{offloaded} calls of {len(kinds)} op kinds ran on {report['device']}: {kinds}")
    if offloaded < min_calls:
        print(f"FAIL: only {offloaded} calls ran on {target} (expected at least {min_calls})")
        return 1
    diff_json = os.path.join(out_dir, f"offload-{target}.diff.json")
    diff = subprocess.run([os.path.join(bin_dir, "tapml-trace-diff"), reference, trace,
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
