"""tapml.open reads every call as the C++ reader does (tapml-trace show
--json), and every tensor's values as an independent decoder does (h5py
over the HDF5 file: docs/trace-format.md), bfloat16, float16 and strided
views included."""
import json

import numpy as np
import pytest

import tapml
from conftest import run, tool

try:
    import h5py
    import hdf5plugin  # noqa: F401  (the zstd filter)
except ImportError:  # pragma: no cover - the project environment has both
    h5py = None


def strip_stats(value, top=True):
    """show --json adds each tensor's stats and the call's full op name; the
    call otherwise is the record."""
    if isinstance(value, dict):
        return {k: strip_stats(v, False) for k, v in value.items()
                if k != "stats" and not (top and k == "op")}
    if isinstance(value, list):
        return [strip_stats(v, False) for v in value]
    return value


def tensors(call):
    for args in (call.inputs, call.outputs):
        for value in args.values():
            if isinstance(value, tapml.Tensor):
                yield value
            elif isinstance(value, list):
                yield from (v for v in value if isinstance(v, tapml.Tensor))


def stats_of(record):
    """(name, stats) of every tensor of a show --json record."""
    for args in (record["inputs"], record["outputs"]):
        for arg in args:
            values = [arg["value"]] if arg["kind"] == "tensor" else (
                arg["value"] if arg["kind"] == "tensor_list" else [])
            for v in values:
                if v is not None and "stats" in v:
                    yield v["hash"], v["stats"]


@pytest.mark.parametrize("name", ["minilm", "smollm2"])
def test_every_call_reads_as_the_cpp_reader_reads_it(name, request):
    path = request.getfixturevalue(name)
    trace = tapml.open(path)
    info = json.loads(run(tool("tapml-trace"), "info", path, "--json", check=True).stdout)
    assert len(trace) == info["calls"]
    assert trace.meta["model"] == info["model"]
    checked_values = 0
    for call in trace:
        shown = json.loads(run(tool("tapml-trace"), "show", path, call.seq, "--json",
                               check=True).stdout)
        assert call.record == strip_stats(shown), f"call {call.seq}"
        assert call.op == shown["op"]
        by_hash = {t.hash: t for t in tensors(call) if t.captured}
        for hash_, stats in stats_of(shown):
            values = by_hash[hash_].numpy(layout=False).astype(np.float64)
            finite = values[np.isfinite(values)]
            assert np.isnan(values).sum() == stats["nan"], f"call {call.seq} {hash_}"
            for key, reduce in (("max", np.max), ("min", np.min), ("mean", np.mean)):
                if finite.size and stats.get(key) is not None:
                    assert reduce(finite) == pytest.approx(stats[key], rel=1e-5, abs=1e-9), \
                        f"call {call.seq} {hash_} {key}"
            checked_values += 1
    assert checked_values > 100


@pytest.mark.skipif(h5py is None, reason="h5py missing")
def test_values_equal_an_independent_hdf5_read(zoo):
    """Every stored tensor of the zoo fixture (float32, float16, bfloat16,
    ints, bools, permuted views) read by tapml equals h5py's read of it."""
    trace = tapml.open(zoo)
    seen = set()
    with h5py.File(zoo, "r") as f:
        stored = f["tensors"]
        for call in trace:
            for t in tensors(call):
                if not t.captured or t.hash in seen or t.hash not in stored:
                    continue
                seen.add(t.hash)
                ds = stored[t.hash]
                if "view_of" in ds.attrs:  # a permuted view: its base's values, dims reordered
                    raw = np.transpose(stored[ds.attrs["view_of"].decode()][()], ds.attrs["dims"])
                else:
                    raw = ds[()]
                raw = np.ascontiguousarray(raw)
                mine = t.numpy(layout=False)
                if t.dtype == "bfloat16":
                    want = (raw.view(np.uint16).astype(np.uint32) << 16).view(np.float32)
                    assert t.torch(layout=False).dtype.is_floating_point
                else:
                    want = raw.view(mine.dtype) if raw.dtype != mine.dtype else raw
                np.testing.assert_array_equal(mine.reshape(-1), want.reshape(-1),
                                              err_msg=f"{t!r} of call {call.seq}")
    dtypes = {trace.tensors()[0]["dtype"]} | {s["dtype"] for s in trace.tensors()}
    assert {"float32", "float16", "bfloat16", "int64"} <= dtypes
    assert len(seen) > 100


def test_torch_and_numpy_agree_and_keep_the_dtype(zoo):
    torch = pytest.importorskip("torch")
    trace = tapml.open(zoo)
    kinds = set()
    for call in trace.calls(op="linear|mm|matmul|softmax|add"):
        for t in tensors(call):
            if not t.captured:
                continue
            as_torch = t.torch()
            assert str(as_torch.dtype) == "torch." + t.dtype
            assert tuple(as_torch.shape) == t.shape
            np.testing.assert_array_equal(as_torch.float().numpy(),
                                          t.numpy().astype(np.float32))
            kinds.add(t.dtype)
    assert {"float32", "bfloat16", "float16"} <= kinds


def test_strided_views_are_rebuilt_with_their_layout(minilm):
    torch = pytest.importorskip("torch")
    trace = tapml.open(minilm)
    strided = [t for call in trace for t in tensors(call)
               if t.captured and t.strides and t.strides != torch.empty(t.shape).stride()]
    assert strided, "MiniLM's linear weights are transposed views"
    for t in strided:
        view = t.torch()
        assert view.stride() == t.strides and view.storage_offset() == t.storage_offset
        np.testing.assert_array_equal(view.contiguous().numpy(), t.numpy(layout=False))
        array = t.numpy()
        assert [s // array.itemsize for s in array.strides] == list(t.strides)
        np.testing.assert_array_equal(array, t.numpy(layout=False))


def test_calls_filter_by_op_pattern_and_scope(minilm):
    trace = tapml.open(minilm)
    linears = trace.calls(op="linear")
    assert linears and all(c.op == "aten::linear" for c in linears)
    assert len(trace.calls(op="aten::linear")) == len(linears)
    layer0 = trace.calls(scope="0.model.encoder.layer.0")
    assert layer0 and all(c.scope.startswith("0.model.encoder.layer.0") for c in layer0)
    queries = trace.calls(op="linear", scope="*.query")
    assert queries and all(c.scope.endswith(".query") for c in queries)
    assert trace[-1].seq == len(trace) - 1
    with pytest.raises(IndexError, match="is not in"):
        trace[len(trace)]


def test_opening_costs_nothing_until_a_tensor_is_read(smollm2):
    import time
    start = time.perf_counter()
    trace = tapml.open(smollm2)
    assert time.perf_counter() - start < 1.0
    assert len(trace) > 0 and trace.meta["model"]


def test_dlpack_and_numpy_protocols(minilm, zoo):
    torch = pytest.importorskip("torch")
    t = next(t for c in tapml.open(minilm) for t in tensors(c) if t.captured)
    np.testing.assert_array_equal(np.asarray(t), t.numpy())
    np.testing.assert_array_equal(torch.from_dlpack(t).numpy(), t.numpy())
    half = next(t for c in tapml.open(zoo).calls(op="linear") for t in tensors(c)
                if t.captured and t.dtype == "bfloat16")
    as_torch = torch.from_dlpack(half)
    assert as_torch.dtype == torch.bfloat16
    torch.testing.assert_close(as_torch, half.torch(), rtol=0, atol=0)
