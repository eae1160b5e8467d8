"""The Python package's tests run against the package as installed
(scripts/install_python.sh: build/python-venv), never the source tree, and
against the committed fixtures of the real models."""
import pathlib
import subprocess
import sys

import pytest

import tapml

ROOT = pathlib.Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "generated"


@pytest.fixture(scope="session")
def minilm():
    return FIXTURES / "minilm" / "fixture.h5"


@pytest.fixture(scope="session")
def smollm2():
    return FIXTURES / "smollm2" / "fixture.h5"


@pytest.fixture(scope="session")
def zoo():
    return FIXTURES / "zoo" / "fixture.h5"


def run(*args, env=None, cwd=None, check=False):
    """A command's CompletedProcess, text out."""
    done = subprocess.run([str(a) for a in args], capture_output=True, text=True, env=env,
                          cwd=cwd)
    if check and done.returncode != 0:
        raise AssertionError(f"{args} exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
    return done


def tool(name):
    return tapml.tool(name)


PYTHON = sys.executable
