"""The engine's view of a store for one question: an :class:`~taixin_qa.index.Index` over its candidates.

The store finds candidates: the union of dense, learned-sparse and keyword top-N,
plus a filtered dense search per interview the question names, with the user's
filters applied in the store. Their records are fetched and made into a small
``Index``, so the engine's own signals, fusion, scope judge and answer composer
run on them unchanged. Only the keyword channel comes from the store: BM25 needs
idf over the whole collection, which only the store knows.

    view = candidate_view(store, question, vectors.dense, vectors.sparse)
    signals = view.signals()          # Index.signals with the store's BM25
    scores = fuse(signals, "hybrid", settings)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from taixin_qa.fusion import Signals
from taixin_qa.index import Index
from taixin_qa.keywords import KeywordIndex
from taixin_qa.settings import SETTINGS, Settings
from taixin_qa.store import FORMAT_VERSION, IndexData, Manifest
from taixin_qa.stores import ChunkRecord, Filters, SparseVector, Store, candidates

if TYPE_CHECKING:
    from taixin_qa.query import Question


@dataclass
class CandidateView:
    """An Index over one question's candidates, and the store's BM25 score of each (same row order)."""

    index: Index
    keyword_scores: np.ndarray
    question: Question
    dense: np.ndarray
    sparse: SparseVector | None

    def signals(self) -> Signals:
        signals = self.index.signals(self.question, self.dense, self.sparse)
        return dataclasses.replace(signals, bm25=self.keyword_scores)


def candidate_view(
    store: Store,
    question: Question,
    dense: np.ndarray,
    sparse: SparseVector | None,
    filters: Filters | None = None,
    settings: Settings = SETTINGS,
) -> CandidateView:
    """Fetch the question's candidates from ``store`` and index them for the engine."""
    k = settings.store.candidates_per_channel
    words = question.bridge or question.tokens  # an English question: the page's words for it, as FAISS reads
    ids = candidates(store, dense, sparse, words, k, filters)
    named = frozenset(question.interview_ids)
    if filters is not None and filters.interview_ids is not None:
        named &= filters.interview_ids
    if named:
        ids += [h.id for h in store.search_dense(dense, k, Filters(named, filters.kinds if filters else None))]
    records = store.fetch(list(dict.fromkeys(ids)))
    scores = np.zeros(len(records), dtype=np.float32)
    if records and words:
        # Exact BM25 for every candidate: one keyword search restricted to them.
        row_of = {r.passage.id: i for i, r in enumerate(records)}
        for hit in store.search_keyword(words, len(records), _only(records)):
            scores[row_of[hit.id]] = hit.score
    # The learned-sparse matrix must be wide enough for the candidates' and the question's latent terms.
    width = max([int(np.max(r.sparse[0])) + 1 for r in records if r.sparse is not None and len(r.sparse[0])] or [0])
    if sparse is not None and len(sparse[0]):
        width = max(width, int(np.max(sparse[0])) + 1)
    data = index_data(records, len(dense), width)
    return CandidateView(Index(data, settings), scores, question, dense, sparse)


def _only(records: Sequence[ChunkRecord]) -> Filters:
    return Filters(ids=frozenset(r.passage.id for r in records))


def index_data(records: Sequence[ChunkRecord], dim: int, sparse_dim: int = 0) -> IndexData:
    """An in-memory bundle of fetched records (not written anywhere, so not sealed)."""
    owners = [row for row, r in enumerate(records) for _ in r.sentences]
    sentence_vectors = [r.sentence_vectors for r in records if len(r.sentences)]
    has_sparse = sparse_dim > 0 and any(r.sparse is not None for r in records)
    sparse = None
    if has_sparse:
        rows = [r.sparse if r.sparse is not None else (np.zeros(0, np.int32), np.zeros(0, np.float32)) for r in records]
        sparse = {
            "indices": np.concatenate([np.asarray(i, np.int32) for i, _ in rows]) if rows else np.zeros(0, np.int32),
            "data": np.concatenate([np.asarray(v, np.float32) for _, v in rows]) if rows else np.zeros(0, np.float32),
            "indptr": np.concatenate([[0], np.cumsum([len(i) for i, _ in rows])]).astype(np.int64),
        }
    keywords = KeywordIndex.build([r.tokens for r in records])
    manifest = Manifest(
        model_id="store",
        dim=dim,
        chunker_version=0,
        index_type="flat",
        chunk_hashes={r.passage.id: r.content_hash for r in records},
        bundle="",
        bundle_sha256="",
        sparse_dim=sparse_dim if has_sparse else 0,
        format_version=FORMAT_VERSION,
    )
    return IndexData(
        manifest=manifest,
        passages=[r.passage.to_dict() for r in records],
        tokens=[r.tokens for r in records],
        vectors=np.stack([r.vector for r in records]).astype(np.float32) if records else np.zeros((0, dim), np.float32),
        sentence_vectors=np.concatenate(sentence_vectors).astype(np.float32)
        if sentence_vectors
        else np.zeros((0, dim), np.float32),
        sentence_owner=np.asarray(owners, dtype=np.int32),
        sentences=[s for r in records for s in r.sentences],
        bm25=keywords.arrays(),
        vocab=keywords.vocab,
        sparse=sparse,
        row_hashes=[r.content_hash for r in records],
    )
