"""Bad input raises a TapML error class with one clear line."""
import pytest

import tapml


def test_missing_and_damaged_traces(tmp_path):
    with pytest.raises(tapml.TraceError, match="nope.h5: no such file"):
        tapml.open(tmp_path / "nope.h5")
    junk = tmp_path / "junk.h5"
    junk.write_bytes(b"not a trace")
    with pytest.raises(tapml.TraceError, match="not an HDF5 file"):
        tapml.open(junk)
    with pytest.raises(tapml.TapmlError):
        tapml.replay(junk, target="cpu")


def test_damaged_tensor_values(minilm, tmp_path):
    """A tensor whose stored bytes were changed fails its hash check on read."""
    h5py = pytest.importorskip("h5py")
    pytest.importorskip("hdf5plugin")
    import shutil

    copy = tmp_path / "damaged.h5"
    shutil.copy(minilm, copy)
    trace = tapml.open(minilm)
    t = trace[5].inputs["self"]
    with h5py.File(copy, "r+") as f:
        ds = f["tensors"][t.hash]
        values = ds[()]
        values.flat[0] += 1
        ds[...] = values
    with pytest.raises(tapml.TraceError, match=t.hash):
        tapml.open(copy)[5].inputs["self"].numpy()


def test_unknown_target_and_device():
    with pytest.raises(tapml.TargetError, match="no target 'nope'"):
        tapml.replay("unused.h5", target="nope")
    with pytest.raises(tapml.TargetError, match="has no device 7"):
        tapml.open_target("cpu:7")
    with pytest.raises(tapml.TargetError):
        tapml.open_target("./no/such/libprovider.so")


def test_bad_arguments(minilm, tmp_path):
    with pytest.raises(tapml.UsageError, match="selects no compute call"):
        tapml.replay(minilm, op="no_such_op")
    with pytest.raises(tapml.UsageError, match="op"):
        tapml.replay(minilm, op="(")
    with pytest.raises(tapml.UsageError, match="calls"):
        tapml.replay(minilm, calls=(5, 2))
    bad = tmp_path / "rules.json"
    bad.write_text("{")
    with pytest.raises(tapml.UsageError, match="rules.json"):
        tapml.replay(minilm, tolerance=bad)
    with pytest.raises(tapml.UsageError, match="repeat"):
        tapml.replay(minilm, repeat=0)


def test_error_classes():
    assert issubclass(tapml.TraceError, ValueError)
    assert issubclass(tapml.TraceError, tapml.TapmlError)
    assert issubclass(tapml.DeviceLost, tapml.TapmlFailure)
    assert not issubclass(tapml.TapmlFailure, ValueError)
