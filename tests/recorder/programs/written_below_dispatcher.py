"""Ops whose CPU kernel writes a tensor through raw pointers (below the
dispatcher, unseen by the recorder) and then calls an observed op that reads
it. The trace must hold what that op read, not the tensor's earlier values
(docs/recording.md, "Writes the recorder sees").

- histc, as a Mixtral-style MoE block counts tokens per expert: aten::zeros
  clears a per-thread scratch histogram (observed), the kernel fills it (not
  observed) and aten::sum.IntList_out adds the threads' rows. The counts are
  [3, 5, 5, 7]; a trace that holds the scratch as zeros replays as
  "expected 7, got 0".
- histogram with density (the same scratch, then sum and div_ of the result)
  and histogramdd (aminmax squeezes its natively written results in place).
- linalg.solve: lu_solve copies its natively solved scratch into the result.
With --queued, last, a histc whose scratch is large (800 KB) while 128 MiB of
values are still queued for the writer thread: had the zeros been queued
too, the trace would store the filled scratch under the zeros' hash.
Run it under tapml-record (tests/recorder, tests/replayer)."""
import sys

import torch


def main() -> None:
    torch.manual_seed(0)
    with torch.no_grad():
        # 10 tokens routed to their top-2 of 4 experts.
        num_experts = 4
        logits = torch.tensor(
            [[4.0, 3.0, 0.0, 0.0], [0.0, 4.0, 3.0, 0.0], [0.0, 0.0, 4.0, 3.0],
             [3.0, 0.0, 0.0, 4.0], [0.0, 4.0, 0.0, 3.0], [0.0, 0.0, 4.0, 3.0],
             [4.0, 0.0, 0.0, 3.0], [0.0, 4.0, 3.0, 0.0], [0.0, 3.0, 0.0, 4.0],
             [0.0, 0.0, 3.0, 4.0]])
        routing = torch.softmax(logits, dim=-1)
        _, selected_experts = torch.topk(routing, 2, dim=-1)
        counts = torch.histc(selected_experts.float(), bins=num_experts, min=0,
                             max=num_experts - 1)
        assert counts.tolist() == [3.0, 5.0, 5.0, 7.0], counts.tolist()

        x = torch.linspace(0.0, 1.0, 64) ** 2
        density, _ = torch.histogram(x, bins=5, density=True)
        points = torch.stack([torch.linspace(0.0, 1.0, 20), torch.linspace(1.0, 0.0, 20) ** 3], 1)
        joint = torch.histogramdd(points, bins=[3, 3]).hist
        a = torch.tensor([[4.0, 1.0, 0.0], [1.0, 3.0, 1.0], [0.0, 1.0, 2.0]])
        solved = torch.linalg.solve(a, torch.tensor([1.0, 2.0, 3.0]))
        if "--queued" in sys.argv:
            backlog = torch.full((4096, 8192), 3.0)
            many = torch.histc(torch.arange(200000, dtype=torch.float32), bins=100000, min=0,
                               max=199999)
            assert many.sum().item() == 200000 and backlog.numel() > 0
    print("written below dispatcher:", counts.tolist(), density.tolist(), joint.sum().item(),
          solved.tolist())


main()
