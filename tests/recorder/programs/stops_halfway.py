"""Runs N additions (aten::add.Tensor), then ends the hard way:
`abort` makes two 64 MiB tensors (fill_, mul) and calls os.abort(); `wait` writes its pid to the file named by argv[3]
and sleeps until a test SIGKILLs it."""
import os
import sys
import time

import torch

how, n = sys.argv[1], int(sys.argv[2])
x = torch.zeros(8)
for i in range(n):
    x = x + torch.full((8,), float(i))
if how == "abort":
    # Large values are written on the recorder's own thread: these are still
    # queued when the program aborts, and must be in the trace all the same.
    big = torch.full((2048, 8192), 1.0)
    doubled = torch.mul(big, 2)
    os.abort()
with open(sys.argv[3] + ".tmp", "w") as f:
    f.write(str(os.getpid()))
os.rename(sys.argv[3] + ".tmp", sys.argv[3])
time.sleep(120)
