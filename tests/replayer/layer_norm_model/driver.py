"""Runs torch.nn.LayerNorm(64, eps=1e-5) with trained-looking weights on
activations of standard deviation ~0.01, where eps=1e-5 is not negligible;
run it under tapml-record (tests/replayer/layer_norm_model/run.cfg).
TAPML_MODEL_DEVICE=cuda runs it on the GPU (scripts/gpu.sh's smoke step)."""
import os

import torch


def main() -> int:
    torch.manual_seed(0)
    device = os.environ.get("TAPML_MODEL_DEVICE", "cpu")
    norm = torch.nn.LayerNorm(64, eps=1e-5)
    with torch.no_grad():
        norm.weight.copy_(1 + 0.1 * torch.randn(64))
        norm.bias.copy_(0.1 * torch.randn(64))
        x = 0.01 * torch.randn(4, 16, 64)
        if device != "cpu":  # the CPU trace stays free of copies
            norm, x = norm.to(device), x.to(device)
        y = norm(x)
    print("layer_norm:", tuple(y.shape), [round(float(v), 5) for v in y[0, 0, :4]])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
