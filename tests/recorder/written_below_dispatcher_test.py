"""The bytes an op saw, even when they were written below the dispatcher
(programs/written_below_dispatcher.py: histc fills a scratch tensor through
raw pointers, then sums it through an observed op).

- Recorded as TapML records by default, with capture verification on: the
  sum's input holds the counts (max 7), and verification reports 0
  disagreements in the trace's metadata.
- With the planted bug trust-tensor-cache (the recorder trusting its cache
  as it did before the fix), the input is carved as zeros; with verification
  on as well, verification names the call, the argument and the seq on
  stderr and counts it (and stores what the memory holds). So the check of
  the input fails on the old behaviour, and verification sees it.

written_below_dispatcher_test.py BIN_DIR PYTHON OUT_DIR"""
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def record(bin_dir, python, out_dir, name, planted, verify=True):
    trace = os.path.join(out_dir, name + ".h5")
    env = dict(os.environ)
    env.pop("TAPML_PLANT_BUG", None)
    if planted:
        env["TAPML_PLANT_BUG"] = "trust-tensor-cache"
    program = os.path.join(HERE, "programs", "written_below_dispatcher.py")
    run = subprocess.run([os.path.join(bin_dir, "tapml-record"), "--command",
                          f"{python} {program}", "--output", trace, "-q",
                          "--verify-capture", "true" if verify else "false"],
                         capture_output=True, text=True, env=env)
    if run.returncode != 0:
        raise SystemExit(f"FAIL: recording {name} exited {run.returncode}: {run.stderr}")
    return trace, run.stderr


def trace_json(bin_dir, *args):
    out = subprocess.run([os.path.join(bin_dir, "tapml-trace"), *args, "--json"],
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out)


def sum_input_max(bin_dir, trace):
    calls = trace_json(bin_dir, "ls", trace, "--op", "aten::sum.IntList_out")
    seq = calls[0]["seq"]
    call = trace_json(bin_dir, "show", trace, str(seq))
    self_arg = next(a for a in call["inputs"] if a["name"] == "self")
    return seq, self_arg["value"]["stats"]["max"]


def main() -> int:
    bin_dir, python, out_dir = sys.argv[1:4]
    os.makedirs(out_dir, exist_ok=True)
    ok = True

    trace, _ = record(bin_dir, python, out_dir, "written_below_dispatcher", planted=False)
    seq, high = sum_input_max(bin_dir, trace)
    extra = trace_json(bin_dir, "info", trace)["extra"]
    print(f"default: sum at seq {seq} reads max {high}; verification: "
          f"{extra.get('capture_disagreements')} disagreements of "
          f"{extra.get('capture_hits_verified')} cache hits")
    ok &= high == 7.0
    ok &= extra.get("capture_verified") == "true" and extra.get("capture_disagreements") == "0"

    trace, _ = record(bin_dir, python, out_dir, "trusting_cache", planted=True, verify=False)
    seq, high = sum_input_max(bin_dir, trace)
    print(f"trusting the cache: sum reads max {high} (the zeros of aten::zero_)")
    ok &= high == 0.0
    trace, err = record(bin_dir, python, out_dir, "trusting_cache_verified", planted=True)
    extra = trace_json(bin_dir, "info", trace)["extra"]
    reported = f"seq {seq} aten::sum.IntList_out argument self" in err
    print(f"trusting the cache, verified: reported on stderr: {reported}; "
          f"{extra.get('capture_disagreements')} disagreements in the metadata")
    ok &= reported and int(extra.get("capture_disagreements", "0")) >= 1
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
