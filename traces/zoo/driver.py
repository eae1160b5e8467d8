"""The architecture zoo: a small, randomly initialised model of one
architecture, built from transformers' own config class (no download,
seeded), run on real-shaped integer inputs: decoder LMs and the
encoder-decoder models (t5, whisper) greedily generate a few tokens (prefill,
then decode steps with the KV cache); encoders and vision models run one
forward pass. Run it under tapml-record to carve it (traces/zoo/run.cfg):

    ZOO_ARCH=llama ZOO_DTYPE=bfloat16 python driver.py

ZOO_DEVICE is cpu (default) or cuda. ZOO_ARCH is one of ARCHITECTURES, or all (every recording of
architectures.py in one process, for tests/generated/zoo); ZOO_DTYPE
float32 (default), bfloat16 or float16. An architecture the installed transformers lacks, or a dtype the
zoo does not record it in, is one line on stderr and exit 2."""
import os
import sys

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

import torch  # noqa: E402
import transformers  # noqa: E402

from architectures import ARCHITECTURES, BATCH, NEW_TOKENS, PROMPT, recordings  # noqa: E402


def fail(message: str) -> int:
    print(f"zoo: {message}", file=sys.stderr)
    return 2


def build(arch: str, dtype: torch.dtype):
    config_class, kwargs, kind, model_class, _ = ARCHITECTURES[arch]
    config = getattr(transformers, config_class)(**kwargs)
    torch.manual_seed(0)
    factory = getattr(transformers, model_class)
    try:
        model = factory.from_config(config, dtype=dtype)
    except TypeError:  # transformers before 4.56 names it torch_dtype
        model = factory.from_config(config, torch_dtype=dtype)
    return model.eval(), config, kind


def run(model, config, kind: str, dtype: torch.dtype, device: str):
    g = torch.Generator().manual_seed(1)
    on = lambda t: t.to(device)  # noqa: E731  inputs made on the CPU (same values everywhere)
    if kind == "causal":
        ids = on(torch.randint(3, config.vocab_size, (BATCH, PROMPT), generator=g))
        out = model.generate(input_ids=ids, attention_mask=torch.ones_like(ids),
                             max_new_tokens=NEW_TOKENS, min_new_tokens=NEW_TOKENS,
                             do_sample=False, pad_token_id=0)
        return out[:, PROMPT:].tolist()
    if kind == "seq2seq":
        ids = on(torch.randint(3, config.vocab_size, (BATCH, PROMPT), generator=g))
        out = model.generate(input_ids=ids, attention_mask=torch.ones_like(ids),
                             max_new_tokens=NEW_TOKENS, min_new_tokens=NEW_TOKENS,
                             do_sample=False)
        return out.tolist()
    if kind == "speech":
        frames = 2 * config.max_source_positions  # the encoder's two convolutions halve it
        features = on(torch.randn(BATCH, config.num_mel_bins, frames, generator=g).to(dtype))
        out = model.generate(input_features=features, max_new_tokens=NEW_TOKENS,
                             min_new_tokens=NEW_TOKENS, do_sample=False)
        return out.tolist()
    if kind == "encoder":
        ids = torch.randint(3, config.vocab_size, (BATCH, PROMPT), generator=g)
        mask = torch.ones_like(ids)
        mask[1, -2:] = 0  # a padded row, as a real batch has
        ids, mask = on(ids), on(mask)
        return model(input_ids=ids, attention_mask=mask).last_hidden_state.float().sum().item()
    pixels = on(torch.randn(BATCH, config.num_channels, 32, 32, generator=g).to(dtype))
    return model(pixel_values=pixels).logits.argmax(-1).tolist()


def run_one(arch: str, dtype_name: str) -> int:
    config_class, _, _, model_class, dtypes = ARCHITECTURES[arch]
    if not hasattr(transformers, config_class) or not hasattr(transformers, model_class):
        return fail(f"{arch}: transformers {transformers.__version__} has no {config_class}; "
                    "install a transformers that does (requirements.txt)")
    # On CUDA every architecture runs in every dtype; the CPU list is what
    # torch's CPU kernels support.
    device = os.environ.get("ZOO_DEVICE", "cpu")
    allowed = dtypes if device == "cpu" else ("float32", "bfloat16", "float16")
    if dtype_name not in allowed:
        return fail(f"ZOO_DTYPE={dtype_name!r}: {arch} is recorded in {', '.join(allowed)}")
    dtype = getattr(torch, dtype_name)
    torch.manual_seed(0)
    model, config, kind = build(arch, dtype)
    model.to(device)
    with torch.no_grad():
        result = run(model, config, kind, dtype, device)
    print(f"zoo {arch} {dtype_name}: {result}")
    return 0


def main() -> int:
    arch = os.environ.get("ZOO_ARCH", "")
    dtype_name = os.environ.get("ZOO_DTYPE", "float32")
    torch.set_num_threads(1)
    if arch == "all":
        # Every recording in one process (one trace: tests/generated/zoo's source).
        for one_arch, one_dtype in recordings():
            if run_one(one_arch, one_dtype) != 0:
                return 2
        return 0
    if arch not in ARCHITECTURES:
        return fail(f"ZOO_ARCH={arch!r}: not in the zoo ({', '.join(ARCHITECTURES)}; or all)")
    return run_one(arch, dtype_name)


if __name__ == "__main__":
    sys.exit(main())
