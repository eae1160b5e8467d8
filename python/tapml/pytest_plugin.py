"""pytest plugin: one test per carved call of a trace, run on a target.

    pytest --tapml-trace model.h5 --tapml-target vulkan [-k softmax] [-x] [-n 4]

Each call the replay plans (tapml.Session: the outermost compute calls the
target supports, or with --tapml-descend the innermost) is one test, named by
its case (the op and its input signature, never a seq:
`aten_softmax_int.f32_1x9x576_dim-1#1`), so ids stay put when the model is
recorded again and `-k`, `-x`, `--lf`, pytest-xdist and `--junitxml` work as
on any suite. A call the target has no kernel for is skipped with the reason
(UNSUPPORTED), as is one whose values were not captured; FAIL, ERROR, FLAKY,
CRASH, TIMEOUT and INTERNAL fail the test with the replayer's one line.
Registered through the `pytest11` entry point of the installed package.
"""
from pathlib import Path

import pytest

_SESSIONS = pytest.StashKey()


def pytest_addoption(parser):
    group = parser.getgroup("tapml", "TapML: a test per carved call of a trace")
    group.addoption("--tapml-trace", action="append", default=[], metavar="TRACE.h5",
                    help="a trace whose calls become tests (repeat for several)")
    group.addoption("--tapml-target", default="cpu", metavar="TARGET",
                    help="where the calls run: cpu, vulkan, opencl, ./libmine.so, "
                         "remote://host:port/vulkan (default cpu)")
    group.addoption("--tapml-op", default="", metavar="PATTERN",
                    help="only calls of ops matching this op pattern")
    group.addoption("--tapml-calls", default="", metavar="A:B",
                    help="only calls with seq in A:B (A included, B not)")
    group.addoption("--tapml-descend", action="store_true",
                    help="test the innermost compute calls instead of the outermost")
    group.addoption("--tapml-tolerance", default="", metavar="FILE",
                    help="JSON or TOML tolerance rules")


def _calls_range(text):
    if not text:
        return None
    first, sep, end = text.partition(":")
    try:
        if not sep:
            raise ValueError
        return (int(first) if first else 0, int(end) if end else None)
    except ValueError:
        raise pytest.UsageError(f"--tapml-calls {text}: expected A:B (e.g. 100:200)") from None


class CallFailed(Exception):
    """A carved call whose kernel failed: the replayer's verdict."""


class TraceFile(pytest.File):
    """A trace given with --tapml-trace: one item per planned call."""

    def collect(self):
        import tapml

        opt = self.config.getoption
        try:
            session = tapml.Session(
                str(self.path), opt("--tapml-target"), op=opt("--tapml-op") or None,
                calls=_calls_range(opt("--tapml-calls")), descend=opt("--tapml-descend"),
                tolerance=opt("--tapml-tolerance") or None)
        except tapml.TapmlError as e:
            raise pytest.UsageError(f"--tapml-trace {self.path}: {e}") from None
        self.config.stash.setdefault(_SESSIONS, {})[str(self.path)] = session
        if not session.planned:
            raise pytest.UsageError(
                f"--tapml-trace {self.path}: the selection holds no compute call to test")
        for index, planned in enumerate(session.planned):
            name = planned["case"] or f"{planned['op']}#seq{planned['seq']}"
            yield CallItem.from_parent(self, name=name, index=index, planned=planned)


class CallItem(pytest.Item):
    def __init__(self, *, index, planned, **kwargs):
        super().__init__(**kwargs)
        self.index = index
        self.planned = planned
        self.add_marker(pytest.mark.tapml)
        self.user_properties.append(("op", planned["op"]))
        self.user_properties.append(("seq", planned["seq"]))

    def runtest(self):
        session = self.config.stash[_SESSIONS][str(self.path)]
        result = session.run(self.index)
        if "skipped" in result:
            pytest.skip(f"{self.planned['op']}: not run: {result['skipped']}")
        self.user_properties.append(("status", result["status"]))
        if result["status"] == "PASS":
            return
        if result["status"] == "UNSUPPORTED":
            pytest.skip(f"{result['op']} UNSUPPORTED on {session.target.name}: {result['message']}")
        raise CallFailed(result)

    def repr_failure(self, excinfo):
        if not isinstance(excinfo.value, CallFailed):
            return super().repr_failure(excinfo)
        r = excinfo.value.args[0]
        lines = [f"{r['status']}: {r['op']} case {r['case']} (seq {r['seq']}"
                 + (f", {r['scope']}" if r.get("scope") else "") + ")",
                 f"  {r['message']}"]
        lines += [f"  input {text}" for text in r.get("inputs", [])]
        for out in r.get("outputs", []):
            lines.append(f"  output {out['name']}: {out['dtype']}{out['sizes']} "
                         f"{'passed' if out['passed'] else 'FAILED'}, nmse {out['nmse']}, "
                         f"max_abs {out['max_abs']}")
        return "\n".join(lines)

    def reportinfo(self):
        return self.path, None, f"{self.planned['op']} seq {self.planned['seq']}"


def pytest_configure(config):
    config.addinivalue_line("markers", "tapml: a carved call of a TapML trace")


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(session, config, items):
    """Adds each --tapml-trace's calls, before -k and -m deselect."""
    for trace in config.getoption("--tapml-trace"):
        path = Path(trace).resolve()
        if not path.exists():
            raise pytest.UsageError(f"--tapml-trace {trace}: no such file")
        collector = TraceFile.from_parent(session, path=path)
        items.extend(collector.collect())
