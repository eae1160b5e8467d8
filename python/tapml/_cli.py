"""The command-line tools on PATH after `pip install`: each entry point runs
the executable of the same name from the package's bin/, which finds its
siblings, libraries and providers relative to itself (common/own_path.h)."""
import os
import sys

from ._native import tool


def main():
    name = os.path.basename(sys.argv[0])
    path = tool(name)
    if not os.path.exists(path):
        sys.stderr.write(f"{name}: this TapML was built without it ({path} is missing)\n")
        raise SystemExit(2)
    os.execv(path, [path] + sys.argv[1:])
