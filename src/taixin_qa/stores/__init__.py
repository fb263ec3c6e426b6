"""Where chunks, their vectors and their keyword tokens are kept: one small protocol, two stores.

* ``faiss`` (default): the content-addressed bundle in ``embeddings/`` that
  ``taixin-qa build`` writes (:mod:`taixin_qa.store`), searched in process.
* ``milvus``: a Milvus collection, for corpora beyond one machine
  (:mod:`taixin_qa.stores.milvus`). ``milvus:./path.db`` is the embedded
  edition (milvus-lite, a local file); ``milvus://host:19530`` a server.

A store returns *candidates*: the union of the dense, learned-sparse and keyword
top lists, with filters applied in the store. Fusion, the scope judge and the
answer composer stay in the engine and run on those candidates.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

import numpy as np

from taixin_qa.chunking import Passage
from taixin_qa.errors import TaixinError

if TYPE_CHECKING:
    from taixin_qa.stores.milvus import MilvusStore

SparseVector = tuple[np.ndarray, np.ndarray]  # (term ids, weights)


@dataclass
class ChunkRecord:
    """One passage as a store holds it."""

    passage: Passage
    content_hash: str
    vector: np.ndarray
    sentences: list[str]
    sentence_vectors: np.ndarray
    tokens: list[str]  # keyword tokens of the indexed text (our jieba + lexicon)
    sparse: SparseVector | None = None  # learned sparse vector, when the model has a sparse head


@dataclass(frozen=True)
class Filters:
    """Restrict candidates to some interviews (the engine resolves speaker/district names to ids)."""

    interview_ids: frozenset[str] | None = None
    kinds: frozenset[str] | None = None
    ids: frozenset[str] | None = None  # only these passages

    @property
    def empty(self) -> bool:
        return self.interview_ids is None and self.kinds is None and self.ids is None


@dataclass(frozen=True)
class Hit:
    id: str
    score: float


@dataclass
class Description:
    """What a store holds: the model and settings that made it, and one content hash per chunk."""

    model_id: str = ""
    dim: int = 0
    sparse_dim: int = 0
    settings: dict = field(default_factory=dict)
    chunk_hashes: dict[str, str] = field(default_factory=dict)


class Store(Protocol):
    def describe(self) -> Description: ...

    def upsert(self, records: Sequence[ChunkRecord]) -> None: ...

    def delete(self, ids: Sequence[str]) -> None: ...

    def set_description(self, description: Description) -> None: ...

    def search_dense(self, vector: np.ndarray, k: int, filters: Filters | None = None) -> list[Hit]: ...

    def search_sparse(self, sparse: SparseVector, k: int, filters: Filters | None = None) -> list[Hit]: ...

    def search_keyword(self, tokens: Sequence[str], k: int, filters: Filters | None = None) -> list[Hit]: ...

    def fetch(self, ids: Sequence[str]) -> list[ChunkRecord]: ...


def candidates(
    store: Store,
    vector: np.ndarray,
    sparse: SparseVector | None,
    tokens: Sequence[str],
    k: int,
    filters: Filters | None = None,
) -> list[str]:
    """Union of the dense, learned-sparse and keyword top ``k`` (in that order, without repeats)."""
    hits = store.search_dense(vector, k, filters)
    if sparse is not None and len(sparse[0]):
        hits += store.search_sparse(sparse, k, filters)
    if tokens:
        hits += store.search_keyword(tokens, k, filters)
    return list(dict.fromkeys(h.id for h in hits))


def open_store(spec: str | None, *, collection: str | None = None) -> MilvusStore | None:
    """The store a spec names; None for the default (the FAISS bundle, opened by the engine).

    ``milvus:./path.db`` (embedded file), ``milvus://host:19530`` (a server), ``faiss`` or None.
    """
    if spec is None or spec in ("", "faiss"):
        return None
    if spec.startswith("milvus:"):
        from taixin_qa.stores.milvus import MilvusStore

        rest = spec[len("milvus:") :]
        uri = f"http:{rest}" if rest.startswith("//") else rest
        return MilvusStore(uri, collection=collection)
    raise TaixinError(f"Unknown store {spec!r}. Use faiss (the default), milvus:./file.db or milvus://host:19530.")
