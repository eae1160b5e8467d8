#!/usr/bin/env python3
"""Fails when an #include crosses TapML's layering (docs/architecture.md).

Each part (a top-level folder) may include only the parts listed for it
below; tools/ (the executables), python/ (the Python package's bindings),
tests/ and bench/ sit on top of everything.
Nothing includes a tool's code, and no part keeps command-line code of its
own (a `cli/` folder): executables live in tools/.

  check_layers.py SOURCE_DIR
"""
import re
import sys
from pathlib import Path

# What each part may include, besides itself: the arrows of
# docs/architecture.md, in one place.
ALLOWED = {
    "common": set(),
    "store": {"common"},
    "backends": {"common", "store"},
    "recorder": {"common", "store"},
    "remote": {"common", "store", "backends"},
    "replayer": {"common", "store", "backends", "remote"},
    "gen": {"common", "store", "backends", "remote", "replayer"},
    "migrate": {"common", "store", "backends", "remote", "replayer", "recorder"},
    "examples": set(),
}
ON_TOP = {"tools", "python", "tests", "bench"}
SOURCES = {".c", ".cc", ".cpp", ".h", ".hpp"}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.MULTILINE)


def main(root: Path) -> int:
    problems = []
    for part in sorted(ALLOWED) + sorted(ON_TOP):
        folder = root / part
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*")):
            if path.suffix not in SOURCES or not path.is_file():
                continue
            relative = path.relative_to(root)
            if part in ALLOWED and "cli" in relative.parts[1:-1]:
                problems.append(f"{relative}: command-line code outside tools/")
            for included in INCLUDE.findall(path.read_text(errors="replace")):
                target = included.split("/", 1)[0] if "/" in included else None
                if target is None or target == part:
                    continue
                if target == "tools" and part != "tools":
                    problems.append(f"{relative}: includes a tool's code ({included})")
                elif part in ALLOWED and target in ALLOWED and target not in ALLOWED[part]:
                    problems.append(f"{relative}: {part}/ may not include {included} "
                                    f"({part} may include: {', '.join(sorted(ALLOWED[part])) or 'nothing'})")
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} includes cross the layering (docs/architecture.md)")
        return 1
    print("every include follows the layering")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
