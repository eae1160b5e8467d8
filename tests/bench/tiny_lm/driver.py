"""A tiny randomly initialised Llama (transformers' own, built from a config:
one layer, width 32, 64-token vocabulary) greedily generating 2 tokens, for
the smoke run of bench/record_overhead.py: the bench's code paths in seconds,
not SmolLM2's load. Prints the "generate seconds:" line the bench reads."""
import os
import sys
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

import torch  # noqa: E402
from transformers import LlamaConfig, LlamaForCausalLM  # noqa: E402


def main() -> int:
    torch.manual_seed(0)
    config = LlamaConfig(vocab_size=64, hidden_size=32, intermediate_size=64,
                         num_hidden_layers=1, num_attention_heads=4, num_key_value_heads=2,
                         max_position_embeddings=64)
    model = LlamaForCausalLM(config).eval()
    ids = torch.tensor([[1, 5, 9, 13]])
    new_tokens = int(os.environ.get("SMOLLM2_NEW_TOKENS", "2"))
    started = time.perf_counter()
    with torch.no_grad():
        out = model.generate(ids, max_new_tokens=new_tokens, min_new_tokens=new_tokens,
                             do_sample=False, pad_token_id=0)
    print("generated ids:", out[0, ids.shape[1]:].tolist())
    print(f"generate seconds: {time.perf_counter() - started:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
