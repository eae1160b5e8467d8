"""A target's device from Python, local or remote, as if it were a local
function: `tapml.connect("remote://host:7461/vulkan", token_file=...)`.

    dev = tapml.connect("remote://127.0.0.1:7461/vulkan", token_file="token")
    y = dev.run("aten::softmax.int", x, dim=-1)     # torch or numpy in, the same out
    verdict = dev.run(trace.call(1234))             # a carved call, judged there

A live call is laid out as torch lays it out: its outputs' dtype, shape and
strides come from torch's meta kernels (so torch is needed for live calls,
not for carved ones), inputs go in their own strided layout, outputs come
back in theirs. Bytes move as the target moves them: for remote:// the
protocol's transfers and content cache (docs/remote.md).
"""
import json
import os
from urllib.parse import quote

import numpy as np

from ._native import native
from .errors import UsageError
from .replay import Record, open_target
from .tensors import as_torch, is_tensor_like
from .trace import Call


def connect(address, token_file=None, **settings):
    """Opens the target at `address` ("remote://HOST:PORT/TARGET", or any
    target: "vulkan", "./libmine.so") and returns its Device. Settings
    become the address's ?KEY=VALUE (for remote://: token_file,
    content_cache). A server that refuses the token or cannot be reached
    raises tapml.TargetError."""
    if token_file is not None:
        settings["token_file"] = os.fspath(token_file)
    if settings:
        joined = "&".join(f"{k}={quote(str(v), safe='/.:-_')}" for k, v in settings.items())
        address = f"{address}{'&' if '?' in address else '?'}{joined}"
    return Device(address)


class Device:
    """One device of a target, opened once."""

    def __init__(self, target):
        self.target = open_target(target)

    @property
    def name(self):
        return self.target.device

    def __repr__(self):
        return f"Device({self.target.address!r}: {self.name})"

    def run(self, op, *args, tolerance=None, **kwargs):
        """`run(call)`: re-runs a carved call (tapml.open(...).call(seq))
        here and returns its verdict, as a replay reports it.
        `run("aten::op.overload", *args, **kwargs)`: runs the op on these
        torch tensors or numpy arrays and values; returns its output (a tuple
        for several) as torch tensors, or numpy arrays when no input was a
        torch tensor."""
        if isinstance(op, Call):
            if args or kwargs:
                raise UsageError("run(call) takes the carved call alone")
            return Record(json.loads(native.run_call_json(
                self.target, op.trace._native, op.seq,
                os.fspath(tolerance) if tolerance else "")))
        if not isinstance(op, str):
            raise UsageError(f"run({op!r}): expected an aten op name or a carved call")
        return _run_live(self.target, op, args, kwargs)


def _packet(torch, op):
    name = op.split("::", 1)[1] if op.startswith("aten::") else op
    base, _, overload = name.partition(".")
    try:
        return getattr(getattr(torch.ops.aten, base), overload or "default")
    except (AttributeError, RuntimeError):
        raise UsageError(f"{op}: torch has no such aten op (name it as aten::NAME.OVERLOAD, "
                         "e.g. aten::softmax.int)") from None


def _dtype_name(dtype):
    return str(dtype).replace("torch.", "")


def _tensor_spec(torch, t):
    t = t.detach().to("cpu")
    sizes, strides = list(t.shape), list(t.stride())
    extent = 0 if t.numel() == 0 else sum((s - 1) * st for s, st in zip(sizes, strides)) + 1
    region = t.as_strided((extent,), (1,), t.storage_offset())  # the view's storage, no copy
    if t.dtype == torch.bfloat16:
        region = region.view(torch.int16)
    return (_dtype_name(t.dtype), sizes, strides, 0, region.contiguous().numpy())


