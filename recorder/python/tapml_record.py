"""Recording from Python, without tapml-record:

    import tapml_record
    with tapml_record.recording("model.h5", include=r"aten::.*", max_calls_per_signature=4):
        model(inputs)

start() loads libtapml_interposer.so into the running torch
(torch.ops.load_library), and stop() turns the spool into the trace. The keys
are those of run.cfg's capture policy: include, exclude, skip_views,
max_calls_per_signature, byte_budget, dedupe, compression_level, model.
"""
import contextlib
import json
import os
import sys

_hooks = []


class TorchMismatch(RuntimeError):
    """The interposer was built against another torch than the program loads."""


def library_path():
    return os.environ.get("TAPML_INTERPOSER") or os.path.join(
        os.path.dirname(os.path.abspath(__file__)), os.pardir, "libtapml_interposer.so"
    )


def _load():
    import torch

    torch.ops.load_library(library_path())
    built = torch.ops.tapml.torch_version()
    if built != torch.__version__:
        raise TorchMismatch(
            f"TapML's interposer was built against torch {built}, this program loads torch "
            f"{torch.__version__}: rebuild TapML with this torch (pip install --no-build-isolation "
            f"TAPML_SOURCE, or cmake -DTAPML_PYTHON={sys.executable})"
        )
    return torch


def start(output, **policy):
    """Starts recording every operator call into `output` (an .h5 trace)."""
    torch = _load()
    torch.ops.tapml.start(os.path.abspath(output), json.dumps(policy))
    if not _hooks:
        import ctypes

        import tapml_scopes

        lib = ctypes.CDLL(library_path(), mode=os.RTLD_NOLOAD)
        _hooks.extend(tapml_scopes.install(lib))


def stop():
    """Stops recording and writes the trace; raises RuntimeError on failure."""
    import torch

    for hook in _hooks:
        hook.remove()
    _hooks.clear()
    torch.ops.tapml.stop()


@contextlib.contextmanager
def recording(output, **policy):
    start(output, **policy)
    try:
        yield
    finally:
        stop()
