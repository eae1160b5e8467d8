"""Recording from Python: `with tapml.record("model.h5", ...):`.

The interposer (libtapml_interposer.so, in TapML's lib/) is loaded into the
running torch, as tapml-record's programs have it preloaded; the keys are
run.cfg's capture policy (docs/recording.md): include, exclude, skip_views,
max_calls_per_signature, byte_budget, dedupe, compression_level, model.
Module scopes come from forward hooks. When the block raises, the trace is
still finished with every call recorded up to there, as after a crash.
"""
import contextlib
import importlib
import os
import sys

from ._native import LIB
from .errors import RecordError, TorchMismatch

_BOOT = os.path.join(LIB, "tapml_python")  # tapml_record.py, tapml_scopes.py


def _recorder():
    if not os.path.exists(os.path.join(LIB, "libtapml_interposer.so")):
        raise RecordError(
            f"this TapML has no PyTorch interposer ({LIB} lacks libtapml_interposer.so): it was "
            "built without torch; install it into an environment that has torch "
            "(pip install --no-build-isolation TAPML_SOURCE) to record"
        )
    if _BOOT not in sys.path:
        sys.path.insert(0, _BOOT)
    return importlib.import_module("tapml_record")


def start(output, **policy):
    """Starts recording every operator call into `output` (an .h5 trace)."""
    recorder = _recorder()
    try:
        recorder.start(os.fspath(output), **policy)
    except recorder.TorchMismatch as e:
        raise TorchMismatch(str(e)) from None
    except RuntimeError as e:  # the interposer's own refusal: a bad policy key or value
        raise RecordError(f"cannot record into {output}: {e}") from None


def stop():
    """Stops recording and finishes the trace."""
    recorder = _recorder()
    try:
        recorder.stop()
    except RuntimeError as e:
        raise RecordError(str(e)) from None


@contextlib.contextmanager
def record(output, **policy):
    """Records the block's operator calls into the trace `output`."""
    start(output, **policy)
    try:
        yield
    finally:
        stop()
