"""TapML from Python: read traces, replay them on a target, compare tensors,
record a program, and test each carved call with pytest (docs/python.md).

    import tapml
    trace = tapml.open("minilm.h5")
    call = trace.calls(op="softmax")[0]
    x = call.inputs["self"].torch()
    report = tapml.replay(trace, target="vulkan")
    print(report.summary.passed, report.summary.coverage)

Reading traces needs numpy only; recording needs the torch TapML was built
against.
"""
from ._native import PREFIX, native, tool
from .errors import (DeviceLost, KernelError, RecordError, TapmlError, TapmlFailure, TargetError,
                     TorchMismatch, TraceError, Unsupported, UsageError)
from .device import Device, connect
from .provider import Provider
from .record import record
from .replay import Report, Session, compare, open_target, replay, targets
from .trace import Call, Tensor, Trace, open

__version__ = native.version

__all__ = [
    "Call", "Device", "DeviceLost", "KernelError", "PREFIX", "Provider", "Unsupported", "connect", "RecordError", "Report", "Session", "TapmlError",
    "TapmlFailure", "TargetError", "Tensor", "TorchMismatch", "Trace", "TraceError",
    "UsageError", "compare", "open", "open_target", "record", "replay", "targets", "tool",
]
