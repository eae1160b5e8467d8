"""The architectures of the zoo (traces/zoo/driver.py builds and runs them):
each a transformers config class with small widths and a few layers, the
kind of run (causal/seq2seq/speech generate a few tokens; encoder and image
run one forward pass), the model class, and the dtypes it is recorded in.
Plain Python without torch, so that CMake can list the recordings:

    python3 architectures.py      # "ARCH DTYPE" per line (tests/zoo)
"""
import sys

NEW_TOKENS = 3
BATCH = 2
PROMPT = 7
# Small widths, a few layers: every kernel shape class appears, nothing is big.
LM = dict(vocab_size=256, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
          num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=128)
LLM_DTYPES = ("float32", "bfloat16", "float16")
VISION_DTYPES = ("float32", "float16")

# architecture -> (config class, config kwargs, kind, model class, dtypes)
ARCHITECTURES = {
    "llama": ("LlamaConfig", LM, "causal", "AutoModelForCausalLM", LLM_DTYPES),
    "qwen2": ("Qwen2Config", LM, "causal", "AutoModelForCausalLM", LLM_DTYPES),
    "mistral": ("MistralConfig", dict(LM, sliding_window=16), "causal", "AutoModelForCausalLM",
                LLM_DTYPES),
    "phi3": ("Phi3Config", dict(LM, pad_token_id=0), "causal", "AutoModelForCausalLM", LLM_DTYPES),
    "gpt2": ("GPT2Config", dict(vocab_size=256, n_embd=64, n_layer=2, n_head=4, n_positions=128),
             "causal", "AutoModelForCausalLM", LLM_DTYPES),
    "gpt_neox": ("GPTNeoXConfig", dict(vocab_size=256, hidden_size=64, intermediate_size=128,
                                       num_hidden_layers=2, num_attention_heads=4,
                                       max_position_embeddings=128), "causal",
                 "AutoModelForCausalLM", LLM_DTYPES),
    "mixtral": ("MixtralConfig", dict(LM, num_local_experts=4, num_experts_per_tok=2), "causal",
                "AutoModelForCausalLM", LLM_DTYPES),
    "mamba": ("MambaConfig", dict(vocab_size=256, hidden_size=64, state_size=8,
                                  num_hidden_layers=2, expand=2, conv_kernel=4,
                                  use_mambapy=False), "causal", "AutoModelForCausalLM",
              LLM_DTYPES),
    "bert": ("BertConfig", dict(vocab_size=256, hidden_size=64, intermediate_size=128,
                                num_hidden_layers=2, num_attention_heads=4,
                                max_position_embeddings=128), "encoder", "AutoModel", LLM_DTYPES),
    "t5": ("T5Config", dict(vocab_size=256, d_model=64, d_kv=16, d_ff=128, num_layers=2,
                            num_decoder_layers=2, num_heads=4, decoder_start_token_id=0,
                            pad_token_id=0, eos_token_id=1), "seq2seq",
           "AutoModelForSeq2SeqLM", LLM_DTYPES),
    "whisper": ("WhisperConfig", dict(vocab_size=256, d_model=64, encoder_layers=2,
                                      decoder_layers=2, encoder_attention_heads=4,
                                      decoder_attention_heads=4, encoder_ffn_dim=128,
                                      decoder_ffn_dim=128, num_mel_bins=16,
                                      max_source_positions=32, max_target_positions=64,
                                      decoder_start_token_id=1, pad_token_id=0,
                                      eos_token_id=2, bos_token_id=1,
                                      suppress_tokens=None, begin_suppress_tokens=None),
                "speech", "AutoModelForSpeechSeq2Seq", VISION_DTYPES),
    "vit": ("ViTConfig", dict(image_size=32, patch_size=8, num_channels=3, hidden_size=64,
                              intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
                              num_labels=10), "image", "AutoModelForImageClassification",
            VISION_DTYPES),
    "resnet": ("ResNetConfig", dict(num_channels=3, embedding_size=16, hidden_sizes=[16, 32],
                                    depths=[1, 1], layer_type="basic", num_labels=10),
               "image", "AutoModelForImageClassification", VISION_DTYPES),
}


def recordings():
    """Every (architecture, dtype) the zoo records."""
    return [(arch, dtype) for arch, entry in ARCHITECTURES.items() for dtype in entry[4]]


if __name__ == "__main__":
    for arch, dtype in recordings():
        print(arch, dtype)
    sys.exit(0)
