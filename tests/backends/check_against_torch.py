"""Runs aten calls in torch and on a TapML backend (through tapml-kernel-check)
and compares the outputs. The calls are the overloads, dtypes and layouts that
the SmolLM2 and MiniLM traces contain, small, plus neighbours other models use.

  check_against_torch.py --checker build/bin/tapml-kernel-check --backend cpu

Exit 0 when every call matches, 1 on any mismatch, unsupported call or error,
77 when the backend's platform is missing here (CTest counts that a skip)."""
import argparse
import json
import math
import os
import subprocess
import sys
import tempfile

import torch

aten = torch.ops.aten
torch.manual_seed(0)

# --- building inputs --------------------------------------------------------


def rand(*sizes, layout="c", dtype=torch.float32, low=-2.0, high=2.0):
    """A random tensor of `sizes`: contiguous ("c"), with its last two dims
    transposed in memory ("t"), or a strided slice of a bigger tensor ("s")."""
    if layout == "t" and len(sizes) >= 2:
        base = rand(*sizes[:-2], sizes[-1], sizes[-2], dtype=dtype, low=low, high=high)
        return base.transpose(-1, -2)
    if layout == "s":
        base = rand(*[s + 1 for s in sizes], dtype=dtype, low=low, high=high)
        return base[tuple(slice(1, 1 + s) for s in sizes)]
    if dtype == torch.bool:
        return torch.rand(sizes) > 0.5
    if not dtype.is_floating_point:
        return torch.randint(int(low), int(high) + 1, sizes, dtype=dtype)
    return torch.rand(sizes, dtype=dtype) * (high - low) + low


def ints(*sizes, low=-3, high=3, layout="c"):
    return rand(*sizes, layout=layout, dtype=torch.int64, low=low, high=high)


def flags(*sizes, layout="c"):
    return rand(*sizes, layout=layout, dtype=torch.bool)


# --- serialising calls -------------------------------------------------------


def number(v):
    if isinstance(v, float) and (math.isnan(v) or math.isinf(v)):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")
    return v


def dtype_name(dtype):
    return str(dtype).replace("torch.", "")


def storage_numel(t):
    return t.untyped_storage().nbytes() // t.element_size()


def tensor_json(t):
    flat = torch.as_strided(t, (storage_numel(t),), (1,), 0)
    values = flat.to(torch.int64 if t.dtype == torch.bool else flat.dtype).tolist()
    return {"dtype": dtype_name(t.dtype), "sizes": list(t.shape), "strides": list(t.stride()),
            "offset": t.storage_offset(), "storage": [number(v) for v in values]}


def value_json(v):
    if v is None or isinstance(v, (torch.memory_format, torch.layout, torch.device)):
        return None
    if isinstance(v, bool):
        return v
    if isinstance(v, int):
        return {"int": v}
    if isinstance(v, float):
        return {"float": number(v)}
    if isinstance(v, str):
        return {"str": v}
    if isinstance(v, torch.dtype):
        return {"dtype": dtype_name(v)}
    if isinstance(v, torch.Tensor):
        return {"tensor": tensor_json(v)}
    if isinstance(v, (list, tuple)):
        if any(isinstance(x, torch.Tensor) for x in v):
            return {"tensors": [None if x is None else tensor_json(x) for x in v]}
        if all(isinstance(x, int) and not isinstance(x, bool) for x in v):
            return {"ints": list(v)}
        return {"floats": [number(float(x)) for x in v]}
    raise TypeError(f"cannot serialise {type(v)}")


class Case:
    """One aten call: serialised before it runs (in-place ops change their
    inputs), then run in torch for the expected outputs."""

    def __init__(self, op, *args, **kwargs):
        self.op = op
        schema = op._schema
        self.name = schema.name + ("." + schema.overload_name if schema.overload_name else "")
        bound = dict(kwargs)
        for arg, value in zip(schema.arguments, args):
            bound[arg.name] = value
        inputs = []
        self.arg_tensors = {}
        for arg in schema.arguments:
            value = bound.get(arg.name, arg.default_value if arg.has_default_value() else None)
            inputs.append({"name": arg.name, "value": value_json(value)})
            if isinstance(value, torch.Tensor):
                self.arg_tensors[arg.name] = value
        self.inputs = inputs
        result = op(*args, **kwargs)
        results = list(result) if isinstance(result, (tuple, list)) else [result]
        self.expected = [r.detach().clone() for r in results]
        self.outputs = [self.output_json(r) for r in results]

    def output_json(self, r):
        for name, t in self.arg_tensors.items():
            if t.untyped_storage().data_ptr() == r.untyped_storage().data_ptr():
                return {"alias": name}
        return {"dtype": dtype_name(r.dtype), "sizes": list(r.shape), "strides": list(r.stride()),
                "offset": r.storage_offset(), "storage_size": storage_numel(r)}

    def json(self):
        return {"op": self.name, "inputs": self.inputs, "outputs": self.outputs}


