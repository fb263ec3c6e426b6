"""The search engine behind every door: Python API, command line and chat.

>>> engine = Engine()                       # the project's corpus/ and embeddings/
>>> [p.speaker for p in engine.retrieve("阳曲县的发展目标是什么？", k=3)][:1]
['裴耀军']
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import numpy as np

from taixin_qa.answering import Answer, compose_answer
from taixin_qa.build import build_index, plan
from taixin_qa.chunking import Passage
from taixin_qa.corpus import Corpus, load_corpus
from taixin_qa.encoders import Encoder, has_sparse, load_encoder, model_id_for, sparse_dim_for
from taixin_qa.errors import TaixinError
from taixin_qa.fusion import KIND_PRIOR, Signals, fuse, is_answerable
from taixin_qa.lexicon import Lexicon, pinyin_key, short_place_names
from taixin_qa.query import MAX_QUESTION_CHARS, Question, QueryParser
from taixin_qa.scope import ScopeJudge
from taixin_qa.store import IndexData, MANIFEST, read_index
from taixin_qa.tokenization import Tokenizer, normalize

log = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CORPUS = Path(os.environ.get("TAIXIN_QA_CORPUS", PROJECT_ROOT / "corpus"))
DEFAULT_INDEX = Path(os.environ.get("TAIXIN_QA_INDEX", PROJECT_ROOT / "embeddings"))
QUERY_CACHE_SIZE = 2048
# Above this many passages the sentence-level and learned-sparse channels are
# computed only for candidates (the dense and BM25 top lists plus named
# interviews): both are exact scans that dominate a query at 100k chunks
# (benchmarks/README.md). Below it every passage is scored, exactly.
CANDIDATES_FROM = 2000
CANDIDATES_PER_CHANNEL = 300


@dataclass(frozen=True)
class SearchResult:
    question: Question
    passages: list[Passage]
    answerable: bool
    query_vector: np.ndarray | None = None
    notice: str = ""
    reason: str = ""   # why the page does or does not cover the question
    note: str = ""     # our corpus note about a gap, when that is the reason
    snapshot: Any = field(default=None, repr=False, compare=False)  # the index these passages came from


@dataclass
class _Snapshot:
    """One loaded index. Swapped as a whole, so a query sees one index, never a mix."""

    data: IndexData
    passages: list[Passage]
    faiss_index: Any
    bm25: Any
    kind_prior: np.ndarray
    interview_rows: dict[str, np.ndarray]
    manifest_mtime: float
    sentence_rows: list[list[int]] = field(default_factory=list)
    sparse_columns: Any = None  # passages x latent terms, column-major for per-term lookups
    sparse_rows: Any = None     # the same, row-major, for scoring a few candidate passages
    judge: ScopeJudge | None = None
    row_of: dict[str, int] = field(default_factory=dict)


class Engine:
    """Hybrid dense + keyword search with speaker attribution over one corpus.

    ``model`` is a model spec (see :func:`taixin_qa.encoders.load_encoder`);
    ``encoder`` passes a ready encoder instead (tests use a fake one). With
    ``auto_build`` a missing, damaged or stale index is rebuilt on first use,
    with a message on stderr; without it such an index is an error.
    """

    def __init__(self, corpus_dir: Path | str | None = None, index_dir: Path | str | None = None,
                 model: str | None = None, *, encoder: Encoder | None = None, auto_build: bool = True,
                 strategy: str = "hybrid", progress: bool = True):
        self.corpus_dir = Path(corpus_dir or DEFAULT_CORPUS)
        self.index_dir = Path(index_dir or DEFAULT_INDEX)
        self.model = model
        self.strategy = strategy
        self.auto_build = auto_build
        self.progress = progress
        self._encoder = encoder
        self._snapshot: _Snapshot | None = None
        self._open_lock = threading.Lock()
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_lock = threading.Lock()
        self.corpus: Corpus = load_corpus(self.corpus_dir)
        self.lexicon = Lexicon.from_corpus(self.corpus)
        self.tokenizer = Tokenizer(self.lexicon)
        self.parser = QueryParser(self.lexicon, self.tokenizer)

    # -- loading -----------------------------------------------------------
    @property
    def model_id(self) -> str:
        return self._encoder.model_id if self._encoder is not None else model_id_for(self.model)

    @property
    def encoder(self) -> Encoder:
        if self._encoder is None:
            self._encoder = load_encoder(self.model)
        return self._encoder

    def open(self) -> "Engine":
        """Load the index (building it first when needed) and the model. Safe to call twice."""
        self._ensure_snapshot()
        _ = self.encoder
        self.tokenizer.cut("太忻经济区")  # load jieba now, not on the first question
        return self

    def _ensure_snapshot(self) -> _Snapshot:
        snap = self._snapshot
        if snap is not None:
            return snap
        with self._open_lock:
            if self._snapshot is None:
                self._snapshot = self._load(build_if_needed=True)
            return self._snapshot

    @property
    def sparse_dim(self) -> int:
        if self._encoder is not None:
            return int(self._encoder.sparse_dim) if has_sparse(self._encoder) else 0
        return sparse_dim_for(self.model)

    def _load(self, build_if_needed: bool) -> _Snapshot:
        spec = self.model if self._encoder is None else self.model_id
        _, _, reason = plan(self.corpus, self.index_dir, spec, self.sparse_dim)
        if reason:
            if not (build_if_needed and self.auto_build):
                raise TaixinError(f"The index at {self.index_dir} cannot be used: {reason}. Run `taixin-qa build`.")
            print(f"taixin-qa: building the index ({reason}) ...", file=sys.stderr, flush=True)
            report = build_index(self.corpus_dir, self.index_dir, self.model, encoder=self._encoder,
                                 progress=self.progress)
            print(f"taixin-qa: {report.summary()}", file=sys.stderr, flush=True)
        return self._snapshot_from(read_index(self.index_dir))

    def _snapshot_from(self, data: IndexData) -> _Snapshot:
        import bm25s
        import faiss

        passages = [Passage(**p) for p in data.passages]
        index = None  # exact search is a numpy mat-vec over data.vectors; no second copy
        if data.faiss_bytes is not None:
            index = faiss.deserialize_index(data.faiss_bytes)
            index.hnsw.efSearch = 128
        bm25 = bm25s.BM25()
        bm25.vocab_dict = data.vocab
        bm25.unique_token_ids_set = set(data.vocab.values())
        bm25.scores = {**data.bm25, "num_docs": len(passages)}
        bm25.nonoccurrence_array = None
        rows: dict[str, list[int]] = {}
        for i, p in enumerate(passages):
            rows.setdefault(p.interview_id, []).append(i)
        sentence_rows: list[list[int]] = [[] for _ in passages]
        for s, owner in enumerate(data.sentence_owner.tolist()):
            sentence_rows[owner].append(s)
        try:
            mtime = (self.index_dir / MANIFEST).stat().st_mtime
        except OSError:
            mtime = 0.0
        sparse_columns = sparse_rows = None
        if data.sparse is not None and data.manifest.sparse_dim:
            from scipy.sparse import csr_matrix

            sparse_rows = csr_matrix((data.sparse["data"], data.sparse["indices"], data.sparse["indptr"]),
                                     shape=(len(passages), data.manifest.sparse_dim))
            sparse_columns = sparse_rows.tocsc()
        return _Snapshot(sparse_columns=sparse_columns, sparse_rows=sparse_rows,
                         judge=ScopeJudge(self.corpus, data.vocab), row_of={p.id: i for i, p in enumerate(passages)},
                         data=data, passages=passages, faiss_index=index, bm25=bm25,
                         kind_prior=np.array([KIND_PRIOR.get(p.kind, 0.0) for p in passages]),
                         interview_rows={k: np.array(v) for k, v in rows.items()},
                         manifest_mtime=mtime, sentence_rows=sentence_rows)

    def reload_if_changed(self) -> bool:
        """Swap in a newer index if a build replaced it; queries in flight keep the old one."""
        snap = self._snapshot
        if snap is None:
            return False
        try:
            mtime = (self.index_dir / MANIFEST).stat().st_mtime
        except OSError:
            return False
        if mtime == snap.manifest_mtime:
            return False
        try:
            new = self._snapshot_from(read_index(self.index_dir))
        except TaixinError as exc:
            log.warning("new index not loaded, still serving the old one: %s", exc)
            return False
        if new.data.manifest.model_id != self.model_id:
            log.warning("new index was built with %s, not %s; still serving the old one",
                        new.data.manifest.model_id, self.model_id)
            return False
        self._snapshot = new
        with self._cache_lock:
            self._cache.clear()
        return True

    # -- search ------------------------------------------------------------
    def _query_vector(self, text: str, sparse: bool) -> tuple[np.ndarray, Any]:
        """Dense and (if the index has them) sparse vectors of a question, cached: users repeat questions."""
        key = f"{int(sparse)}\0{text}"
        with self._cache_lock:
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
                return hit
        enc = self.encoder
        vec = (enc.encode_queries([text])[0], enc.encode_sparse([text])[0] if sparse and has_sparse(enc) else None)
        with self._cache_lock:
            self._cache[key] = vec
            if len(self._cache) > QUERY_CACHE_SIZE:
                self._cache.popitem(last=False)
        return vec

    def _filter_rows(self, snap: _Snapshot, speaker: str | None, district: str | None) -> np.ndarray | None:
        if not speaker and not district:
            return None
        ids = {iv.id for iv in self.corpus.interviews}
        if speaker:
            ids &= self.resolve("speaker", speaker)
        if district:
            ids &= self.resolve("district", district)
        rows = [snap.interview_rows[i] for i in sorted(ids) if i in snap.interview_rows]
        return np.concatenate(rows) if rows else np.array([], dtype=int)

    def resolve(self, field_name: str, value: str) -> set[str]:
        """Interview ids for a speaker or district filter value (name, short name, id or pinyin)."""
        value = normalize(str(value)).strip()
        key = pinyin_key(value)
        out = set()
        for iv in self.corpus.interviews:
            if field_name == "speaker":
                names = {iv.speaker, iv.id, *iv.speaker_aliases}
            else:
                names = {n for d in iv.districts for n in short_place_names(d)} | set(iv.district_aliases)
            if value in names or (key and key in {pinyin_key(n) for n in names}) or value == iv.district:
                out.add(iv.id)
        if not out:
            choices = sorted({iv.speaker for iv in self.corpus.interviews} if field_name == "speaker"
                             else {d for iv in self.corpus.interviews for d in iv.districts})
            raise TaixinError(f"Unknown {field_name} {value!r}. Choose one of: {'、'.join(choices)}.")
        return out

    def signals(self, question: Question, snap: _Snapshot, qvec: np.ndarray, qsparse: Any = None) -> Signals:
        n = len(snap.passages)
        if snap.faiss_index is None:
            cosine = snap.data.vectors @ qvec
        else:
            # Approximate index: exact cosine for its top hits, the rest stay low.
            k = min(n, 200)
            sims, ids = snap.faiss_index.search(qvec[None, :].astype(np.float32), k)
            cosine = np.full(n, float(sims[0].min()) - 0.05 if k else 0.0, dtype=np.float32)
            valid = ids[0] >= 0
            cosine[ids[0][valid]] = sims[0][valid]
        known = [t for t in question.tokens if t in snap.bm25.vocab_dict]
        bm25 = snap.bm25.get_scores(known) if known else np.zeros(n, dtype=np.float32)
        named = np.zeros(n, dtype=np.float32)
        for interview_id in question.interview_ids:
            rows = snap.interview_rows.get(interview_id)
            if rows is not None:
                named[rows] = 1.0

        if n > CANDIDATES_FROM:
            m = CANDIDATES_PER_CHANNEL
            candidates = np.unique(np.concatenate([np.argpartition(-cosine, m)[:m], np.argpartition(-bm25, m)[:m],
                                                   np.flatnonzero(named)])).astype(np.int64)
        else:
            candidates = np.arange(n)

        sentence_cosine = np.array(cosine, dtype=np.float32, copy=True)
        owners = [snap.sentence_rows[c] for c in candidates]
        sentence_ids = np.fromiter((s for rows in owners for s in rows), dtype=np.int64)
        if sentence_ids.size:
            per_sentence = snap.data.sentence_vectors[sentence_ids] @ qvec
            best = np.full(n, -np.inf, dtype=np.float32)
            np.maximum.at(best, snap.data.sentence_owner[sentence_ids], per_sentence)
            sentence_cosine = np.where(np.isfinite(best), best, sentence_cosine)

        sparse = np.zeros(n, dtype=np.float32)
        if qsparse is not None and snap.sparse_rows is not None and len(qsparse[0]):
            idx, val = qsparse
            if len(candidates) == n:
                sparse = np.asarray(snap.sparse_columns[:, np.asarray(idx)] @ np.asarray(val, np.float32)).ravel()
            else:
                query = np.zeros(snap.sparse_rows.shape[1], dtype=np.float32)
                query[np.asarray(idx)] = val
                sparse[candidates] = snap.sparse_rows[candidates] @ query

        content = [t for t in question.tokens if len(t) > 1 or not t.isascii()]
        coverage = (sum(1 for t in content if t in snap.bm25.vocab_dict) / len(content)) if content else 0.0
        return Signals(cosine=np.asarray(cosine, dtype=np.float32), bm25=np.asarray(bm25, dtype=np.float32),
                       named=named, kind_prior=snap.kind_prior, chinese_share=question.chinese_share,
                       keyword_coverage=coverage, sparse=sparse.astype(np.float32),
                       sentence_cosine=np.asarray(sentence_cosine, dtype=np.float32))

    def search(self, question: Any, k: int = 5, speaker: str | None = None, district: str | None = None,
               history: Iterable[Any] | None = None, strategy: str | None = None) -> SearchResult:
        """Rank passages for a question; ``answerable`` is False when the page does not cover it."""
        self.reload_if_changed()
        snap = self._ensure_snapshot()
        q = self.parser.parse(question, history)
        notice = ""
        if q.truncated:
            notice = f"问题过长，只按前 {MAX_QUESTION_CHARS} 个字检索。"
        if q.is_empty or not snap.passages:
            return SearchResult(q, [], False, None, notice, snapshot=snap)
        k = max(1, min(int(k), len(snap.passages)))
        strategy = strategy or self.strategy
        # Only the hybrid ranking reads the learned-sparse channel: a second encoder pass.
        qvec, qsparse = self._query_vector(q.text, strategy == "hybrid" and snap.sparse_columns is not None)
        sig = self.signals(q, snap, qvec, qsparse)
        scores = fuse(sig, strategy)
        rows = self._filter_rows(snap, speaker, district)
        if rows is not None:
            mask = np.full(len(scores), -np.inf)
            mask[rows] = 0.0
            scores = scores + mask
        if len(scores) > 4 * k:
            part = np.argpartition(-scores, k)[:k]
            top = part[np.argsort(-scores[part], kind="stable")]
        else:
            top = np.argsort(-scores, kind="stable")[:k]
        passages = [snap.passages[i].with_score(scores[i]) for i in top if np.isfinite(scores[i])]
        if strategy == "hybrid" and snap.judge is not None:
            decision = snap.judge.judge(q, sig, passages, filtered=rows is not None)
            answerable, reason, note = decision.answerable, decision.reason, decision.note
        else:
            answerable, reason, note = is_answerable(sig, strategy), "", ""
        if not answerable or not passages:
            return SearchResult(q, [], False, qvec, notice, reason or "no passage", note, snapshot=snap)
        return SearchResult(q, passages, True, qvec, notice, reason, snapshot=snap)

    def retrieve(self, question: Any, k: int = 5, speaker: str | None = None, district: str | None = None,
                 history: Iterable[Any] | None = None) -> list[Passage]:
        """The best passages for a question, with who said them; [] when the page does not cover it.

        >>> engine.retrieve("谁说要当排头兵？", k=1)[0].speaker
        '裴耀军'
        """
        return self.search(question, k=k, speaker=speaker, district=district, history=history).passages

    def answer(self, question: Any, history: Iterable[Any] | None = None, k: int = 5,
               speaker: str | None = None, district: str | None = None) -> Answer:
        """An extractive answer: the sentences that answer, each with its speaker.

        >>> print(engine.answer("阳曲县的发展目标是什么？").text)   # doctest: +SKIP
        ……努力实现太忻经济区建设“一年见效、三年成形、五年成势、十年成城”。（裴耀军，阳曲县委书记）
        """
        result = self.search(question, k=k, speaker=speaker, district=district, history=history)
        snap = result.snapshot  # the same index the passages came from, even if a swap happened since
        return compose_answer(result, snap.data, snap.row_of, snap.sentence_rows, self.tokenizer)

    def passages(self) -> list[Passage]:
        """Every passage in the index, in corpus order."""
        return list(self._ensure_snapshot().passages)


_default: Engine | None = None
_default_lock = threading.Lock()


def default_engine() -> Engine:
    """The engine over the project's corpus/ and embeddings/, built once per process."""
    global _default
    if _default is None:
        with _default_lock:
            if _default is None:
                _default = Engine(model=os.environ.get("TAIXIN_QA_MODEL") or None)
    return _default
