"""A tiny decoder-like model (embedding, four residual layers, head) that
greedily generates 6 tokens, recorded twice by the diff tests. The environment
variable TAPML_DIFF_PERTURB changes values, never the op stream, except
`extra_op`:
  none     identical runs
  ulp      layers.1's output gain is 1 + 1.2e-7 (one float32 ulp): calls differ
           within tolerance
  gelu     layers.1 uses gelu's tanh approximation: its aten::gelu is the first
           diverging call, with identical inputs
  tokens   layers.1's gain is -3: the generated tokens change
  extra_op one more top-level op after the first generation step: the
           streams stop matching
"""
import os

import torch

PERTURB = os.environ.get("TAPML_DIFF_PERTURB", "none")
GAINS = {"ulp": 1.0 + 1.2e-7, "tokens": -3.0}


class Layer(torch.nn.Module):
    def __init__(self, width: int, perturbed: bool):
        super().__init__()
        self.fc = torch.nn.Linear(width, width)
        self.gain = GAINS.get(PERTURB, 1.0) if perturbed else 1.0
        self.approximate = "tanh" if perturbed and PERTURB == "gelu" else "none"

    def forward(self, x):
        return x + torch.nn.functional.gelu(self.fc(x), approximate=self.approximate) * self.gain


class TinyModel(torch.nn.Module):
    def __init__(self, vocab: int = 32, width: int = 16, layers: int = 4):
        super().__init__()
        self.embed = torch.nn.Embedding(vocab, width)
        self.layers = torch.nn.ModuleList(Layer(width, i == 1) for i in range(layers))
        self.head = torch.nn.Linear(width, vocab)

    def forward(self, ids):
        x = self.embed(ids)
        for layer in self.layers:
            x = layer(x)
        return self.head(x)


def main() -> None:
    torch.manual_seed(0)
    model = TinyModel().eval()
    ids = torch.tensor([3, 1, 4], dtype=torch.int64)
    with torch.no_grad():
        for step in range(6):
            logits = model(ids)
            token = torch.argmax(logits[-1])
            ids = torch.cat([ids, token.view(1)])
            if PERTURB == "extra_op" and step == 0:
                torch.exp(logits)
    print("generated ids:", ids[3:].tolist())


if __name__ == "__main__":
    main()
