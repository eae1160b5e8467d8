"""Offloaded calls must keep aten's semantics for every argument kind, or the
hybrid program breaks where the reference program does not. Each case below
is a call shape that once broke (or could break) the offload path; the
program checks its own results against numpy and exits 1 naming the case.

Run under tapml-record with offload_ops naming these ops (tests/migrate):
  - out= arguments that are empty or of another shape are resized as
    torch's resize_output does (aten::arange.start_out called from
    aten::arange.start with an empty out, seen in SmolLM2's weight init);
  - in-place ops write through views (a column of a matrix, a transposed
    matrix), leaving the rest of the storage alone;
  - ops whose output shape depends on values (nonzero, indexing by a
    boolean mask) are declined and run on the CPU, counted with the reason.
"""
import sys

import numpy as np
import torch

failures = []


def check(case, got, expected):
    got = got.detach().cpu().numpy()
    if got.shape != np.shape(expected) or not np.allclose(got, expected, rtol=1e-5, atol=1e-6):
        failures.append(f"{case}: got {got.shape} {got.ravel()[:6]}, "
                        f"expected {np.shape(expected)} {np.ravel(expected)[:6]}")


def main():
    torch.manual_seed(0)
    with torch.no_grad():
        # out= resized from empty (arange.start_out, add.out, sum.IntList_out)
        check("arange out= empty", torch.arange(3, 35, out=torch.empty(0)),
              np.arange(3, 35, dtype=np.float32))
        a, b = torch.randn(4, 5), torch.randn(4, 5)
        check("add out= empty", torch.add(a, b, out=torch.empty(0)), a.numpy() + b.numpy())
        # out= of another (non-empty) shape: resized with torch's warning
        check("mul out= other shape", torch.mul(a, b, out=torch.empty(2, 2)),
              a.numpy() * b.numpy())
        x = torch.randn(3, 4, 6)
        check("sum out= empty", torch.sum(x, dim=[0, 2], out=torch.empty(0)),
              x.numpy().sum(axis=(0, 2)))
        # out= already the right shape: written in place, the same tensor returned
        out = torch.empty(4, 5)
        ret = torch.add(a, b, out=out)
        if ret.data_ptr() != out.data_ptr():
            failures.append("add out= right shape: returned another tensor than out")
        check("add out= right shape", out, a.numpy() + b.numpy())
        # in-place through views: a column, and a transposed matrix
        m = torch.randn(4, 5)
        expected = m.numpy().copy()
        expected[:, 1] *= 2.0
        m[:, 1].mul_(2.0)
        check("mul_ through a column view", m, expected)
        t = torch.randn(5, 4)
        expected = t.numpy().T.copy() + 1.0
        tt = t.t()
        tt.add_(1.0)
        check("add_ through a transposed view", t.t(), expected)
        # value-dependent output shape: nonzero
        v = torch.tensor([0.0, 1.5, 0.0, -2.0])
        check("nonzero", torch.nonzero(v), np.array([[1], [3]]))
        check("index by a boolean mask", v[v != 0], np.array([1.5, -2.0]))
    for line in failures:
        print(f"FAIL {line}")
    print(f"aten_semantics: {10 - len(failures)} of 10 cases right" if failures else
          "aten_semantics: every case right")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
