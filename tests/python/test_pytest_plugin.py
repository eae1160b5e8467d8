"""The pytest plugin: a test per carved call, stable ids, -k, -x, xdist and
pytest's own JUnit XML; a planted bug fails its calls' tests by op and case."""
import os
import xml.etree.ElementTree as ET

import pytest

from conftest import PYTHON, run


def pytest_run(tmp_path, *args, env=None):
    return run(PYTHON, "-m", "pytest", "-p", "no:cacheprovider", *args, env=env, cwd=tmp_path)


def test_every_call_is_a_test_and_passes(minilm, tmp_path):
    listed = pytest_run(tmp_path, "--tapml-trace", minilm, "--collect-only", "-q")
    ids = [line for line in listed.stdout.splitlines() if "::" in line]
    assert len(ids) == 37 and any("aten_linear.f32_4x15x384_384x384_384#1" in i for i in ids)
    assert not any("seq" in i.split("::")[1] for i in ids), "ids carry no seq"
    again = pytest_run(tmp_path, "--tapml-trace", minilm, "--collect-only", "-q")
    assert [line for line in again.stdout.splitlines() if "::" in line] == ids
    done = pytest_run(tmp_path, "--tapml-trace", minilm, "--tapml-target", "vulkan", "-q")
    assert done.returncode == 0 and "37 passed" in done.stdout, done.stdout


def test_a_planted_bug_fails_naming_op_and_case(minilm, tmp_path):
    env = dict(os.environ, TAPML_PLANT_BUG="matmul-ignores-stride")
    junit = tmp_path / "junit.xml"
    done = pytest_run(tmp_path, "--tapml-trace", minilm, "--tapml-target", "opencl",
                      f"--junitxml={junit}", "-q", env=env)
    assert done.returncode == 1, done.stdout
    assert "FAIL: aten::linear case aten_linear.f32_4x15x384_384x384_384#1" in done.stdout
    cases = ET.parse(junit).getroot().iter("testcase")
    failed = {c.get("name") for c in cases if c.find("failure") is not None}
    assert failed and all(name.startswith(("aten_linear.", "aten_matmul.")) for name in failed)
    clean = pytest_run(tmp_path, "--tapml-trace", minilm, "--tapml-target", "opencl", "-q")
    assert clean.returncode == 0


def test_k_x_and_xdist(minilm, tmp_path):
    env = dict(os.environ, TAPML_PLANT_BUG="matmul-ignores-stride")
    selected = pytest_run(tmp_path, "--tapml-trace", minilm, "-k", "linear", "-q")
    assert "4 passed, 33 deselected" in selected.stdout, selected.stdout
    first = pytest_run(tmp_path, "--tapml-trace", minilm, "-x", "-q", env=env)
    assert "1 failed" in first.stdout and "stopping after 1 failures" in first.stdout
    parallel = pytest_run(tmp_path, "--tapml-trace", minilm, "--tapml-target", "vulkan",
                          "-n", "2", "-q")
    assert parallel.returncode == 0 and "37 passed" in parallel.stdout, parallel.stdout


def test_unsupported_calls_are_skipped_with_the_reason(smollm2, tmp_path):
    done = pytest_run(tmp_path, "--tapml-trace", smollm2, "--tapml-calls", "0:400",
                      "--tapml-descend", "-q", "-rs")
    assert done.returncode == 0, done.stdout


def test_bad_options_are_one_line(minilm, tmp_path):
    missing = pytest_run(tmp_path, "--tapml-trace", tmp_path / "nope.h5")
    assert missing.returncode == 4 and "no such file" in missing.stderr
    target = pytest_run(tmp_path, "--tapml-trace", minilm, "--tapml-target", "nope")
    assert target.returncode == 4 and "no target 'nope'" in target.stderr
    calls = pytest_run(tmp_path, "--tapml-trace", minilm, "--tapml-calls", "x")
    assert calls.returncode == 4 and "expected A:B" in calls.stderr
