"""Recording from inside Python, no tapml-record: the interposer loaded with
torch.ops.load_library, first through tapml_record.recording(), then by hand
with torch.ops.tapml.start/stop. Checks the traces with h5py.

usage: load_library.py LIB_DIR WORKDIR   (LIB_DIR holds libtapml_interposer.so)
"""
import json
import os
import sys

import h5py
import hdf5plugin  # noqa: F401  (zstd, filter 32015)
import numpy as np
import torch


def calls_of(path):
    with h5py.File(path, "r") as f:
        return f.attrs["model"].decode(), f["calls"][:], {h: f["tensors"][h][()] for h in f["tensors"]}


def main():
    lib_dir, work = sys.argv[1], sys.argv[2]
    os.makedirs(work, exist_ok=True)
    sys.path.insert(0, os.path.join(lib_dir, "tapml_python"))
    import tapml_record

    net = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU())
    x = torch.arange(8, dtype=torch.float32).reshape(2, 4)
    first = os.path.join(work, "context.h5")
    with tapml_record.recording(first, model="from-python"), torch.no_grad():
        expected = net(x)
    torch.ones(2).mul(3)  # after stop: not recorded

    model, calls, tensors = calls_of(first)
    assert model == "from-python", model
    names = [row["name"].decode() for row in calls]
    assert "aten::mul" not in names, names
    linear = calls[names.index("aten::linear")]
    assert linear["flags"] & 1, "aten::linear not captured"
    assert linear["scope"].decode().endswith("0"), linear["scope"]  # Sequential's child "0"
    inputs = {a["name"]: a["value"] for a in json.loads(linear["inputs"])}
    assert np.array_equal(tensors[inputs["input"]["hash"]], x.numpy())
    assert np.array_equal(tensors[inputs["weight"]["hash"]], net[0].weight.detach().numpy())
    relu = calls[names.index("aten::relu")]
    out = json.loads(relu["outputs"])[0]["value"]
    assert np.array_equal(tensors[out["hash"]], expected.numpy())

    # By hand: the library is loaded already; start and stop are torch ops.
    torch.ops.load_library(os.path.join(lib_dir, "libtapml_interposer.so"))
    second = os.path.join(work, "by_hand.h5")
    torch.ops.tapml.start(second, json.dumps({"include": "_?softmax", "model": "by-hand"}))
    torch.softmax(x, 1)
    x.exp()
    torch.ops.tapml.stop()
    model, calls, _ = calls_of(second)
    captured = {row["name"].decode() for row in calls if row["flags"] & 1}
    assert model == "by-hand" and captured == {"aten::softmax", "aten::_softmax"}, captured
    print(f"recorded from Python: {len(names)} calls, then {len(calls)}")


if __name__ == "__main__":
    main()
