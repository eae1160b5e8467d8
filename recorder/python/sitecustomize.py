"""TapML's Python boot. tapml-record puts this folder on PYTHONPATH of the
recorded program; Python imports it at start-up. It

- stops the program at once, leaving one line in <output>.error, when the
  torch the program would import is not the torch the interposer was built
  against (exit code 86: tapml-record explains it);
- once the program imports torch, installs the module-scope hooks
  (tapml_scopes), and at exit notes the CUDA device name in the trace and
  closes the spool (tapml-record then finishes while Python tears down);
- then runs any other sitecustomize the environment has.
"""
import os
import sys

_MISMATCH_EXIT = 86


def _when_imported(name, callback):
    """Calls callback(module) right after `name` is first imported."""
    import importlib.abc
    import importlib.util

    class Finder(importlib.abc.MetaPathFinder):
        def find_spec(self, fullname, path, target=None):
            if fullname != name:
                return None
            sys.meta_path.remove(self)
            spec = importlib.util.find_spec(fullname)
            if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
                return spec
            real_exec = spec.loader.exec_module

            def exec_module(module):
                real_exec(module)
                try:
                    callback(module)
                except Exception as e:  # never break the recorded program
                    print(f"tapml: module scopes not recorded: {e}", file=sys.stderr)

            spec.loader.exec_module = exec_module
            return spec

    sys.meta_path.insert(0, Finder())


def _on_torch(lib, torch):
    import atexit
    import ctypes

    import tapml_scopes

    tapml_scopes.install(lib)
    set_meta = lib.tapml_set_meta
    set_meta.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
    set_meta.restype = None
    set_meta(b"python_version", sys.version.split()[0].encode())

    def note_device():
        try:
            if torch.cuda.is_initialized():
                name = torch.cuda.get_device_name()
                set_meta(b"device", f"cuda ({name})".encode())
        except Exception:
            pass

    # The spool is closed by the first exit handler to run after note_device
    # (atexit runs last-registered first), not at the process's very end:
    # tapml-record then finishes the trace while Python tears itself down.
    # Operators run by exit handlers registered before torch was imported, or
    # by the teardown itself, are not recorded.
    stop = lib.tapml_stop
    stop.argtypes = []
    stop.restype = ctypes.c_int
    atexit.register(stop)
    atexit.register(note_device)


def _boot():
    output = os.environ.get("TAPML_OUTPUT")
    if not output:
        return
    from tapml_torch_location import torch_location

    built = os.environ.get("TAPML_TORCH_VERSION")
    location = torch_location()
    found = location[0] if location else None
    if built and found and found != built:
        line = (
            f"interposer built against torch {built}, program loads torch {found} "
            f"({sys.executable}): rebuild with that torch (cmake -DTAPML_PYTHON={sys.executable})"
        )
        with open(output + ".error", "w") as f:
            f.write(line + "\n")
        os._exit(_MISMATCH_EXIT)
    import ctypes

    try:
        lib = ctypes.CDLL(os.environ.get("TAPML_INTERPOSER", ""), mode=os.RTLD_NOLOAD)
    except OSError:
        return  # not preloaded (tapml-record reports that no spool appeared)
    _when_imported("torch", lambda torch: _on_torch(lib, torch))


def _chain():
    """Runs the sitecustomize this one hides, if there is one."""
    import importlib.machinery
    import importlib.util

    here = os.path.dirname(os.path.abspath(__file__))
    path = [p for p in sys.path if os.path.abspath(p or ".") != here]
    spec = importlib.machinery.PathFinder.find_spec("sitecustomize", path)
    if spec is None or spec.loader is None:
        return
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)


_boot()
_chain()
