"""Reductions, products and norms whose results cancel to near zero: each
output is a sum of O(1) terms that ends far below them, where any two correct
float32 implementations differ by more than NMSE or rtol allow. A replay of
this trace must PASS on every target (docs/replayer.md, the forward error
bound); run it under tapml-record (tests/replayer/near_zero_model/run.cfg).
TAPML_MODEL_DEVICE=cuda runs it on the GPU (scripts/gpu.sh's smoke step)."""
import os

import torch
import torch.nn.functional as F


def centred(*shape: int) -> torch.Tensor:
    x = torch.randn(*shape)
    return x - x.mean()


def orthogonal_to(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """b with its component along each row of a (last dim) removed."""
    return b - (b * a).sum(-1, keepdim=True) / (a * a).sum(-1, keepdim=True) * a


def main() -> int:
    torch.manual_seed(0)
    device = os.environ.get("TAPML_MODEL_DEVICE", "cpu")
    if device != "cpu":
        torch.set_default_device(device)
    with torch.no_grad():
        x = centred(4, 6, 8)
        results = [x.sum(), x.sum(dim=(0, 2)), x.mean(dim=(0, 2)), torch.cumsum(x, dim=-1)]
        # Products whose rows and columns are nearly orthogonal.
        a = torch.randn(8, 64)
        w = orthogonal_to(a, torch.randn(8, 64))
        results.append(a @ w.T)  # the diagonal cancels
        results.append(torch.mm(a, w.T.contiguous()))
        results.append(F.linear(a.unsqueeze(0), w, torch.zeros(8)))
        results.append(torch.mv(w, a[0]))
        results.append(torch.dot(a[1], w[1]))
        q = torch.randn(2, 5, 16)
        k = orthogonal_to(q, torch.randn(2, 5, 16))
        results.append(torch.bmm(q, k.transpose(1, 2)))
        results.append(torch.baddbmm(torch.zeros(2, 5, 5), q, k.transpose(1, 2)))
        # Attention that averages values centred over the keys: near zero.
        v = torch.randn(1, 2, 6, 16)
        v = v - v.mean(dim=2, keepdim=True)
        results.append(F.scaled_dot_product_attention(torch.zeros(1, 2, 3, 16),
                                                      torch.randn(1, 2, 6, 16), v))
        # Layer norm of rows far from zero with a small spread: x - mean cancels.
        rows = 100 + 0.01 * torch.randn(3, 64)
        results.append(F.layer_norm(rows, (64,), torch.ones(64), torch.zeros(64), 1e-5))
        results.append(F.rms_norm(centred(3, 64), (64,), torch.ones(64), 1e-6))
    smallest = min(float(r.abs().min()) for r in results)
    print(f"near_zero: {len(results)} results, smallest |value| {smallest:.3g}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
