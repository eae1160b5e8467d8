"""TapML's exception classes: one base, tapml.TapmlError.

TraceError, TargetError and UsageError (also ValueErrors) are bad input: a
missing or damaged trace, a target that names nothing loadable, a bad
argument; TapmlFailure (and DeviceLost) is TapML or its infrastructure
failing, with no verdict on any kernel. Each carries the one-line message the
command-line tools print. TorchMismatch: recording needs the interposer built
against the torch that is running.
"""
from ._native import native

TapmlError = native.TapmlError
TraceError = native.TraceError
TargetError = native.TargetError
UsageError = native.UsageError
TapmlFailure = native.TapmlFailure
DeviceLost = native.DeviceLost
Unsupported = native.Unsupported
KernelError = native.KernelError


class TorchMismatch(TapmlError):
    """The interposer was built against another torch than the one running."""


class RecordError(TapmlError):
    """A recording could not be started or finished."""
