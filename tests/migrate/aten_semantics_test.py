"""Offloaded calls keep aten's semantics (programs/aten_semantics.py): the
program, with its out=, in-place-through-a-view and resized calls offloaded
to TARGET, computes what numpy says, and every selected call really ran on
the target (none declined). Failed before out= arguments were resized: the
offloaded aten::arange.start_out handed back an empty tensor.

With --planted-offload-error the offload layer itself fails
(TAPML_PLANT_BUG=offload-layer-throws): the run must stop with exit 3 and
one line "offload error in aten::...", blaming no kernel.

aten_semantics_test.py BIN_DIR PYTHON TARGET OUT_DIR [--planted-offload-error]"""
import json
import os
import subprocess
import sys

OPS = "arange,add,mul,mul_,add_,sum,index.Tensor"


def main() -> int:
    bin_dir, python, target, out_dir = sys.argv[1:5]
    os.makedirs(out_dir, exist_ok=True)
    program = os.path.join(os.path.dirname(os.path.abspath(__file__)), "programs",
                           "aten_semantics.py")
    planted = "--planted-offload-error" in sys.argv[5:]
    trace = os.path.join(out_dir, f"aten-semantics-{target}{'-planted' if planted else ''}.h5")
    env = dict(os.environ)
    env.pop("TAPML_PLANT_BUG", None)
    if planted:
        env["TAPML_PLANT_BUG"] = "offload-layer-throws"
    run = subprocess.run([os.path.join(bin_dir, "tapml-record"), "--command",
                          f"{python} {program}", "--output", trace, "-q",
                          "--offload-target", target, "--offload-ops", OPS],
                         capture_output=True, text=True, env=env)
    sys.stdout.write(run.stdout)
    sys.stderr.write(run.stderr)
    if planted:
        lines = [line for line in run.stderr.splitlines() if "offload error in aten::" in line]
        if run.returncode != 3 or len(lines) != 1 or "kernel" in lines[0]:
            print(f"FAIL: expected exit 3 and one 'offload error in aten::' line, got exit "
                  f"{run.returncode}, lines {lines}")
            return 1
        print(f"PASS: the offload layer's own failure: exit 3, {lines[0]!r}")
        return 0
    if run.returncode != 0 or "every case right" not in run.stdout:
        print(f"FAIL: the hybrid program broke (exit {run.returncode})")
        return 1
    with open(trace + ".offload.json") as f:
        report = json.load(f)
    kinds = {op: c for op, c in report["ops"].items()}
    print(json.dumps(kinds, indent=1))
    declined = {op: c["why_declined"] for op, c in kinds.items() if c["declined"]}
    # Indexing by a boolean mask: its output shape depends on the mask's values.
    masked = declined.pop("aten::index.Tensor", "")
    if "depends on values" not in masked:
        print(f"FAIL: aten::index.Tensor with a boolean mask was not declined for its "
              f"value-dependent shape (declined: {masked!r})")
        return 1
    offloaded = report["offloaded_calls"]
    expected = {"aten::arange.start_out", "aten::add.out", "aten::mul.out", "aten::sum.IntList_out",
                "aten::mul_.Tensor", "aten::add_.Tensor"}
    missing = sorted(op for op in expected if kinds.get(op, {}).get("offloaded", 0) == 0)
    if declined or missing or offloaded < 7:
        print(f"FAIL: {offloaded} calls offloaded; declined {declined}; never offloaded {missing}")
        return 1
    print(f"PASS: {offloaded} calls ran on {report['device']}, none declined")
    return 0


if __name__ == "__main__":
    sys.exit(main())
