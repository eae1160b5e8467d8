"""Bad input gets one line on stderr and exit code 2: an op name that does
not exist, a target that is missing (tapml-migrate and tapml-record).

migrate_bad_input_test.py BIN_DIR RUN_CFG REFERENCE OUT_DIR"""
import os
import subprocess
import sys


def expect_usage_error(argv, needle):
    run = subprocess.run(argv, capture_output=True, text=True)
    lines = run.stderr.strip().splitlines()
    ok = run.returncode == 2 and len(lines) == 1 and needle in lines[0]
    print(("ok  " if ok else "FAIL") + f" exit {run.returncode}: {' '.join(argv[1:])}\n     {lines}")
    return ok


def main() -> int:
    bin_dir, run_cfg, reference, out_dir = sys.argv[1:5]
    migrate = os.path.join(bin_dir, "tapml-migrate")
    record = os.path.join(bin_dir, "tapml-record")
    out = os.path.join(out_dir, "bad.h5")
    checks = [
        expect_usage_error([migrate, run_cfg, "--target", "metal", "--reference", reference,
                            "--work", out_dir], "metal"),
        expect_usage_error([migrate, run_cfg, "--target", "vulkan", "--reference", reference,
                            "--work", out_dir, "--ops", "aten::no_such_op"], "aten::no_such_op"),
        expect_usage_error([record, run_cfg, "--output", out, "-q", "--offload-target", "metal"],
                           "metal"),
        expect_usage_error([record, run_cfg, "--output", out, "-q", "--offload-target", "vulkan",
                            "--offload-ops", "aten::no_such_op"], "aten::no_such_op"),
        # Call ranges (PATTERN@A:B): an empty range selects nothing.
        expect_usage_error([record, run_cfg, "--output", out, "-q", "--offload-target", "vulkan",
                            "--offload-ops", "aten::addmm@5:5"], "selects no call"),
        expect_usage_error([record, run_cfg, "--output", out, "-q", "--offload-tolerance",
                            "tol.toml", "--offload-target", "vulkan"], "offload_check"),
        expect_usage_error([migrate, run_cfg, "--target", "vulkan", "--reference", reference,
                            "--work", out_dir, "--linear", "--emit-test", out_dir], "--emit-test"),
    ]
    return 0 if all(checks) else 1


if __name__ == "__main__":
    sys.exit(main())
