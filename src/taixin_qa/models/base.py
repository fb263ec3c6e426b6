"""What every encoder offers: dense vectors, optional learned-sparse vectors, and one
call that gives a question both.

An index is built from :meth:`Encoder.encode_passages` (dense) and
:meth:`SparseEncoder.encode_sparse` (the "latent terms" channel); a question is
served by :meth:`Encoder.encode_query`, one call per uncached question, which
runs the two passes side by side where the encoder can.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

#: A learned-sparse vector: (latent ids int32, weights float32), strongest first.
SparseVector = tuple[np.ndarray, np.ndarray]


@dataclass(frozen=True)
class QueryVectors:
    """Both views of one question.

    ``dense`` is a unit float32 vector of the encoder's ``dim``; ``sparse`` is
    ``None`` when the encoder has no sparse head or it was not asked for.
    """

    dense: np.ndarray
    sparse: SparseVector | None = None


@runtime_checkable
class DenseEncoder(Protocol):
    """Questions and passages to unit vectors."""

    model_id: str
    dim: int

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray: ...

    def encode_passages(self, texts: Sequence[str], progress: bool = False) -> np.ndarray: ...


@runtime_checkable
class SparseEncoder(Protocol):
    """Texts to learned-sparse "latent term" vectors (the same recipe for questions and passages)."""

    sparse_dim: int

    def encode_sparse(self, texts: Sequence[str]) -> list[SparseVector]: ...


@runtime_checkable
class Encoder(DenseEncoder, Protocol):
    """What the engine and the builder use: a dense encoder that also answers
    :meth:`encode_query` (and, when ``sparse_dim > 0``, ``encode_sparse``)."""

    def encode_query(self, text: str, *, sparse: bool = True) -> QueryVectors: ...


class EncoderBase:
    """Gives a dense (optionally also sparse) encoder the combined :meth:`encode_query`.

    Subclasses define ``encode_queries`` and ``encode_passages``, and
    ``encode_sparse`` with ``sparse_dim > 0`` when they have a sparse head. The
    default runs the two passes one after the other; encoders whose passes can
    run concurrently override it.
    """

    model_id: str = ""
    dim: int = 0
    sparse_dim: int = 0

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        raise NotImplementedError

    def encode_passages(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        raise NotImplementedError

    def encode_query(self, text: str, *, sparse: bool = True) -> QueryVectors:
        dense = self.encode_queries([text])[0]
        vec = None
        if sparse and has_sparse(self):
            vec = self.encode_sparse([text])[0]  # type: ignore[attr-defined]
        return QueryVectors(dense, vec)


def has_sparse(encoder: object) -> bool:
    """Whether ``encoder`` brings a learned-sparse channel."""
    return int(getattr(encoder, "sparse_dim", 0) or 0) > 0 and callable(getattr(encoder, "encode_sparse", None))


def unit(rows: np.ndarray) -> np.ndarray:
    """Rows scaled to length 1 (zero rows stay zero), as float32."""
    rows = np.asarray(rows, dtype=np.float32)
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return rows / norms


def progress_bar(total: int, enabled: bool, desc: str):
    """A tqdm bar, silent when disabled or empty."""
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit="chunk", disable=not enabled or total == 0, leave=False)
