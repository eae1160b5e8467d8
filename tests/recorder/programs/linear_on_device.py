"""A small MLP whose Linear layers feed transposed weights (weight.t()) and a
permuted activation to matmuls, on TAPML_MODEL_DEVICE (default cpu).
scripts/gpu.sh's smoke step records it on CUDA: the trace stores each
transposed weight as a permuted view of the weight (docs/trace-format.md),
hashed from the GPU tensor through a host buffer, and `tapml-trace verify`
recomputes every hash."""
import os

import torch


def main() -> int:
    torch.manual_seed(0)
    device = os.environ.get("TAPML_MODEL_DEVICE", "cpu")
    model = torch.nn.Sequential(torch.nn.Linear(96, 256), torch.nn.GELU(),
                                torch.nn.Linear(256, 48, bias=False)).to(device)
    with torch.no_grad():
        x = torch.randn(2, 24, 96, device=device)
        y = model(x)
        scores = torch.matmul(y, y.permute(0, 2, 1))  # a permuted activation
    print("linear_on_device:", tuple(scores.shape), round(float(scores.sum()), 3))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
