"""Replaying and comparing from Python, through the replayer's library.

tapml.replay(trace, target=...) runs what `tapml-replay` runs and returns the
same results its JSON report holds (docs/replayer.md) as a Report; a
tapml.Session plans a replay once and runs its calls one at a time (the
pytest plugin runs each as a test); tapml.compare judges any pair of tensors
by the replayer's tolerance policy.
"""
import json
import os
import sys

import numpy as np

from ._native import native
from .errors import UsageError
from .provider import as_provider
from .tensors import from_any
from .trace import Trace


class Record(dict):
    """A dict of the JSON report whose keys also read as attributes."""

    def __getattr__(self, key):
        try:
            value = self[key]
        except KeyError:
            raise AttributeError(key) from None
        return _wrap(value)


def _wrap(value):
    if isinstance(value, dict) and not isinstance(value, Record):
        return Record(value)
    if isinstance(value, list):
        return [_wrap(v) for v in value]
    return value


class Report(Record):
    """The JSON report as Python objects: `summary`, `ops` (per op) and
    `calls` (one record per call run or found unsupported)."""

    @property
    def passed(self):
        """True when no call FAILed, ERRORed, was FLAKY, CRASHed, TIMEOUTed or INTERNAL."""
        s = self["summary"]
        return not any(s[k] for k in ("failed", "errors", "flaky", "internal", "crashed",
                                      "timed_out"))

    def failures(self):
        return [c for c in self.calls if c.status not in ("PASS", "UNSUPPORTED")]


def open_target(target):
    """A target opened once: "cpu", "vulkan:1", "./libmine.so?tile=64",
    "remote://host:port/vulkan", a tapml.Provider or a mapping of op names to
    Python callables, "python://MODULE:ATTRIBUTE". Raises tapml.TargetError."""
    if isinstance(target, native.Target):
        return target
    provider = as_provider(target)
    if provider is not None:
        return native.Target.from_python(provider)
    if not isinstance(target, str):
        raise UsageError(f"target {target!r}: expected a name or address such as 'vulkan'")
    return native.Target(target)


def _options(op=None, calls=None, descend=False, fail_fast=False, repeat=1, tolerance=None,
             isolate=None, call_timeout=0):
    options = {"op": op or "", "descend": bool(descend), "fail_fast": bool(fail_fast),
               "repeat": int(repeat), "tolerance": os.fspath(tolerance) if tolerance else "",
               "isolate": isolate, "call_timeout": float(call_timeout)}
    selection = f"op '{op}'" if op else ""
    if calls is not None:
        if isinstance(calls, range) and calls.step == 1:
            first, end = calls.start, calls.stop
        elif isinstance(calls, (tuple, list)) and len(calls) == 2:
            first, end = calls
        else:
            raise UsageError(f"calls {calls!r}: expected (first, end) or range(first, end)")
        if first is None:
            first = 0
        if not isinstance(first, int) or (end is not None and not isinstance(end, int)) \
                or first < 0 or (end is not None and end < first):
            raise UsageError(f"calls {calls!r}: expected seqs first <= end, both 0 or more")
        options["first"] = first
        if end is not None:
            options["end"] = end
        selection += (" with " if selection else "") + f"calls {first}:{'' if end is None else end}"
    return json.dumps(options), selection


def _trace(trace):
    return trace if isinstance(trace, Trace) else Trace(trace)


def replay(trace, target="cpu", *, op=None, calls=None, descend=False, fail_fast=False,
           repeat=1, tolerance=None, isolate=None, call_timeout=0, progress=None):
    """Replays `trace` (a path or a tapml.Trace) on `target` and returns a
    Report. `op` an op pattern, `calls` a (first, end) seq range, `descend`
    the innermost compute calls, `tolerance` a JSON/TOML rule file,
    `isolate` each call in a worker process (default: for a provider loaded
    from a path). Progress goes to stderr when it is a terminal, unless
    `progress` says otherwise. A selection that runs nothing raises
    tapml.UsageError."""
    target = open_target(target)  # first, as tapml-replay: a missing platform is more basic
    trace = _trace(trace)
    options, selection = _options(op, calls, descend, fail_fast, repeat, tolerance, isolate,
                                  call_timeout)
    if progress is None:
        progress = sys.stderr.isatty()
    return Report(json.loads(target.replay_json(trace._native, options, selection, progress)))


class Session:
    """A replay planned once; its calls run one at a time, in any order.
    `planned` lists each call the plan runs (`run` True) or reports
    unsupported, with its op and case name."""

    def __init__(self, trace, target="cpu", **options):
        self.target = open_target(target)
        self.trace = _trace(trace)
        text, _ = _options(**options)
        self._native = native.Session(self.target, self.trace._native, text)
        self.planned = [Record(p) for p in json.loads(self._native.planned_json())]

    def run(self, index):
        """The result of planned call `index` (a Record as in Report.calls),
        or a Record with `skipped` giving why it could not run."""
        return Record(json.loads(self._native.run_json(index)))


def compare(got, expected, op="", target="*", tolerance=None):
    """Judges `got` against `expected` (numpy arrays or torch tensors of one
    dtype and shape) by the tolerance rule the replayer would use for `op`
    on `target`: NMSE and atol/rtol for floats, exact for integers and
    bools. Returns a Record: passed, failure (one line), nmse, max_abs,
    worst... Ops judged by a forward bound in a replay are judged here by
    their rule's NMSE and atol/rtol, since the bound needs the call's
    inputs."""
    got_dtype, got_values = from_any(got)
    want_dtype, want_values = from_any(expected)
    if got_dtype != want_dtype or got_values.shape != want_values.shape:
        raise UsageError(f"got {got_dtype}{list(got_values.shape)}, expected "
                         f"{want_dtype}{list(want_values.shape)}: compare needs one dtype and shape")
    return Record(json.loads(native.compare_json(
        want_dtype, np.ascontiguousarray(got_values), np.ascontiguousarray(want_values),
        list(want_values.shape), op, target, os.fspath(tolerance) if tolerance else "")))


def targets():
    """Each target TapML can open here (built in, and providers on
    TAPML_PROVIDER_PATH) with its devices, or why it is unavailable."""
    return [Record(t) for t in json.loads(native.targets_json())]
