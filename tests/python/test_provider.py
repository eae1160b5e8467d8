"""Python kernels as a target: the ops a Python Provider implements run and
are judged as any provider's; the rest are UNSUPPORTED; a wrong one FAILs; one
that raises is an ERROR with its message; inputs arrive without a copy in
the recorded layout."""
import os
import textwrap

import numpy as np
import pytest

import tapml
from conftest import PYTHON, run

torch = pytest.importorskip("torch")


def add(self, other, alpha):
    return self + alpha * other


def gelu(self, approximate):
    return torch.nn.functional.gelu(self, approximate=approximate)


def test_two_ops_pass_and_the_rest_are_unsupported(minilm):
    mine = tapml.Provider({"aten::add.Tensor": add, "aten::gelu": gelu}, name="mine")
    report = tapml.replay(minilm, target=mine)
    assert report.summary.target == "mine"
    ran = {c.op for c in report.calls if c.status == "PASS"}
    assert ran == {"aten::add.Tensor", "aten::gelu"}
    others = [c for c in report.calls if c.op not in ran]
    assert others and all(c.status == "UNSUPPORTED" for c in others)
    assert report.passed and report.summary.coverage < 1


def test_a_plain_mapping_and_numpy_tensors(minilm):
    report = tapml.replay(minilm, target={"aten::add.Tensor": add})
    assert {c.status for c in report.calls if c.op == "aten::add.Tensor"} == {"PASS"}
    numpy_add = tapml.Provider({"aten::add.Tensor": lambda self, other, alpha: np.add(
        self, alpha * other)}, name="numpy-add", tensors="numpy")
    report = tapml.replay(minilm, target=numpy_add, op="add")
    assert report.passed and {c.status for c in report.calls} == {"PASS"}


def test_a_wrong_kernel_fails_and_a_raising_one_errors(minilm):
    wrong = tapml.Provider({"aten::add.Tensor": lambda self, other, alpha: 1.01 * (self + other)},
                           name="wrong")
    report = tapml.replay(minilm, target=wrong, op="add")
    floats = [c for c in report.calls if "float32" in c.inputs[0]]  # the int64 add rounds back
    assert floats and {c.status for c in floats} == {"FAIL"}

    def boom(self, approximate):
        raise RuntimeError("kernel not finished")

    report = tapml.replay(minilm, target={"aten::gelu": boom}, op="gelu")
    assert {c.status for c in report.calls} == {"ERROR"}
    assert "kernel not finished" in report.calls[0].message
    shapes = tapml.replay(minilm, target={"aten::gelu": lambda self, approximate: self[0]},
                          op="gelu")
    assert "returned output 0 of shape" in shapes.calls[0].message


def test_inputs_are_views_of_tapml_buffers_in_the_recorded_layout(minilm):
    seen = []

    def matmul(self, other):
        seen.append((self.stride(), other.stride()))
        return torch.matmul(self, other)

    report = tapml.replay(minilm, target={"aten::matmul": matmul}, op="matmul")
    assert report.passed and report.calls
    trace = tapml.open(minilm)
    recorded = [(c.inputs["self"].strides, c.inputs["other"].strides)
                for c in trace.calls(op="matmul")]
    assert seen == recorded
    assert seen == [((384, 1), (1, 384))], "a transposed view arrives as a view, not a copy"


def test_why_unsupported_and_bad_providers(minilm):
    picky = tapml.Provider({"aten::add.Tensor": add}, name="picky",
                           why_unsupported=lambda op, inputs: (
                               "only 3-d" if inputs["self"].dim() != 3 else None))
    report = tapml.replay(minilm, target=picky, op="add")
    reasons = {c.message for c in report.calls if c.status == "UNSUPPORTED"}
    assert reasons <= {"only 3-d"}
    with pytest.raises(tapml.TargetError, match="full aten op names"):
        tapml.Provider({"add": add})
    with pytest.raises(tapml.UsageError, match="runs in this process"):
        tapml.replay(minilm, target={"aten::add.Tensor": add}, isolate=True)


def test_the_pytest_plugin_runs_a_provider_by_module_path(minilm, tmp_path):
    (tmp_path / "my_kernels.py").write_text(textwrap.dedent("""
        import tapml
        KERNELS = tapml.Provider({"aten::add.Tensor": lambda self, other, alpha: self + alpha * other,
                                  "aten::gelu": lambda self, approximate: self * 2}, name="mine")
    """))
    env = dict(os.environ, PYTHONPATH=str(tmp_path))
    done = run(PYTHON, "-m", "pytest", "-p", "no:cacheprovider", "--tapml-trace", minilm,
               "--tapml-target", "python://my_kernels:KERNELS", "-q", "-rs", env=env, cwd=tmp_path)
    assert done.returncode == 1, done.stdout
    assert "FAIL: aten::gelu case aten_gelu." in done.stdout
    assert "passed" in done.stdout and "skipped" in done.stdout
