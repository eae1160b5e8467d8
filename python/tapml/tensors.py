"""Tensors as numpy arrays and torch tensors, from a trace's stored bytes.

A trace stores each tensor's values contiguous in row-major order of its
sizes; the layout a call saw (strides, storage offset) is metadata beside it.
`Tensor.numpy()` and `.torch()` rebuild that layout as the replayer does
(docs/architecture.md): a storage of offset + extent elements, the values at
their strided places and every other element poisoned (NaN for floats, a
sentinel for integers), so a kernel fed from Python sees what a replayed
kernel sees. bfloat16 has no numpy dtype: `.numpy()` gives it as float32
(exact: every bfloat16 is a float32), `.torch()` as torch.bfloat16.
"""
import numpy as np

from ._native import native
from .errors import UsageError

NUMPY_DTYPES = {
    "float32": np.float32,
    "float64": np.float64,
    "float16": np.float16,
    "bfloat16": np.uint16,  # the bits; widened to float32 on request
    "int64": np.int64,
    "int32": np.int32,
    "int16": np.int16,
    "int8": np.int8,
    "uint8": np.uint8,
    "bool": np.bool_,
    "complex64": np.complex64,
    "complex128": np.complex128,
}


def bfloat16_bits_to_float32(bits):
    return (bits.astype(np.uint32) << 16).view(np.float32)


def contiguous_strides(sizes):
    strides, step = [], 1
    for size in reversed(sizes):
        strides.append(step)
        step *= max(size, 1)
    return list(reversed(strides))


def is_plain_layout(sizes, strides, offset):
    """True when the recorded layout is the contiguous one, to the letter
    (a size-1 dim's stride too, so a view reads back exactly as recorded)."""
    return offset == 0 and list(strides) == contiguous_strides(sizes)


def rebuild_view(values, dtype_name, sizes, strides, offset):
    """`values` (contiguous, of `sizes`) placed in a poisoned storage at the
    recorded strides and offset; returns (storage, view) as numpy arrays."""
    sizes, strides = list(sizes), list(strides)
    if any(size == 0 for size in sizes):
        extent = 0
    else:
        extent = sum((size - 1) * stride for size, stride in zip(sizes, strides)) + 1
    storage = np.empty(offset + extent, dtype=values.dtype)
    pattern = np.frombuffer(native.poison_pattern(dtype_name), dtype=np.uint8)
    storage.view(np.uint8).reshape(-1, pattern.size)[:] = pattern
    index = np.full([1] * len(sizes), offset, dtype=np.int64)
    for dim, (size, stride) in enumerate(zip(sizes, strides)):
        shape = [1] * len(sizes)
        shape[dim] = size
        index = index + np.arange(size, dtype=np.int64).reshape(shape) * stride
    storage[np.broadcast_to(index, sizes).ravel()] = values.ravel()
    itemsize = storage.itemsize
    view = np.lib.stride_tricks.as_strided(
        storage[offset:], shape=sizes, strides=[s * itemsize for s in strides]
    )
    return storage, view


def to_numpy_dtype(name):
    try:
        return NUMPY_DTYPES[name]
    except KeyError:
        raise UsageError(f"dtype {name}: not a dtype TapML knows") from None


def as_torch(value):
    """A torch tensor sharing `value`'s memory where it can: a torch tensor,
    a numpy array, or anything that speaks DLPack (JAX, CuPy, TapML's own);
    other values (lists, scalars) are converted."""
    import torch

    if isinstance(value, torch.Tensor):
        return value
    if isinstance(value, np.ndarray):
        return torch.from_numpy(value)
    if hasattr(value, "__dlpack__"):
        return torch.from_dlpack(value)
    return torch.as_tensor(value)


def is_tensor_like(value):
    return isinstance(value, np.ndarray) or hasattr(value, "__dlpack__")


def from_any(tensor):
    """(dtype name, contiguous numpy array of the element bits) of a numpy
    array, torch tensor or any DLPack producer, for tapml.compare."""
    module = type(tensor).__module__
    if not module.startswith("torch") and not isinstance(tensor, np.ndarray) \
            and hasattr(tensor, "__dlpack__"):
        try:
            tensor = np.from_dlpack(tensor)
        except (TypeError, BufferError, RuntimeError):  # bfloat16, or not on the host
            tensor = as_torch(tensor)
        module = type(tensor).__module__
    if module.startswith("torch"):
        import torch

        t = tensor.detach().to("cpu").contiguous()
        if t.dtype == torch.bfloat16:
            return "bfloat16", t.view(torch.int16).numpy().view(np.uint16)
        name = str(t.dtype).replace("torch.", "")
        return name, t.numpy()
    array = np.ascontiguousarray(np.asarray(tensor))
    for name, dtype in NUMPY_DTYPES.items():
        if name != "bfloat16" and array.dtype == np.dtype(dtype):
            return name, array
    raise UsageError(f"a {array.dtype} array: TapML compares " + ", ".join(NUMPY_DTYPES))
