"""A few operator calls whose trace the recorder tests check: an in-place op
(its input must show the values before), a strided input, int64 and bool
tensors, and a weight used by many calls (hashed once) and then changed in
place (hashed again). Then a large tensor changed in place while a backlog of
large values is still being written: the trace must hold it as it was.
Last, an operator in an exit handler."""
import atexit

import torch

x = torch.arange(6, dtype=torch.float32).reshape(2, 3)
x.add_(1)
strided = torch.arange(12, dtype=torch.float32).reshape(3, 4).t()
doubled = strided * 2
mask = torch.tensor([1, 2, 3], dtype=torch.int64) > 1
lin = torch.nn.Linear(4, 4)
with torch.no_grad():
    for i in range(20):
        lin(torch.full((2, 4), float(i)))
    lin.weight.add_(1)
    lin(torch.full((2, 4), 20.0))
    ones = torch.ones(2, 4)
    lin(ones)
    lin(ones)
# Values of 64 KiB and up are written on the recorder's own thread; an op
# that writes to one waits until it is on disk.
# 128 MiB ahead in the queue: `big` is changed long before its turn comes.
backlog = torch.full((4096, 8192), 3.0)
big = torch.arange(65536, dtype=torch.float32).reshape(256, 256)
big.mul_(2)
big.add_(big)
print("small_ops done", mask.tolist(), float(doubled.sum()))


# Exit handlers registered after torch was imported run before the recorder
# closes the spool (recorder/python/sitecustomize.py): their operators count.
@atexit.register
def last_words():
    torch.arange(5).cumsum(0)
