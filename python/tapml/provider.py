"""Python kernels as a TapML target.

    import torch, tapml
    mine = tapml.Provider({"aten::add.Tensor": lambda self, other, alpha: self + alpha * other,
                           "aten::gelu": my_triton_gelu}, name="mine")
    report = tapml.replay("model.h5", target=mine)

A target may be a Provider, or any mapping of full aten op names (with
overload: "aten::softmax.int", "aten::mm") to callables, which is wrapped in
one. Each callable gets the call's inputs as keyword arguments by their
schema names (tensors as torch tensors, or numpy arrays with
tensors="numpy"; a dtype argument as a torch dtype or its name) and returns
the call's outputs (a tensor, or a tuple for several); TapML copies them into
the outputs it laid out as the reference did, then judges them as it judges
any kernel. It runs through the provider interface of a C library
(include/tapml/provider.h): input tensors are views of TapML's buffers in the
recorded layout, gaps poisoned, without a copy (DLPack), valid only during
the call. Ops the mapping lacks are UNSUPPORTED; `why_unsupported(op,
inputs)` may refuse more. On the command line and in the pytest plugin:
--target python://MODULE:ATTRIBUTE names a Provider or mapping to import.
"""
import importlib
from collections.abc import Mapping

from .errors import TargetError
from .tensors import as_torch


class Provider:
    """Python callables by aten op name, as a TapML target."""

    def __init__(self, kernels, name="python", tensors="torch", why_unsupported=None):
        if not isinstance(kernels, Mapping):
            raise TargetError(f"python provider {name}: expected a mapping of aten op names to "
                              f"callables, got {type(kernels).__name__}")
        for op, fn in kernels.items():
            if not isinstance(op, str) or "::" not in op or not callable(fn):
                raise TargetError(f"python provider {name}: {op!r}: keys are full aten op names "
                                  "('aten::softmax.int', 'aten::mm'), values callables")
        if tensors not in ("torch", "numpy"):
            raise TargetError(f"python provider {name}: tensors={tensors!r}: 'torch' or 'numpy'")
        self.kernels = dict(kernels)
        self.name = name
        self.tensors = tensors
        self.ops = sorted(self.kernels)
        self._why = why_unsupported
        if tensors == "torch":
            import torch
            self._from_dlpack = torch.from_dlpack
            self._dtype = lambda name: getattr(torch, name)
        else:
            import numpy
            self._from_dlpack = numpy.from_dlpack
            self._dtype = numpy.dtype

    def __repr__(self):
        return f"Provider({self.name!r}, {len(self.ops)} ops, tensors={self.tensors!r})"

    # The adapter the native module calls (python/bindings/python_provider.h).
    def why_unsupported(self, op, inputs):
        if self.tensors == "numpy":
            for name, kind, value in inputs:
                views = value if isinstance(value, list) else [value]
                if any(getattr(v, "dtype", None) == "bfloat16" for v in views):
                    return f"{name} is bfloat16, which numpy has no dtype for (tensors='torch' has)"
        if self._why is None:
            return None
        return self._why(op, self._arguments(inputs))

    def run(self, op, inputs, outputs):
        result = self.kernels[op](**self._arguments(inputs))
        results = result if isinstance(result, (tuple, list)) else (result,)
        if len(results) != len(outputs):
            raise ValueError(f"{self.name}'s {op} returned {len(results)} values; the call has "
                             f"{len(outputs)} outputs")
        for index, (view, value) in enumerate(zip(outputs, results)):
            out = self._from_dlpack(view)
            shape = tuple(getattr(value, "shape", ()))
            if shape != tuple(out.shape):
                raise ValueError(f"{self.name}'s {op} returned output {index} of shape "
                                 f"{list(shape)}; the call's is {list(out.shape)}")
            self._copy(out, value)

    def _copy(self, out, value):
        if self.tensors == "torch":
            out.copy_(as_torch(value))
        else:
            import numpy
            numpy.copyto(out, numpy.asarray(value), casting="unsafe")

    def _arguments(self, inputs):
        arguments = {}
        for name, kind, value in inputs:
            if kind == "scalar_type":
                value = self._dtype(value)
            elif kind == "tensor" or (isinstance(value, list) and value and
                                      hasattr(value[0], "__dlpack__")):
                value = ([None if v is None else self._from_dlpack(v) for v in value]
                         if isinstance(value, list) else self._from_dlpack(value))
            arguments[name] = value
        return arguments


def as_provider(target):
    """A Provider for a Provider, a mapping, or "python://MODULE:ATTRIBUTE"."""
    if isinstance(target, Provider):
        return target
    if isinstance(target, Mapping):
        return Provider(target)
    if isinstance(target, str) and target.startswith("python://"):
        module_name, _, attribute = target[len("python://"):].partition(":")
        if not module_name or not attribute:
            raise TargetError(f"target {target}: expected python://MODULE:ATTRIBUTE")
        try:
            found = getattr(importlib.import_module(module_name), attribute)
        except (ImportError, AttributeError) as e:
            raise TargetError(f"target {target}: {e}") from None
        provider = as_provider(found) if isinstance(found, (Provider, Mapping)) else None
        if provider is None:
            raise TargetError(f"target {target}: {attribute} is a {type(found).__name__}, not a "
                              "tapml.Provider or a mapping of op names to callables")
        return provider
    return None
