"""tapml.replay returns what tapml-replay --json reports, and a Session runs
the same calls one at a time with the same verdicts."""
import json
import os

import pytest

import tapml
from conftest import run, tool

TIMING = {"wall_seconds", "kernel_seconds", "calls_per_second", "mb_per_second"}


def without_timing(record):
    if isinstance(record, dict):
        return {k: without_timing(v) for k, v in record.items() if k not in TIMING}
    if isinstance(record, list):
        return [without_timing(v) for v in record]
    return record


@pytest.mark.parametrize("target", ["cpu", "vulkan", "opencl"])
def test_replay_matches_the_cli_report(target, minilm, tmp_path):
    report = tapml.replay(minilm, target=target)
    out = tmp_path / "report.json"
    done = run(tool("tapml-replay"), "--target", target, minilm, "--json", out, "--no-progress")
    assert done.returncode == 0, done.stderr
    cli = json.loads(out.read_text())
    assert without_timing(report["summary"]) == without_timing(cli["summary"])
    assert without_timing(report["calls"]) == without_timing(cli["calls"])
    assert without_timing(report["ops"]) == without_timing(cli["ops"])
    assert report.passed and report.summary.coverage == 1.0
    assert report.calls[0].status == "PASS"


def test_a_planted_bug_fails_its_calls_only(minilm, monkeypatch):
    monkeypatch.setenv("TAPML_PLANT_BUG", "matmul-ignores-stride")
    report = tapml.replay(minilm, target="cpu")
    failed = {c.op for c in report.failures()}
    assert failed == {"aten::linear", "aten::matmul"}, failed
    assert not report.passed
    assert all(c.outputs[0].passed is False for c in report.failures())


def test_selection_and_options(smollm2):
    report = tapml.replay(smollm2, target="cpu", op="mm|silu|rsqrt", calls=(0, 200),
                          descend=True, repeat=2)
    assert report.summary.mode == "leaves" and report.summary.repeat == 2
    assert {c.op for c in report.calls} == {"aten::mm", "aten::silu", "aten::rsqrt"}
    assert all(c.seq < 200 and c.runs == 2 for c in report.calls)


def test_session_runs_planned_calls_alone_in_any_order(minilm):
    session = tapml.Session(minilm, "vulkan")
    whole = tapml.replay(minilm, target="vulkan")
    assert [p.seq for p in session.planned] == [c.seq for c in whole.calls]
    for index in reversed(range(len(session.planned))):
        result = session.run(index)
        assert result.status == whole.calls[index].status
        assert result.case == whole.calls[index].case == session.planned[index].case


def test_isolated_replay_of_a_provider_library(minilm):
    """A provider loaded by path runs in worker processes (CRASH/TIMEOUT
    are verdicts), as with tapml-replay."""
    provider = os.path.join(tapml.PREFIX, "lib", "providers", "libtapml_provider_cpu.so")
    report = tapml.replay(minilm, target=provider, op="linear")
    assert report.summary.isolated and report.passed and len(report.calls) == 4
