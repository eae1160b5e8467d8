"""pip install puts TapML's tools on PATH, runnable from the package."""
import os
import sys

from conftest import run


def test_tools_on_path(minilm):
    bin_dir = os.path.dirname(sys.executable)
    for name in ("tapml-trace", "tapml-replay", "tapml-record", "tapml-gen", "tapml-serve"):
        done = run(os.path.join(bin_dir, name), "--version")
        assert done.returncode == 0 and done.stdout.startswith(f"{name} "), done
    done = run(os.path.join(bin_dir, "tapml-replay"), "--target", "cpu", minilm, "--no-progress")
    assert done.returncode == 0 and "coverage" in done.stdout.lower()


def test_import_needs_no_torch(tmp_path):
    """Reading a trace in a process where torch cannot be imported."""
    blocker = tmp_path / "torch.py"
    blocker.write_text("raise ImportError('torch is not installed here')\n")
    code = ("import tapml, sys; t = tapml.open(sys.argv[1]); "
            "print(len(t), t[5].inputs['self'].numpy().shape); "
            "print(tapml.replay(t, target='cpu').summary.passed)")
    env = dict(os.environ, PYTHONPATH=str(tmp_path))
    from conftest import FIXTURES
    done = run(sys.executable, "-c", code, FIXTURES / "minilm" / "fixture.h5", env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["53", "(512,", "384)", "37"]
