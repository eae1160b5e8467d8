"""The ops the zoo records on CUDA but not on the CPU, called here on the
CPU so that CI replays them too: erfinv_ (ViT's truncated-normal init on
CUDA), nonzero (whisper's generate on CUDA), _grouped_mm (Mixtral's experts
in bfloat16 on CUDA), isneginf and its kin (llama's attention masks on
CUDA, seen with --descend). Run under tapml-record (tests/zoo)."""
import torch

torch.manual_seed(0)
for dtype in (torch.float32, torch.bfloat16):
    x = (torch.rand(3, 17) * 1.98 - 0.99).to(dtype)
    x.erfinv_()
    print("erfinv", dtype, float(x.float().abs().max()))
print("nonzero", torch.nonzero(torch.tensor([[True, False, True], [False, True, True]])).tolist())
print("nonzero", torch.nonzero(torch.randn(4, 5) > 0.5).shape)
special = torch.tensor([1.0, float("inf"), -float("inf"), float("nan"), -0.0, 3e38])
for name in ("isnan", "isinf", "isposinf", "isneginf", "isfinite"):  # llama's masks on CUDA
    print(name, getattr(torch, name)(special).tolist())
a = torch.randn(28, 64, dtype=torch.bfloat16)
b = torch.randn(4, 256, 64, dtype=torch.bfloat16).transpose(1, 2)  # [G, K, N], N-major as in MoE
offs = torch.tensor([7, 14, 14, 28], dtype=torch.int32)  # an empty group too
print("grouped_mm", torch._grouped_mm(a, b, offs).float().abs().sum().item())
