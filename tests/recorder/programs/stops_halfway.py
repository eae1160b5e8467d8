"""Runs N additions (aten::add.Tensor), then ends the hard way:
`abort` makes two 64 MiB tensors (fill_, mul) and calls os.abort(); `kill9`
makes one (fill_) and SIGKILLs itself; `wait` writes its pid to the file named by argv[3]
and sleeps until a test SIGKILLs it."""
import os
import signal
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
if how == "kill9":
    # A 64 MiB result, then a SIGKILL at once: with values_in_background =
    # false it is on disk before fill_ returns, so the call is in the trace.
    big = torch.full((2048, 8192), 1.0)
    os.kill(os.getpid(), signal.SIGKILL)
with open(sys.argv[3] + ".tmp", "w") as f:
    f.write(str(os.getpid()))
os.rename(sys.argv[3] + ".tmp", sys.argv[3])
time.sleep(120)
