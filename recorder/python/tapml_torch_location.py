"""Which torch a python would import, and its version, found without
importing it (importing torch takes seconds): tapml-record's probe before a
run, and the boot's version check inside the recorded program.

    python -c "import sys; sys.path.insert(0, sys.argv[1]); \
import tapml_torch_location; tapml_torch_location.main()" BOOT_DIR

prints the version and torch's folder on two lines, or exits 1 with one
line on stderr.
"""
import importlib.util
import os
import re
import sys


def torch_location():
    """(version, folder) of the torch this python would import, or None."""
    try:
        spec = importlib.util.find_spec("torch")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.origin:
        return None
    folder = os.path.dirname(spec.origin)
    try:
        with open(os.path.join(folder, "version.py")) as f:
            match = re.search(r"^__version__\s*=\s*['\"]([^'\"]+)['\"]", f.read(), re.M)
    except OSError:
        return None
    return (match.group(1), folder) if match else None


def main():
    found = torch_location()
    if found is None:
        sys.exit("No module named 'torch' (or torch without its version.py)")
    print(found[0])
    print(found[1])
