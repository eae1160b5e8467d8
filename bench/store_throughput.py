"""Trace store figures on a real trace (SmolLM2's 16-token generation):
write throughput (spool -> compressed HDF5, the conversion tapml-record runs
when the program ends), read throughput (`tapml-trace verify`: every tensor
decompressed and hashed), compression ratio of weights and of activations,
and the dedupe effect (bytes the calls reference vs bytes stored).

    python bench/store_throughput.py --build build [--trace existing.h5]

Without --trace it records traces/smollm2/run.cfg into <build>/bench-store/.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import time

import h5py
import hdf5plugin  # noqa: F401  (zstd, filter 32015)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WEIGHT_ARGS = {"weight", "bias"}


def mb_per_s(nbytes, seconds):
    return nbytes / 1e6 / seconds if seconds > 0 else float("inf")


def compression_by_role(path):
    """(raw, stored) bytes of weight tensors and of the rest, from h5py."""
    weights = set()
    with h5py.File(path, "r") as f:
        for row in f["calls"]:
            if not row["flags"] & 1:
                continue
            for arg in json.loads(row["inputs"]):
                if arg["name"] in WEIGHT_ARGS and arg["kind"] == "tensor" and arg["value"]["hash"]:
                    weights.add(arg["value"]["hash"])
        sums = {"weights": [0, 0], "activations": [0, 0]}
        for name, ds in f["tensors"].items():
            if ds.shape is None:  # a permuted view: a null dataspace, its base holds the values
                continue
            role = "weights" if name in weights else "activations"
            sums[role][0] += ds.size * ds.dtype.itemsize
            sums[role][1] += ds.id.get_storage_size()
    return sums


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build", default=os.path.join(ROOT, "build"))
    parser.add_argument("--trace", help="measure this trace instead of recording SmolLM2")
    args = parser.parse_args()
    build = os.path.abspath(args.build)
    tapml_trace = os.path.join(build, "bin", "tapml-trace")

    finish_seconds = None
    trace = args.trace
    if not trace:
        work = os.path.join(build, "bench-store")
        os.makedirs(work, exist_ok=True)
        trace = os.path.join(work, "smollm2.h5")
        done = subprocess.run([os.path.join(build, "bin", "tapml-record"),
                               os.path.join(ROOT, "traces", "smollm2", "run.cfg"), "--output",
                               trace, "-q"], capture_output=True, text=True)
        if done.returncode != 0:
            sys.exit(f"store_throughput: recording failed:\n{done.stderr[-2000:]}")
        found = re.search(r"finish ([0-9.]+) s", done.stderr)
        finish_seconds = float(found.group(1)) if found else None

    info = json.loads(subprocess.run([tapml_trace, "info", trace, "--json"], check=True,
                                     capture_output=True, text=True).stdout)
    raw = info["tensor_bytes"]
    referenced = int(info["extra"].get("referenced_bytes", 0))
    started = time.perf_counter()
    subprocess.run([tapml_trace, "verify", trace], check=True, capture_output=True)
    verify_seconds = time.perf_counter() - started
    roles = compression_by_role(trace)

    print(f"trace {trace}: {info['calls']} calls, {info['tensors']} distinct tensors")
    print(f"  distinct tensor bytes {raw / 1e6:.1f} MB, file {info['stored_bytes'] / 1e6:.1f} MB")
    if finish_seconds:
        print(f"  write (spool -> HDF5, zstd on all cores): {finish_seconds:.1f} s, "
              f"{mb_per_s(raw, finish_seconds):.0f} MB/s of tensor bytes")
    print(f"  read (verify: decompress + hash every tensor): {verify_seconds:.1f} s, "
          f"{mb_per_s(raw, verify_seconds):.0f} MB/s")
    for role, (raw_bytes, stored) in roles.items():
        ratio = raw_bytes / stored if stored else float("nan")
        print(f"  compression, {role}: {raw_bytes / 1e6:.1f} MB -> {stored / 1e6:.1f} MB "
              f"({ratio:.2f}x)")
    if referenced:
        print(f"  dedupe: calls reference {referenced / 1e6:.1f} MB, {raw / 1e6:.1f} MB distinct "
              f"stored ({referenced / raw:.1f}x); file {referenced / info['stored_bytes']:.1f}x "
              f"smaller than the referenced bytes")


if __name__ == "__main__":
    main()
