"""tapml.compare judges any pair of tensors by the replayer's tolerance rules."""
import json

import numpy as np
import pytest

import tapml


def test_equal_tensors_pass_and_a_perturbation_fails():
    rng = np.random.default_rng(0)
    want = rng.standard_normal((64, 32)).astype(np.float32)
    assert tapml.compare(want.copy(), want, op="aten::softmax.int").passed
    got = want.copy()
    got[3, 7] += 0.5
    result = tapml.compare(got, want, op="aten::softmax.int")
    assert not result.passed
    assert result.worst["index"] == [3, 7]
    assert "worst at [3, 7]" in result.failure


def test_integers_are_exact_and_nan_must_match():
    want = np.arange(10, dtype=np.int64)
    got = want.copy()
    got[4] = 5
    assert not tapml.compare(got, want, op="aten::argmax").passed
    f = np.ones(4, dtype=np.float32)
    g = f.copy()
    g[2] = np.nan
    result = tapml.compare(g, f, op="aten::add.Tensor")
    assert not result.passed and result.nonfinite_mismatches == 1


def test_torch_bfloat16_uses_its_dtype_rule():
    torch = pytest.importorskip("torch")
    want = torch.randn(128, dtype=torch.float32)
    got_bf16 = want.to(torch.bfloat16)
    # bfloat16's own rounding is within the bfloat16 rule, not the float32 one.
    assert tapml.compare(got_bf16, got_bf16.clone(), op="aten::add.Tensor").passed
    assert tapml.compare(got_bf16, (want * 1.001).to(torch.bfloat16),
                         op="aten::add.Tensor").tolerance["nmse"] > 1e-7


def test_a_tolerance_file_overrides(tmp_path):
    rules = tmp_path / "rules.json"
    rules.write_text(json.dumps({"rules": [{"op": "add", "nmse": 1, "atol": 1, "rtol": 1}]}))
    want = np.ones(8, dtype=np.float32)
    got = want + 0.5
    assert not tapml.compare(got, want, op="aten::add.Tensor").passed
    assert tapml.compare(got, want, op="aten::add.Tensor", tolerance=rules).passed


def test_mismatched_inputs_are_usage_errors():
    with pytest.raises(tapml.UsageError, match="one dtype and shape"):
        tapml.compare(np.ones(3, np.float32), np.ones(4, np.float32))
    with pytest.raises(tapml.UsageError, match="one dtype and shape"):
        tapml.compare(np.ones(3, np.float32), np.ones(3, np.float64))


def test_any_dlpack_producer(minilm):
    """A DLPack producer that is neither numpy nor torch (here a trace's own
    tensor) is compared without a detour."""
    t = tapml.open(minilm)[5].inputs["self"]
    assert tapml.compare(t, t.numpy(), op="aten::index_select").passed
