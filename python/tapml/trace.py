"""Reading a trace from Python: tapml.open(path) -> Trace.

A Trace is lazy: opening one reads its metadata and call table index, a
call's arguments are decoded when the call is read, and a tensor's values
when `.numpy()` or `.torch()` asks for them. The C++ reader does the reading
(store/reader.h), so every check it makes (hashes, damaged files) holds here
and Python reads a call exactly as `tapml-trace show --json` prints it.
"""
import fnmatch
import json

import numpy as np

from ._native import native
from .errors import TraceError
from .tensors import bfloat16_bits_to_float32, is_plain_layout, rebuild_view, to_numpy_dtype


class Tensor:
    """A tensor argument as one call saw it: dtype, shape, strides, storage
    offset, device, and (when captured) the hash of its stored values."""

    def __init__(self, trace, meta):
        self._trace = trace
        self.hash = meta.get("hash", "")
        self.dtype = meta["dtype"]
        self.shape = tuple(meta["sizes"])
        self.strides = tuple(meta.get("strides") or ())
        self.storage_offset = meta.get("offset", 0)
        self.device = meta.get("device", "cpu")

    @property
    def captured(self):
        """Whether the trace holds this tensor's values."""
        return bool(self.hash)

    def __repr__(self):
        layout = "" if self._plain() else f", strides={self.strides}, offset={self.storage_offset}"
        held = "" if self.captured else ", values not captured"
        return f"Tensor({self.dtype}{list(self.shape)}{layout}{held})"

    def _plain(self):
        return not self.strides or is_plain_layout(self.shape, self.strides, self.storage_offset)

    def _values(self):
        if not self.captured:
            raise TraceError(
                f"{self._trace.path}: this {self.dtype}{list(self.shape)} tensor's values were "
                "not captured (capture policy: docs/recording.md)"
            )
        raw = np.frombuffer(self._trace._native.read(self.hash), dtype=np.uint8)
        return raw.view(to_numpy_dtype(self.dtype)).reshape(self.shape)

    def numpy(self, layout=True):
        """The values as a numpy array; with `layout` (default) in the
        recorded strided view (gaps poisoned), else contiguous. bfloat16
        comes as float32 (exact)."""
        values = self._values()
        if layout and not self._plain():
            values = rebuild_view(values, self.dtype, self.shape, self.strides,
                                  self.storage_offset)[1]
        if self.dtype == "bfloat16":
            values = bfloat16_bits_to_float32(values)
        return values

    def torch(self, layout=True):
        """The values as a torch tensor of the recorded dtype (bfloat16
        included), in the recorded strided view unless `layout` is False."""
        import torch

        values = self._values()
        strided = layout and not self._plain()
        if strided:  # the poisoned 1-d storage, viewed below with the recorded layout
            values = rebuild_view(values, self.dtype, self.shape, self.strides,
                                  self.storage_offset)[0]
        t = torch.from_numpy(values)
        if self.dtype == "bfloat16":
            t = t.view(torch.bfloat16)
        if strided:
            t = t.as_strided(self.shape, self.strides, self.storage_offset)
        return t

    def __array__(self, dtype=None, copy=None):
        array = self.numpy()
        return array if dtype is None else array.astype(dtype)

    def __dlpack__(self, **kwargs):
        # bfloat16 has no numpy dtype: torch carries it, without widening.
        values = self.torch() if self.dtype == "bfloat16" else self.numpy()
        return values.__dlpack__(**kwargs)

    def __dlpack_device__(self):
        return (1, 0)  # kDLCPU: values are read into host memory


def _decode(trace, kind, value):
    if kind == "tensor":
        return Tensor(trace, value)
    if kind == "tensor_list":
        return [None if v is None else Tensor(trace, v) for v in value]
    if kind == "float":  # NaN and Inf are the strings "nan", "inf", "-inf"
        return float(value)
    if kind == "float_list":
        return [float(v) for v in value]
    if kind == "complex":
        return complex(float(value[0]), float(value[1]))
    return value


class Arguments(dict):
    """A call's inputs or outputs by schema name, in schema order; `.types`
    gives each one's schema type text ("Tensor", "int[1]?")."""

    def __init__(self, trace, args):
        super().__init__((a["name"], _decode(trace, a["kind"], a.get("value"))) for a in args)
        self.types = {a["name"]: a["type"] for a in args}
        self.kinds = {a["name"]: a["kind"] for a in args}


class Call:
    """One recorded operator call."""

    def __init__(self, trace, record):
        self.trace = trace
        self.record = record  # as tapml-trace show --json prints it
        self.seq = record["seq"]
        self.name = record["name"]
        self.overload = record.get("overload", "")
        self.op = self.name + ("." + self.overload if self.overload else "")
        self.schema = record.get("schema", "")
        self.parent = record.get("parent", -1)
        self.depth = record.get("depth", 0)
        self.scope = record.get("scope", "")
        self.flags = record.get("flags", 0)
        self.inputs = Arguments(trace, record.get("inputs", []))
        self.outputs = Arguments(trace, record.get("outputs", []))

    @property
    def captured(self):
        return bool(self.flags & 1)

    def __repr__(self):
        scope = f" in {self.scope}" if self.scope else ""
        return f"Call({self.seq}: {self.op}{scope})"


class Trace:
    """A TapML trace, read lazily. Iterate for every call, index by seq,
    `calls(op=..., scope=...)` to filter."""

    def __init__(self, path):
        self._native = native.Trace(str(path))
        self.path = self._native.path
        self.meta = json.loads(self._native.meta_json())

    def __len__(self):
        return len(self._native)

    def __getitem__(self, seq):
        if isinstance(seq, slice):
            return [self[i] for i in range(*seq.indices(len(self)))]
        if seq < 0:
            seq += len(self)
        return Call(self, json.loads(self._native.call_json(seq)))

    def call(self, seq):
        return self[seq]

    def __iter__(self):
        for seq in range(len(self)):
            yield self[seq]

    def calls(self, op=None, scope=None):
        """The calls whose op matches `op` (an op pattern: `softmax`,
        `aten::add.Tensor`, `mm|addmm`; docs/architecture.md) and whose module
        scope is `scope` or lies inside it (`model.layers.3`; shell-style
        wildcards allowed: `*.mlp`)."""
        wildcard = scope is not None and any(c in scope for c in "*?[")
        seqs = self._native.select(op or "", "" if wildcard else (scope or ""))
        calls = [self[s] for s in seqs]
        if wildcard:
            calls = [c for c in calls
                     if fnmatch.fnmatchcase(c.scope, scope) or fnmatch.fnmatchcase(c.scope, scope + ".*")]
        return calls

    def ops(self):
        """Per op: calls, captured, signatures, tensor_bytes."""
        return json.loads(self._native.op_stats_json())

    def tensors(self):
        """Every stored tensor: hash, dtype, sizes, nbytes, stored_bytes (and a view's base)."""
        return json.loads(self._native.tensors_json())

    def __repr__(self):
        return f"Trace({self.path!r}, {len(self)} calls, model {self.meta.get('model', '')!r})"

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def open(path):  # noqa: A001 (tapml.open, as the issue and users name it)
    """Opens a trace; raises tapml.TraceError naming the file and its defect."""
    return Trace(path)
