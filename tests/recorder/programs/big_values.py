"""Produces ~200 MB of fresh tensor values; under a small file-size limit
the spool cannot hold them (the disk-full test)."""
import torch

x = torch.ones(1 << 20)
for i in range(50):
    x = x + 1.0
print("big_values done", float(x[0]))
