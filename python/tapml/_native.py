"""Where TapML is installed, and its native module.

The package sits in one of two places: inside TapML's install tree, as
`pip install` lays it out (site-packages/tapml/{bin,lib}), or at
lib/python/tapml of a build tree or a `cmake --install` prefix. Either way
the native module `_tapml` lives in that tree's lib/, beside the provider
libraries it opens, and the tools in its bin/.
"""
import glob
import importlib.machinery
import importlib.util
import os

_HERE = os.path.dirname(os.path.abspath(__file__))


def _find_prefix():
    candidates = (_HERE, os.path.normpath(os.path.join(_HERE, os.pardir, os.pardir, os.pardir)))
    for prefix in candidates:
        for suffix in importlib.machinery.EXTENSION_SUFFIXES:
            found = glob.glob(os.path.join(prefix, "lib", "_tapml" + suffix))
            if found:
                return prefix, found[0]
    raise ImportError(
        "tapml: its native module _tapml is missing (looked in "
        + " and ".join(os.path.join(c, "lib") for c in candidates)
        + "); reinstall with `pip install .` from the TapML source tree, or build it "
        "(bash scripts/build.sh build) and put build/lib/python on PYTHONPATH"
    )


PREFIX, _MODULE_PATH = _find_prefix()
LIB = os.path.join(PREFIX, "lib")
BIN = os.path.join(PREFIX, "bin")

_loader = importlib.machinery.ExtensionFileLoader("tapml._tapml", _MODULE_PATH)
_spec = importlib.util.spec_from_file_location("tapml._tapml", _MODULE_PATH, loader=_loader)
native = importlib.util.module_from_spec(_spec)
_loader.exec_module(native)


def tool(name):
    """The path of one of TapML's executables (tapml-replay, tapml-trace...)."""
    return os.path.join(BIN, name)
