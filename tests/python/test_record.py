"""tapml.record: a program records itself with the context manager; the
trace is finished with what was recorded when the block raises; a torch
other than the interposer's blocks recording only, with one line."""
import textwrap

import pytest

import tapml
from conftest import PYTHON, run

pytest.importorskip("torch")

PROGRAM = textwrap.dedent("""
    import sys, torch, tapml
    class Block(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.proj = torch.nn.Linear(8, 4)
        def forward(self, x):
            return torch.softmax(self.proj(x), dim=-1)
    model = Block()
    x = torch.randn(3, 8)
    with tapml.record(sys.argv[1], include="linear|softmax|addmm|_softmax", model="block"):
        y = model(x)
        if sys.argv[2] == "raise":
            torch.relu(y)
            raise RuntimeError("the program failed inside the block")
    print("done")
""")


def test_record_a_program_and_read_it_back(tmp_path):
    program = tmp_path / "program.py"
    program.write_text(PROGRAM)
    out = tmp_path / "block.h5"
    done = run(PYTHON, program, out, "ok")
    assert done.returncode == 0, done.stderr
    trace = tapml.open(out)
    assert trace.meta["model"] == "block"
    ops = [c.op for c in trace]
    assert "aten::linear" in ops and "aten::softmax.int" in ops
    linear = trace.calls(op="linear")[0]
    assert linear.scope == "Block.proj" or linear.scope.endswith("proj"), linear.scope
    assert linear.inputs["input"].shape == (3, 8)
    report = tapml.replay(trace, target="cpu")
    assert report.passed and report.summary.coverage == 1.0


def test_a_raise_inside_the_block_still_finishes_the_trace(tmp_path):
    program = tmp_path / "program.py"
    program.write_text(PROGRAM)
    out = tmp_path / "raised.h5"
    done = run(PYTHON, program, out, "raise")
    assert done.returncode == 1 and "the program failed inside the block" in done.stderr
    assert not (tmp_path / "raised.h5.spool").exists()
    trace = tapml.open(out)
    assert {"aten::linear", "aten::softmax.int"} <= {c.op for c in trace}


def test_a_torch_version_mismatch_blocks_recording_only(tmp_path, minilm):
    code = textwrap.dedent("""
        import sys, torch, tapml
        real = torch.__version__
        torch.__version__ = "1.0.0"  # as if another torch were installed here
        print(len(tapml.open(sys.argv[1])))  # reading still works
        try:
            with tapml.record(sys.argv[2]):
                pass
        except tapml.TorchMismatch as e:
            print(str(e))
    """)
    done = run(PYTHON, "-c", code, minilm, tmp_path / "never.h5")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "53"
    assert "torch 1.0.0" in lines[1] and "built against torch 2." in lines[1]
    assert "pip install --no-build-isolation" in lines[1]
    assert not (tmp_path / "never.h5").exists()


def test_a_bad_capture_key_is_one_line(tmp_path):
    code = ("import sys, tapml\n"
            "try:\n"
            "    with tapml.record(sys.argv[1], no_such_key=1):\n"
            "        pass\n"
            "except tapml.RecordError as e:\n"
            "    print(e)\n")
    done = run(PYTHON, "-c", code, tmp_path / "x.h5")
    assert done.returncode == 0 and "no_such_key" in done.stdout, (done.stdout, done.stderr)