def cases():
    c = []
    add = c.append
    x = rand(4, 15, 8)
    # Elementwise arithmetic: broadcasting, strided operands, Scalars, in place, out=.
    add(Case(aten.add.Tensor, x, rand(1, 15, 8)))
    add(Case(aten.add.Tensor, rand(2, 3, layout="t"), rand(3), alpha=2))
    add(Case(aten.add.Tensor, ints(15), torch.tensor(0)))
    add(Case(aten.add.Tensor, rand(1, 1, 1), 9.999999747378752e-06))
    add(Case(aten.add.Scalar, ints(1, 1), 1))
    add(Case(aten.add_.Tensor, rand(3, 4, layout="s"), rand(4)))
    add(Case(aten.add.out, rand(3, 4), rand(3, 4, layout="t"), out=torch.empty(3, 4)))
    add(Case(aten.sub.Tensor, ints(1, 6), 1))
    add(Case(aten.sub.Tensor, rand(2, 5), rand(2, 1), alpha=0.5))
    add(Case(aten.rsub.Scalar, ints(1), 1))
    add(Case(aten.mul.Tensor, rand(1, 3, 5, 8, layout="s"), rand(1, 1, 5, 8)))
    add(Case(aten.mul.Tensor, rand(8), rand(1, 5, 8)))
    add(Case(aten.mul.Tensor, ints(), ints(1)))
    add(Case(aten.mul.Tensor, rand(1, 1, 8), 1.0))
    add(Case(aten.mul.Scalar, rand(6, 4), 0.125))
    add(Case(aten.mul_.Tensor, rand(2, 4), rand(2, 1)))
    add(Case(aten.div.Tensor, rand(4, 8), rand(4, 1, low=0.5, high=2)))
    add(Case(aten.div.Tensor, rand(4, 8), rand(4, 8, layout="t", low=0.5, high=2)))
    add(Case(aten.div.Tensor, rand(16), 64))
    add(Case(aten.div_.Scalar, rand(1, 5, 1), 576))
    add(Case(aten.div.Tensor_mode, ints(6), ints(6, low=1, high=3), rounding_mode="floor"))
    add(Case(aten.div.Tensor_mode, rand(6), rand(6, low=0.5, high=1), rounding_mode="trunc"))
    add(Case(aten.pow.Tensor_Scalar, rand(1, 5, 8), 2))
    add(Case(aten.pow.Scalar, 100000.0, rand(16, low=0, high=1)))
    add(Case(aten.maximum.default, rand(3, 4), rand(4)))
    # Unary maths and activations, on strided inputs.
    for op in (aten.neg.default, aten.cos.default, aten.sin.default, aten.silu.default,
               aten.tanh.default, aten.exp.default, aten.sigmoid.default, aten.relu.default,
               aten.abs.default):
        add(Case(op, rand(1, 3, 5, 4, layout="s")))
    add(Case(aten.rsqrt.default, rand(1, 5, 1, low=0.1, high=3)))
    add(Case(aten.reciprocal.default, rand(16, low=0.5, high=2)))
    add(Case(aten.gelu.default, rand(4, 5, 16, low=-4, high=4)))
    add(Case(aten.gelu.default, rand(4, 16, layout="t", low=-4, high=4), approximate="tanh"))
    add(Case(aten.clamp.default, rand(4, 1, low=0, high=1e-8), 1e-9))
    add(Case(aten.clamp.default, rand(4, 4), -0.5, 0.5))
    add(Case(aten.clamp_min.default, rand(4, 1, low=0, high=1e-11), 1e-12))
    add(Case(aten.clamp_max.default, rand(4, 3), 0.25))
    # Comparisons, bitwise and logical ops.
    add(Case(aten.eq.Scalar, ints(1, 9), 0))
    add(Case(aten.eq.Scalar, ints(), 0))
    add(Case(aten.eq.Tensor, ints(3, 4), ints(4)))
    add(Case(aten.ne.Scalar, rand(5), 0.5))
    add(Case(aten.lt.Scalar, ints(1, 9), 0))
    add(Case(aten.ge.Scalar, ints(1, 1, 7, 1), 0))
    add(Case(aten.gt.Tensor, rand(3, 4, layout="t"), rand(3, 1)))
    add(Case(aten.bitwise_and.Tensor, ints(4, low=0, high=1), flags(4)))
    add(Case(aten.bitwise_or.Tensor, flags(1), flags(1)))
    add(Case(aten.__and__.Tensor, flags(), flags(1, 1, 7, 1)))
    add(Case(aten.__and__.Tensor, flags(1, 1, 7, 1), flags(4, 1, 1, 7)))
    add(Case(aten.__or__.Tensor, flags(1), flags(1)))
    add(Case(aten.bitwise_not.default, flags(5)))
    add(Case(aten.bitwise_not.default, ints(5)))
    add(Case(aten.logical_not.default, rand(5)))
    # where and masked_fill.
    add(Case(aten.where.self, flags(64), torch.tensor(float("-inf")), rand(1, 64)))
    add(Case(aten.where.self, flags(2, 1, 5, 5), rand(2, 1, 5, 5), rand(1)))
    add(Case(aten.where.ScalarOther, flags(3, 4), rand(3, 4), 0.0))
    add(Case(aten.where.ScalarSelf, flags(3, 4), 1.0, rand(3, 4)))
    add(Case(aten.where.Scalar, flags(3, 4), 0.0, float("-inf")))
    add(Case(aten.masked_fill.Scalar, ints(1, 9), flags(1, 9), 0))
    add(Case(aten.masked_fill_.Scalar, ints(1, 9), flags(1, 9), 1))
    add(Case(aten.masked_fill.Tensor, rand(2, 5), flags(5), torch.tensor(-1.5)))
    # Reductions.
    add(Case(aten.sum.dim_IntList, x, [1], dtype=torch.float32))
    add(Case(aten.sum.dim_IntList, rand(4, 15, 1), [1], True))
    add(Case(aten.sum.dim_IntList, rand(3, 4, 5, layout="t"), [0, 2]))
    add(Case(aten.sum.dim_IntList, flags(3, 4), [-1]))
    add(Case(aten.sum.default, rand(3, 5, layout="s")))
    add(Case(aten.sum.IntList_out, rand(1, 5, 32), [-1], True, out=torch.empty(1, 5, 1)))
    add(Case(aten.mean.dim, rand(1, 5, 32), [-1], True))
    add(Case(aten.mean.default, rand(4, 6, layout="t")))
    add(Case(aten.max.default, ints(1)))
    add(Case(aten.max.dim, rand(3, 7, layout="t"), 1))
    add(Case(aten.min.dim, rand(3, 7), 0, True))
    add(Case(aten.amax.default, rand(2, 3, 4), [-1], True))
    add(Case(aten.argmax.default, rand(1, 300), -1))
    add(Case(aten.argmax.default, rand(4, 5, layout="t")))
    add(Case(aten.any.default, flags(1, 9)))
    add(Case(aten.any.dim, flags(1, 1), -1))
    add(Case(aten.all.default, flags(4, 15)))
    add(Case(aten.all.dim, torch.ones(2, 3, dtype=torch.bool), 1))
    add(Case(aten.linalg_vector_norm.default, rand(4, 16), 2, [-1], True))
    add(Case(aten.cumsum.default, ints(1, 9, low=0, high=1), -1))
    add(Case(aten.cumsum.default, rand(4, 3, layout="t"), 0))
    # Matrix products (weights transposed as linear and nn.Linear store them).
    w = rand(24, 16)
    add(Case(aten.mm.default, rand(5, 16), w.t()))
    add(Case(aten.mm.default, rand(1, 16), rand(16, 24, layout="t")))
    add(Case(aten.addmm.default, rand(24), rand(6, 16), w.t()))
    add(Case(aten.addmm.default, rand(24), rand(6, 16, layout="s"), w.t(), beta=0.5, alpha=2))
    add(Case(aten.linear.default, rand(4, 5, 16), w, rand(24)))
    add(Case(aten.linear.default, rand(1, 5, 16), w))
    add(Case(aten.linear.default, rand(4, 7, 16)[:, 0], w, rand(24)))
    add(Case(aten.matmul.default, rand(4, 16), rand(4, 16).t()))
    add(Case(aten.matmul.default, rand(2, 3, 5, 16), rand(2, 1, 16, 4)))
    add(Case(aten.matmul.default, rand(16), rand(16)))
    add(Case(aten.matmul.default, rand(16), rand(3, 16, 4)))
    add(Case(aten.bmm.default, rand(3, 4, 8, layout="t"), rand(3, 8, 5)))
    # Norms and softmax.
    add(Case(aten.layer_norm.default, rand(4, 5, 16), [16], rand(16), rand(16), 1e-12))
    add(Case(aten.native_layer_norm.default, rand(4, 5, 16, layout="s"), [16], rand(16), rand(16),
             1e-5))
    add(Case(aten.native_layer_norm.default, rand(3, 4, 6), [4, 6], None, None, 1e-5))
    add(Case(aten.rms_norm.default, rand(2, 5, 16), [16], rand(16), 1e-6))
    add(Case(aten._softmax.default, rand(2, 3, 5, 7, low=-8, high=8), -1, False))
    add(Case(aten.softmax.int, rand(4, 6, layout="t"), 0))
    add(Case(aten._log_softmax.default, rand(3, 10, low=-8, high=8), 1, False))
    # Gathers.
    table = rand(30, 8)
    add(Case(aten.embedding.default, table, ints(4, 5, low=0, high=29), 0))
    add(Case(aten.embedding.default, table, ints(1, 5, low=0, high=29)))
    add(Case(aten.embedding.default, rand(30, 8, layout="t"), ints(3, low=0, high=29)))
    add(Case(aten.index_select.default, table, 0, ints(7, low=0, high=29)))
    add(Case(aten.index_select.default, rand(3, 6, 4, layout="s"), 1, ints(5, low=0, high=5)))
    add(Case(aten.index.Tensor, flags(4, 15),
             [torch.arange(4).view(4, 1, 1, 1), torch.arange(15).view(1, 1, 1, 15)]))
    add(Case(aten.index.Tensor, rand(3, 5), [None, torch.tensor([4, -1, 0])]))
    add(Case(aten.index.Tensor, rand(3, 5, 2), [flags(3, 5)]))
    add(Case(aten.index.Tensor, rand(4, 5, 6), [torch.tensor([0, 3]), None, torch.tensor([1, 5])]))
    add(Case(aten.isin.Tensor_Tensor, ints(1, 1), ints(1)))
    add(Case(aten.isin.Tensor_Tensor, ints(1), ints()))
    add(Case(aten.isin.Tensor_Tensor, torch.arange(64), torch.tensor([2, 40])))
    add(Case(aten.isin.Tensor_Tensor, ints(3, 4), ints(2), invert=True))
    # Copies, concatenation, layout.
    add(Case(aten.copy_.default, rand(4, 3), rand(4, 3, layout="t")))
    add(Case(aten.copy_.default, rand(4, 3, layout="t"), ints(3)))
    add(Case(aten._to_copy.default, ints(1, 5, 1), dtype=torch.float32))
    add(Case(aten._to_copy.default, rand(1, 64), dtype=torch.float32))
    add(Case(aten._to_copy.default, ints(4, 5, low=0, high=1), dtype=torch.bool))
    add(Case(aten.clone.default, rand(3, 4, layout="t")))
    add(Case(aten.clone.default, ints(1, 7), memory_format=torch.contiguous_format))
    add(Case(aten.cat.default, [torch.empty(0), rand(1, 3, 5, 8, layout="s")], -2))
    add(Case(aten.cat.default, [rand(1, 3, 5, 4), rand(1, 3, 5, 4, layout="t")], -1))
    add(Case(aten.cat.default, [ints(1, 7), ints(1, 1)], -1))
    add(Case(aten.stack.default, [rand(8), rand(8), rand(8)]))
    add(Case(aten.stack.default, [rand(2, 3), rand(2, 3, layout="t")], 2))
    add(Case(aten.dropout.default, rand(4, 5, 8), 0.1, False))
    add(Case(aten.triu.default, rand(5, 5), 1))
    add(Case(aten.tril.default, rand(2, 4, 6, layout="t"), -1))
    # Factories and fills.
    add(Case(aten.arange.default, 15, dtype=torch.int64))
    add(Case(aten.arange.default, 7))
    add(Case(aten.arange.start_step, 0, 64, 2, dtype=torch.float32))
    add(Case(aten.arange.start, 3, 9))
    add(Case(aten.full.default, [1], False, dtype=torch.bool))
    add(Case(aten.full.default, [2, 3], -0.5))
    add(Case(aten.ones.default, [5]))
    add(Case(aten.ones.default, [1], dtype=torch.int64))
    add(Case(aten.zeros.default, [1, 6], dtype=torch.int64))
    add(Case(aten.new_ones.default, ints(1, 1, 7, 1), [], dtype=torch.bool))
    add(Case(aten.scalar_tensor.default, float("-inf"), dtype=torch.float32))
    add(Case(aten.fill_.Scalar, rand(8), 1.0))
    add(Case(aten.fill_.Scalar, rand(3, 4, layout="t"), 0))
    add(Case(aten.fill_.Tensor, rand(4), torch.tensor(2.5)))
    add(Case(aten.zero_.default, ints(1, 9)))
    add(Case(aten.zeros_like.default, rand(2, 3)))
    add(Case(aten.full_like.default, ints(2, 3), 7))
    # Attention: MiniLM's bool mask over strided heads, SmolLM2's causal
    # prefill and decode with grouped-query heads, CPU flash attention.
    q = rand(2, 5, 3, 8).transpose(1, 2)
    k = rand(2, 5, 3, 8).transpose(1, 2)
    v = rand(2, 5, 3, 8).transpose(1, 2)
    mask = torch.ones(2, 1, 5, 5, dtype=torch.bool)
    mask[1, :, :, 3:] = False
    add(Case(aten.scaled_dot_product_attention.default, q, k, v, mask, scale=0.35))
    float_mask = torch.zeros(2, 1, 5, 5).masked_fill(~mask, float("-inf"))
    add(Case(aten.scaled_dot_product_attention.default, q, k, v, float_mask))
    gq = rand(1, 6, 7, 8, layout="t")
    gk, gv = rand(1, 2, 7, 8), rand(1, 2, 7, 8)
    add(Case(aten.scaled_dot_product_attention.default, gq, gk, gv, is_causal=True, enable_gqa=True))
    add(Case(aten.scaled_dot_product_attention.default, rand(1, 6, 1, 8), rand(1, 2, 9, 8),
             rand(1, 2, 9, 8), scale=0.125, enable_gqa=True))
    add(Case(aten.scaled_dot_product_attention.default, rand(1, 2, 3, 8), rand(1, 2, 5, 8),
             rand(1, 2, 5, 8), is_causal=True))
    # torch's CPU flash kernel reads the last dim as contiguous: keep it so.
    add(Case(aten._scaled_dot_product_flash_attention_for_cpu.default,
             rand(1, 7, 6, 8).transpose(1, 2), gk, gv, 0.0, True, scale=0.125))
    add(Case(aten._scaled_dot_product_flash_attention_for_cpu.default, rand(1, 6, 1, 8),
             rand(1, 2, 9, 8), rand(1, 2, 9, 8), scale=0.125))
    add(Case(aten._scaled_dot_product_flash_attention_for_cpu.default, q, k, v,
             attn_mask=float_mask, scale=0.35))
    return c