def _argument(torch, value):
    """(kind, value) of one argument, as the native module takes it."""
    if is_tensor_like(value):
        value = as_torch(value)
    if isinstance(value, torch.Tensor):
        return "tensor", _tensor_spec(torch, value)
    if value is None or isinstance(value, (torch.device, torch.layout, torch.memory_format)):
        return "none", None
    if isinstance(value, bool):
        return "bool", value
    if isinstance(value, int):
        return "int", value
    if isinstance(value, float):
        return "float", value
    if isinstance(value, str):
        return "str", value
    if isinstance(value, torch.dtype):
        return "scalar_type", _dtype_name(value)
    if isinstance(value, (list, tuple)):
        items = [as_torch(v) if is_tensor_like(v) else v for v in value]
        if any(isinstance(v, torch.Tensor) for v in items):
            return "tensor_list", [None if v is None else _tensor_spec(torch, v) for v in items]
        if items and all(isinstance(v, bool) for v in items):
            return "bool_list", list(items)
        if all(isinstance(v, int) and not isinstance(v, bool) for v in items):
            return "int_list", list(items)
        return "float_list", [float(v) for v in items]
    raise UsageError(f"an argument {value!r} of type {type(value).__name__} cannot go to a kernel")


def _to_meta(torch, value):
    if is_tensor_like(value):
        value = as_torch(value)
    if isinstance(value, torch.Tensor):
        return torch.empty_strided(value.shape, value.stride(), dtype=value.dtype, device="meta")
    if isinstance(value, (list, tuple)):
        return type(value)(_to_meta(torch, v) for v in value)
    return value


def _run_live(target, op, args, kwargs):
    try:
        import torch
    except ImportError:
        raise UsageError("running a live call needs torch (its meta kernels lay out the "
                         "outputs); run(trace.call(seq)) does not") from None
    packet = _packet(torch, op)
    schema = packet._schema
    if any(a.alias_info is not None and a.alias_info.is_write for a in schema.arguments):
        raise UsageError(f"{op} writes into an input (in-place or out=): run its functional op")
    positional = [a for a in schema.arguments if not a.kwarg_only]
    if len(args) > len(positional):
        raise UsageError(f"{op} takes {len(positional)} positional arguments, got {len(args)}")
    bound = dict(zip((a.name for a in positional), args))
    for name, value in kwargs.items():
        if name in bound or name not in {a.name for a in schema.arguments}:
            raise UsageError(f"{op}: {name}: no such argument, or given twice ({schema})")
        bound[name] = value
    inputs = []
    for a in schema.arguments:
        if a.name not in bound:
            if not a.has_default_value():
                raise UsageError(f"{op}: argument {a.name} is missing ({schema})")
            bound[a.name] = a.default_value
        kind, value = _argument(torch, bound[a.name])
        inputs.append((a.name, kind, value))
    meta = packet(**{name: _to_meta(torch, v) for name, v in bound.items()})
    metas = list(meta) if isinstance(meta, (tuple, list)) else [meta]
    outputs = []
    for m in metas:
        extent = 0 if m.numel() == 0 else sum((s - 1) * st for s, st in zip(m.shape, m.stride())) + 1
        outputs.append((_dtype_name(m.dtype), list(m.shape), list(m.stride()), m.storage_offset(),
                        m.storage_offset() + extent))
    storages = native.run_live(target, op, str(schema), inputs, outputs)
    # numpy in, numpy out; any torch tensor (or other DLPack producer) in, torch out.
    as_numpy = not any(
        (is_tensor_like(v) and not isinstance(v, np.ndarray)) or
        (isinstance(v, (list, tuple)) and any(is_tensor_like(x) and not isinstance(x, np.ndarray)
                                              for x in v))
        for v in list(args) + list(kwargs.values()))
    results = []
    for m, storage in zip(metas, storages):
        raw = torch.frombuffer(storage, dtype=torch.uint8) if len(storage) else torch.empty(0, dtype=torch.uint8)
        t = raw.view(m.dtype).as_strided(m.shape, m.stride(), m.storage_offset())
        if as_numpy:
            t = t.float().numpy() if t.dtype == torch.bfloat16 else t.numpy()
        results.append(t)
    return results[0] if len(results) == 1 and not isinstance(meta, (tuple, list)) else tuple(results)
