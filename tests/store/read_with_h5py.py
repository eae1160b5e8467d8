"""A trace written by TapML's C++ store reads with plain h5py + hdf5plugin,
and a call's tensors and arguments there equal what the C++ reader returns.

usage: read_with_h5py.py STORE_TRACE_SAMPLE WORKDIR
"""
import json
import pathlib
import shutil
import subprocess
import sys

import h5py
import hdf5plugin  # noqa: F401  (registers the zstd filter, id 32015)
import numpy as np

# How docs/trace-format.md says each torch dtype is stored.
NUMPY_DTYPE = {
    "float32": np.float32, "float64": np.float64, "float16": np.float16,
    "bfloat16": np.uint16, "int64": np.int64, "int32": np.int32, "int16": np.int16,
    "int8": np.int8, "uint8": np.uint8, "bool": np.uint8,
    "complex64": np.complex64, "complex128": np.complex128,
}


def tensors_of(args):
    for arg in args:
        if arg["kind"] == "tensor":
            yield arg["value"]
        elif arg["kind"] == "tensor_list":
            yield from (t for t in arg["value"] if t is not None)


def read_tensor(f, hash):
    """A tensor's values, as docs/trace-format.md says to read them."""
    ds = f["tensors"][hash]
    if "view_of" in ds.attrs:  # a permuted view: the base's values, dims reordered
        base = f["tensors"][ds.attrs["view_of"].decode()][()]
        return np.transpose(base, ds.attrs["dims"])
    return ds[()]


def main():
    tool, work = sys.argv[1], pathlib.Path(sys.argv[2])
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    trace = work / "sample.h5"
    subprocess.run([tool, "write", str(trace)], check=True)

    with h5py.File(trace, "r") as f:
        assert f.attrs["format_version"] == 3, dict(f.attrs)  # it holds views
        # Strings attributes are fixed-length UTF-8: h5py gives bytes.
        assert f.attrs["model"].decode() == "unit-test"
        assert f.attrs["meta_note"].decode() == "héllo ✓"
        calls = f["calls"]
        assert calls.ndim == 1 and len(calls) == 12, calls.shape
        dtypes_seen = set()
        views = 0
        for seq in range(len(calls)):
            row = calls[seq]
            assert row["seq"] == seq
            assert row["name"].decode() == "aten::test_op"
            inputs = json.loads(row["inputs"])
            outputs = json.loads(row["outputs"])

            dump = work / f"call{seq}"
            subprocess.run([tool, "dump", str(trace), str(seq), str(dump)], check=True)
            cpp = json.loads((dump / "call.json").read_text())
            assert cpp["inputs"] == inputs, (seq, cpp["inputs"], inputs)
            assert cpp["outputs"] == outputs
            assert cpp["scope"] == row["scope"].decode()
            assert cpp["parent"] == row["parent"] and cpp["depth"] == row["depth"]

            checked = 0
            for t in tensors_of(inputs + outputs):
                if t["hash"] is None:
                    continue
                ds = f["tensors"][t["hash"]]
                assert ds.attrs["dtype"].decode() == t["dtype"], (ds.attrs["dtype"], t["dtype"])
                values = read_tensor(f, t["hash"])
                assert list(values.shape) == t["sizes"], (values.shape, t["sizes"])
                assert values.dtype == NUMPY_DTYPE[t["dtype"]], (values.dtype, t["dtype"])
                expected = (dump / (t["hash"] + ".bin")).read_bytes()
                assert np.ascontiguousarray(values).tobytes() == expected, t
                dtypes_seen.add(t["dtype"])
                checked += 1
                views += "view_of" in ds.attrs
            assert checked >= 4, (seq, checked)
        assert dtypes_seen == set(NUMPY_DTYPE), dtypes_seen
        assert views >= len(NUMPY_DTYPE), views
    print(f"h5py read {len(dtypes_seen)} dtypes in 12 calls; all equal the C++ reader's values")


if __name__ == "__main__":
    main()
