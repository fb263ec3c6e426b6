"""A dense encoder and a separate sparse encoder, served as one."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from taixin_qa.models.base import DenseEncoder, EncoderBase, QueryVectors, SparseEncoder, SparseVector
from taixin_qa.models.threads import PassPool, serving_pool


class HybridEncoder(EncoderBase):
    """``dense`` for vectors, ``sparse`` for latent terms; a question's two passes run at once.

    The dense pass runs on the calling thread, the sparse one on a pool worker.
    The index records the dense model's id.
    """

    def __init__(self, dense: DenseEncoder, sparse: SparseEncoder, pool: PassPool | None = None):
        self.dense = dense
        self.sparse = sparse
        self.model_id = dense.model_id
        self.dim = dense.dim
        self.sparse_dim = int(sparse.sparse_dim)
        self._pool = pool

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self.dense.encode_queries(texts)

    def encode_passages(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        return self.dense.encode_passages(texts, progress)

    def encode_sparse(self, texts: Sequence[str]) -> list[SparseVector]:
        return self.sparse.encode_sparse(texts)

    def encode_query(self, text: str, *, sparse: bool = True) -> QueryVectors:
        pending = (self._pool or serving_pool()).submit(self.sparse.encode_sparse, [text]) if sparse else None
        dense = self.dense.encode_queries([text])[0]
        return QueryVectors(dense, pending.result()[0] if pending is not None else None)
