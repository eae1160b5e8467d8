"""Runs N additions (aten::add.Tensor), then ends the hard way:
`abort` calls os.abort(); `wait` writes its pid to the file named by argv[3]
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
    os.abort()
with open(sys.argv[3] + ".tmp", "w") as f:
    f.write(str(os.getpid()))
os.rename(sys.argv[3] + ".tmp", sys.argv[3])
time.sleep(120)
