"""Declined calls (selected, but run where the program put them) are reported
with their reasons, and --max-declined N turns too many into a failure.
programs/aten_semantics.py indexes by a boolean mask: aten::index.Tensor's
output shape depends on values, so the offload declines it.

migrate_declined_test.py BIN_DIR RUN_CFG OUT_DIR"""
import os
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
    reason = "aten::index.Tensor: 1 calls, output layout depends on values"
    allowed = migrate(bin_dir, run_cfg, os.path.join(out_dir, "allowed"), [])
    if allowed.returncode != 0 or reason not in allowed.stdout:
        print(f"FAIL: without a limit: exit {allowed.returncode}, declined reason shown: "
              f"{reason in allowed.stdout}")
        return 1
    limited = migrate(bin_dir, run_cfg, os.path.join(out_dir, "limited"),
                      ["--max-declined", "0", "--reference",
                       os.path.join(out_dir, "allowed", "reference.h5")])
    if (limited.returncode != 1 or "more than --max-declined 0" not in limited.stdout
            or "TOO MANY DECLINED CALLS" not in limited.stderr):
        print(f"FAIL: with --max-declined 0: exit {limited.returncode}")
        return 1
    print("PASS: declined calls reported with reasons; --max-declined 0 fails the step")
    return 0


if __name__ == "__main__":
    sys.exit(main())
