"""A vocabulary too large for one Vulkan binding: a 33000 x 1024 float32
embedding table (135 MB, over lavapipe's 128 MiB maxStorageBufferRange),
looked up and used again, tied, as the LM head, the way large-vocabulary
models (Gemma's 262144 tokens) do. Run under tapml-record (tests/zoo): the
replay must cut the table's views to fit (backends/lowering/split_views.h)."""
import torch
import torch.nn.functional as F

torch.manual_seed(0)
table = torch.randn(33000, 1024)
ids = torch.tensor([[5, 32999, 17, 4096, 20000, 5, 1, 30000]])
with torch.no_grad():
    hidden = F.embedding(ids, table)
    logits = F.linear(hidden, table)
    print("logits", tuple(logits.shape), float(logits.abs().max()))
