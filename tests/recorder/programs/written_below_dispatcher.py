"""An op whose CPU kernel writes a tensor below the dispatcher, then reads it
through an observed op: a mixture-of-experts router counting tokens per
expert with torch.histc. histc's kernel allocates a scratch tensor, clears
it with aten::zero_ (observed), fills it through raw pointers (not
observed) and sums it with aten::sum.IntList_out (observed). A recorder
that trusts its tensor cache for the scratch tensor carves the sum's input
as the zeros it saw last: the recorded counts are [3, 5, 5, 7] and a
correct kernel replays 0. tests/recorder and tests/replayer record this.
"""
import torch


class Router(torch.nn.Module):
    def __init__(self, experts: int):
        super().__init__()
        self.experts = experts

    def forward(self, expert_of_token: torch.Tensor) -> torch.Tensor:
        # tokens per expert, as MoE load balancing computes it
        return torch.histc(expert_of_token.float(), bins=self.experts, min=0,
                           max=self.experts - 1)


def main():
    torch.manual_seed(0)
    expert_of_token = torch.tensor([0] * 3 + [1] * 5 + [2] * 5 + [3] * 7)
    expert_of_token = expert_of_token[torch.randperm(expert_of_token.numel())]
    with torch.no_grad():
        counts = Router(4)(expert_of_token)
    print("tokens per expert:", counts.tolist())
    assert counts.tolist() == [3.0, 5.0, 5.0, 7.0], counts


if __name__ == "__main__":
    main()
