"""A loaded index, ready to score passages for a question.

``Index.load(dir)`` reads and verifies the bundle that ``taixin-qa build``
wrote (see :mod:`taixin_qa.store`) and returns an object that answers one
question: how strongly does each passage match, on every channel
(:class:`taixin_qa.fusion.Signals`). Fusion, the scope judge and the answer
composer work from those signals; the engine swaps a whole ``Index`` at once
when a rebuild replaces it, so a query never sees a mix of two indexes.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from taixin_qa.chunking import Passage
from taixin_qa.fusion import Signals
from taixin_qa.keywords import KeywordIndex
from taixin_qa.settings import SETTINGS, Settings
from taixin_qa.store import MANIFEST, IndexData, Manifest, load_faiss, read_index

if TYPE_CHECKING:
    from taixin_qa.query import Question

SparseQuery = tuple[np.ndarray, np.ndarray]  # (latent term ids, weights)


_ASKS_PICTURE = re.compile(r"图片|照片|图注|配图|图说|\b(?:caption|photo|picture)s?\b", re.I)


class Index:
    """Passages, their vectors and keyword index, loaded from one verified bundle."""

    def __init__(self, data: IndexData, settings: Settings = SETTINGS, manifest_mtime: float = 0.0):
        self.data = data
        self.settings = settings
        self.manifest_mtime = manifest_mtime
        self.passages: list[Passage] = [Passage(**p) for p in data.passages]
        self.row_of: dict[str, int] = {p.id: i for i, p in enumerate(self.passages)}
        self.keywords = KeywordIndex.from_arrays(data.bm25, data.vocab, len(self.passages))
        rows: dict[str, list[int]] = {}
        for i, p in enumerate(self.passages):
            rows.setdefault(p.interview_id, []).append(i)
        self.interview_rows: dict[str, np.ndarray] = {k: np.array(v, dtype=np.int64) for k, v in rows.items()}
        # Sentences are stored grouped by passage, in order: passage r owns the
        # contiguous slice sentence_start[r]:sentence_start[r + 1].
        owner = np.asarray(data.sentence_owner, dtype=np.int64)
        counts = (
            np.bincount(owner, minlength=len(self.passages))
            if owner.size
            else np.zeros(len(self.passages), dtype=np.int64)
        )
        self._order = np.argsort(owner, kind="stable")
        self.sentence_start = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        prior = {"caption": settings.fusion.caption_prior}
        self.kind_prior = np.array([prior.get(p.kind, 0.0) for p in self.passages], dtype=np.float32)
        # Exact search is a numpy mat-vec over data.vectors; an HNSW graph is checked against the passages.
        self.faiss_index: Any = load_faiss(data)
        if self.faiss_index is not None:
            self.faiss_index.hnsw.efSearch = settings.ann.ef_search
        self.sparse_rows: Any = None  # passages x latent terms, for scoring a few candidates
        self.sparse_columns: Any = None  # the same by column, for per-term lookups over all passages
        if data.sparse is not None and data.manifest.sparse_dim:
            from scipy.sparse import csr_matrix

            self.sparse_rows = csr_matrix(
                (data.sparse["data"], data.sparse["indices"], data.sparse["indptr"]),
                shape=(len(self.passages), data.manifest.sparse_dim),
            )
            self.sparse_columns = self.sparse_rows.tocsc()

    @classmethod
    def load(cls, index_dir: Path | str, settings: Settings = SETTINGS) -> Index:
        """Read and verify ``index_dir``; raises :class:`TaixinError` when it is missing or damaged."""
        index_dir = Path(index_dir)
        try:
            mtime = (index_dir / MANIFEST).stat().st_mtime
        except OSError:
            mtime = 0.0
        return cls(read_index(index_dir), settings, mtime)

    @property
    def manifest(self) -> Manifest:
        return self.data.manifest

    @property
    def has_sparse(self) -> bool:
        return self.sparse_rows is not None

    def __len__(self) -> int:
        return len(self.passages)

    def sentences_of(self, row: int) -> np.ndarray:
        """Ids of the sentences of passage ``row``, in reading order (index into ``data.sentences``)."""
        return self._order[self.sentence_start[row] : self.sentence_start[row + 1]]

    def sentence_text(self, sentence_id: int) -> str:
        return self.data.sentences[int(sentence_id)]

    def sentence_vectors(self, sentence_ids: np.ndarray) -> np.ndarray:
        return np.asarray(self.data.sentence_vectors[sentence_ids])

    def rows_of_interviews(self, interview_ids: set[str] | frozenset[str]) -> np.ndarray:
        rows = [self.interview_rows[i] for i in sorted(interview_ids) if i in self.interview_rows]
        return np.concatenate(rows) if rows else np.array([], dtype=np.int64)

    # -- scoring -------------------------------------------------------------
    def dense_scores(self, qvec: np.ndarray) -> np.ndarray:
        n = len(self.passages)
        if self.faiss_index is None:
            return np.asarray(self.data.vectors @ qvec, dtype=np.float32)
        # Approximate index: exact cosine for its top hits, the rest a little below the lowest.
        k = min(n, self.settings.ann.search_k)
        sims, ids = self.faiss_index.search(qvec[None, :].astype(np.float32), k)
        cosine = np.full(n, float(sims[0].min()) - 0.05 if k else 0.0, dtype=np.float32)
        valid = ids[0] >= 0
        cosine[ids[0][valid]] = sims[0][valid]
        return cosine

    def candidates(self, cosine: np.ndarray, bm25: np.ndarray, named: np.ndarray) -> np.ndarray:
        """The rows worth scoring on every channel: all of them for a small corpus."""
        n = len(self.passages)
        if n <= self.settings.search.candidates_from:
            return np.arange(n)
        m = self.settings.search.candidates_per_channel
        return np.unique(
            np.concatenate([np.argpartition(-cosine, m)[:m], np.argpartition(-bm25, m)[:m], np.flatnonzero(named)])
        ).astype(np.int64)

    def best_sentence_cosine(self, qvec: np.ndarray, candidates: np.ndarray, fallback: np.ndarray) -> np.ndarray:
        """Per passage, the cosine of its best sentence (``fallback`` where it has none or is not a candidate)."""
        out = np.array(fallback, dtype=np.float32, copy=True)
        starts, ends = self.sentence_start[candidates], self.sentence_start[candidates + 1]
        keep = ends > starts
        if not keep.any():
            return out
        rows, starts, lengths = candidates[keep], starts[keep], (ends - starts)[keep]
        # The candidates' sentence slices laid end to end, without a Python loop.
        first = np.concatenate([[0], np.cumsum(lengths)[:-1]])
        ids = self._order[np.arange(int(lengths.sum())) + np.repeat(starts - first, lengths)]
        per_sentence = self.data.sentence_vectors[ids] @ qvec
        out[rows] = np.maximum.reduceat(per_sentence, first)
        return out

    def sparse_scores(self, qsparse: SparseQuery | None, candidates: np.ndarray) -> np.ndarray:
        n = len(self.passages)
        sparse = np.zeros(n, dtype=np.float32)
        if qsparse is None or self.sparse_rows is None or not len(qsparse[0]):
            return sparse
        idx, val = qsparse
        if len(candidates) == n:
            return np.asarray(
                self.sparse_columns[:, np.asarray(idx)] @ np.asarray(val, np.float32), dtype=np.float32
            ).ravel()
        query = np.zeros(self.sparse_rows.shape[1], dtype=np.float32)
        query[np.asarray(idx)] = val
        sparse[candidates] = self.sparse_rows[candidates] @ query
        return sparse

    def signals(self, question: Question, qvec: np.ndarray, qsparse: SparseQuery | None = None) -> Signals:
        """Every channel's score for every passage (see :class:`taixin_qa.fusion.Signals`)."""
        n = len(self.passages)
        if self.faiss_index is None:
            cosine = self.dense_scores(qvec)
        else:
            # One query: faiss would start an OpenMP team in this serving thread and leave it
            # waiting; one thread searches as fast (HNSW 50k, k=200: 1.60 vs 1.76 ms p50). The
            # limit belongs to this thread and is restored, so batch work keeps its full team.
            import faiss

            before = faiss.omp_get_max_threads()
            faiss.omp_set_num_threads(1)
            try:
                cosine = self.dense_scores(qvec)
            finally:
                faiss.omp_set_num_threads(before)
        # An English question's keywords are the page's Chinese words for it (Question.bridge).
        bm25 = self.keywords.scores(question.bridge or question.tokens)
        named = np.zeros(n, dtype=np.float32)
        named_rows = self.rows_of_interviews(question.interview_ids)
        named[named_rows] = 1.0
        candidates = self._candidates_for(cosine, bm25, named, named_rows)
        content = [t for t in question.tokens if len(t) > 1 or not t.isascii()]
        coverage = (sum(1 for t in content if t in self.keywords) / len(content)) if content else 0.0
        return Signals(
            cosine=cosine,
            bm25=bm25,
            named=named,
            # a caption is what a question about the pictures asks for: its prior turns round
            kind_prior=-self.kind_prior if _ASKS_PICTURE.search(question.bare or question.text) else self.kind_prior,
            chinese_share=question.chinese_share,
            keyword_coverage=coverage,
            bridged=bool(question.bridge),
            sparse=self.sparse_scores(qsparse, candidates),
            sentence_cosine=self.best_sentence_cosine(qvec, candidates, cosine),
        )

    def _candidates_for(
        self, cosine: np.ndarray, bm25: np.ndarray, named: np.ndarray, named_rows: np.ndarray
    ) -> np.ndarray:
        """The candidates of :meth:`signals`; a large named interview shares the budget with the rest.

        Every passage of a named interview keeps its entity bonus, but only its best rows by dense
        and by keyword score are candidates, and the corpus-wide lists shrink by as many: a named
        question scores no more passages than an unnamed one. (At 100k synthetic chunks, one
        interview holding 1/6 of them, scoring it whole made named questions 4-5x slower; issue 13.)
        """
        m = self.settings.search.candidates_per_channel
        if len(cosine) <= self.settings.search.candidates_from or len(named_rows) <= m:
            return self.candidates(cosine, bm25, named)
        half = max(1, m // 2)
        return np.unique(
            np.concatenate(
                [
                    np.argpartition(-cosine, half)[:half],
                    np.argpartition(-bm25, half)[:half],
                    named_rows[np.argpartition(-cosine[named_rows], half)[:half]],
                    named_rows[np.argpartition(-bm25[named_rows], half)[:half]],
                ]
            )
        ).astype(np.int64)