def compare(case, result, tolerance):
    """An empty string when the backend's outputs match torch's, else why not."""
    if result.get("status") != "ok":
        return f"{result.get('status')}: {result.get('message', '')}"
    for i, (expected, got) in enumerate(zip(case.expected, result["outputs"])):
        actual = torch.tensor([float(v) for v in got], dtype=torch.float64)
        want = expected.contiguous().view(-1).to(torch.float64)
        if actual.shape != want.shape:
            return f"output {i}: {actual.numel()} values, expected {want.numel()}"
        if expected.dtype.is_floating_point:
            ok = torch.allclose(actual, want, rtol=tolerance, atol=tolerance, equal_nan=True)
        else:
            ok = torch.equal(actual, want)
        if not ok:
            diff = (actual - want).abs().nan_to_num(float("inf"))
            worst = int(diff.argmax())
            return (f"output {i}: element {worst} is {actual[worst].item()}, "
                    f"expected {want[worst].item()}")
    return ""


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checker", required=True, help="path to tapml-kernel-check")
    parser.add_argument("--backend", default="cpu")
    parser.add_argument("--tolerance", type=float, default=1e-4)
    args = parser.parse_args()
    if not os.access(args.checker, os.X_OK):
        print(f"check_against_torch: --checker {args.checker} is not an executable", file=sys.stderr)
        return 2
    all_cases = cases()
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump([c.json() for c in all_cases], f)
        path = f.name
    try:
        run = subprocess.run([args.checker, "--backend", args.backend, path], capture_output=True,
                             text=True)
    finally:
        os.unlink(path)
    if run.returncode == 2:
        print(f"skipped: {run.stderr.strip()}")
        return 77
    if run.returncode != 0:
        print(run.stderr, file=sys.stderr)
        return 1
    results = json.loads(run.stdout)
    failures = 0
    for case, result in zip(all_cases, results):
        why = compare(case, result, args.tolerance)
        if why:
            failures += 1
            print(f"FAIL {case.name}: {why}")
    print(f"{args.backend}: {len(all_cases) - failures}/{len(all_cases)} aten calls match torch")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
