"""Declined calls (selected, but run where the program put them) are reported
with their reasons, and --max-declined N turns too many into a failure. The
reference run is recorded once and reused while run.cfg and the program are
unchanged; a changed program gets a new one.
programs/aten_semantics.py indexes by a boolean mask: aten::index.Tensor's
output shape depends on values, so the offload declines it.

migrate_declined_test.py BIN_DIR RUN_CFG OUT_DIR"""
import os
import shutil
import subprocess
import sys


def migrate(bin_dir, run_cfg, work, extra):
    run = subprocess.run([os.path.join(bin_dir, "tapml-migrate"), run_cfg, "--target", "cpu",
                          "--ops", "index.Tensor", "--work", work] + extra,
                         capture_output=True, text=True)
    sys.stdout.write(run.stdout)
    sys.stderr.write(run.stderr)
    return run


def main() -> int:
    bin_dir, run_cfg, out_dir = sys.argv[1:4]
    shutil.rmtree(out_dir, ignore_errors=True)
    reason = "aten::index.Tensor: 1 calls, output layout depends on values"
    allowed = migrate(bin_dir, run_cfg, os.path.join(out_dir, "allowed"), [])
    if allowed.returncode != 0 or reason not in allowed.stdout:
        print(f"FAIL: without a limit: exit {allowed.returncode}, declined reason shown: "
              f"{reason in allowed.stdout}")
        return 1
    if "recording the reference run" not in allowed.stderr:
        print("FAIL: the first migration did not record its reference")
        return 1
    limited = migrate(bin_dir, run_cfg, os.path.join(out_dir, "allowed"), ["--max-declined", "0"])
    if (limited.returncode != 1 or "more than --max-declined 0" not in limited.stdout
            or "TOO MANY DECLINED CALLS" not in limited.stderr):
        print(f"FAIL: with --max-declined 0: exit {limited.returncode}")
        return 1
    if "reusing the reference run" not in limited.stderr:
        print("FAIL: the second migration of the same program recorded its reference again")
        return 1
    # The same run.cfg beside an edited program: a new reference.
    edited = os.path.join(out_dir, "edited")
    shutil.rmtree(edited, ignore_errors=True)
    os.makedirs(edited)
    programs = os.path.dirname(run_cfg)
    shutil.copy(run_cfg, edited)
    with open(os.path.join(programs, "aten_semantics.py")) as f:
        text = f.read()
    with open(os.path.join(edited, "aten_semantics.py"), "w") as f:
        f.write(text + "\n# edited\n")
    changed = migrate(bin_dir, os.path.join(edited, os.path.basename(run_cfg)),
                      os.path.join(out_dir, "allowed"), [])
    if changed.returncode != 0 or "recording the reference run" not in changed.stderr:
        print(f"FAIL: an edited program reused the old reference (exit {changed.returncode})")
        return 1
    print("PASS: declined calls reported with reasons; --max-declined 0 fails the step; the "
          "reference is reused for the same program only")
    return 0


if __name__ == "__main__":
    sys.exit(main())
