"""The engine behind every door (Python API, command line, chat): a short facade over the pipeline.

question ─► parse (query) ─► encode ─► signals (index) ─► fuse ─► filter ─► scope ─► answer

>>> engine = Engine()                       # the project's corpus/ and embeddings/
>>> [p.speaker for p in engine.retrieve("阳曲县的发展目标是什么？", k=3)][:1]
['裴耀军']
"""

from __future__ import annotations

import logging
import sys
import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from taixin_qa.answering import compose_answer, compose_structure_answer
from taixin_qa.build import ReadOnlyIndexError, build_index, plan
from taixin_qa.chunking import Passage, make_chunks
from taixin_qa.corpus import Corpus, load_corpus
from taixin_qa.dialogue import Focus, focus
from taixin_qa.encoders import Encoder, has_sparse, load_encoder, model_id_for, sparse_dim_for
from taixin_qa.errors import TaixinError
from taixin_qa.fusion import STRATEGIES, Signals, baseline_answerable, fuse
from taixin_qa.index import Index
from taixin_qa.lexicon import Lexicon
from taixin_qa.models import QueryVectors, check_model
from taixin_qa.query import QueryParser, Question
from taixin_qa.results import Answer, SearchResult
from taixin_qa.scope import ScopeJudge
from taixin_qa.settings import SETTINGS, Paths, Runtime, Settings
from taixin_qa.store import MANIFEST, manifest_stamp
from taixin_qa.stores import Filters, Store, open_store
from taixin_qa.stores.view import candidate_view
from taixin_qa.structure import PageStructure
from taixin_qa.tokenization import Tokenizer

log = logging.getLogger(__name__)

History = Iterable[object]


@dataclass(frozen=True)
class Knowledge:
    """Everything read from the corpus folder, swapped together with the index it was built from."""

    corpus: Corpus
    lexicon: Lexicon
    tokenizer: Tokenizer
    parser: QueryParser
    structure: PageStructure

    @classmethod
    def load(cls, corpus_dir: Path, settings: Settings = SETTINGS) -> Knowledge:
        corpus = load_corpus(corpus_dir)
        lexicon = Lexicon.from_corpus(corpus)
        tokenizer = Tokenizer(lexicon)
        parser = QueryParser(lexicon, tokenizer, settings=settings)
        return cls(corpus, lexicon, tokenizer, parser, PageStructure(corpus))


class Engine:
    """Hybrid dense + keyword search with speaker attribution over one corpus.

    ``model`` is a model spec (see :func:`taixin_qa.encoders.load_encoder`);
    ``encoder`` passes a ready encoder instead (tests use a fake one). With
    ``auto_build`` a missing, damaged or stale index is rebuilt on first use,
    with a message on stderr; without it such an index is an error. ``store``
    (``milvus:./file.db``, ``milvus://host:19530`` or a store object) takes
    candidates from that store instead of the index in ``index_dir``; it is
    filled with ``taixin-qa build --store``.
    """

    def __init__(
        self,
        corpus_dir: Path | str | None = None,
        index_dir: Path | str | None = None,
        model: str | None = None,
        *,
        encoder: Encoder | None = None,
        auto_build: bool = True,
        strategy: str = "hybrid",
        progress: bool = True,
        settings: Settings = SETTINGS,
        store: str | Store | None = None,
    ):
        if strategy not in STRATEGIES:
            raise TaixinError(f"Unknown strategy {strategy!r}. Choose one of: {', '.join(STRATEGIES)}.")
        paths = Paths.from_env() if corpus_dir is None or index_dir is None else None
        self.corpus_dir = Path(corpus_dir) if corpus_dir is not None else paths.corpus  # type: ignore[union-attr]
        self.index_dir = Path(index_dir) if index_dir is not None else paths.index  # type: ignore[union-attr]
        self.model = model
        self.strategy = strategy
        self.auto_build = auto_build
        self.progress = progress
        self.settings = settings
        self._encoder = encoder
        self.store: Store | None = open_store(store) if isinstance(store, str) or store is None else store
        self._index: Index | None = None
        self._rejected: tuple[int, int, int] | None = None  # stamp of a manifest that failed to load
        self._judge: tuple[Index, ScopeJudge] | None = None
        self._open_lock = threading.Lock()
        self._cache: OrderedDict[str, QueryVectors] = OrderedDict()
        self._cache_lock = threading.Lock()
        self._knowledge = Knowledge.load(self.corpus_dir, self.settings)

    # -- what the engine serves ------------------------------------------------
    @property
    def corpus(self) -> Corpus:
        return self._knowledge.corpus

    @property
    def lexicon(self) -> Lexicon:
        return self._knowledge.lexicon

    @property
    def tokenizer(self) -> Tokenizer:
        return self._knowledge.tokenizer

    @property
    def parser(self) -> QueryParser:
        return self._knowledge.parser

    @property
    def model_id(self) -> str:
        return self._encoder.model_id if self._encoder is not None else model_id_for(self.model)

    @property
    def encoder(self) -> Encoder:
        if self._encoder is None:
            self._encoder = load_encoder(self.model)
        return self._encoder

    @property
    def sparse_dim(self) -> int:
        if self._encoder is not None:
            return int(getattr(self._encoder, "sparse_dim", 0)) if has_sparse(self._encoder) else 0
        return sparse_dim_for(self.model)

    @property
    def index(self) -> Index:
        """The loaded index (built first when needed)."""
        index = self._index
        if index is not None:
            return index
        with self._open_lock:
            if self._index is None:
                self._index = self._load()
            return self._index

    def open(self) -> Engine:
        """Load the index (building it first when needed), the model and jieba. Safe to call twice."""
        _ = self.index
        _ = self.encoder
        self.tokenizer.cut("太忻经济区")  # load jieba now, not on the first question
        return self

    def _load(self) -> Index:
        if self._encoder is None:
            check_model(self.model)  # an unknown name is one clear error, before any build starts
        spec = self.model if self._encoder is None else self.model_id
        dim = int(self._encoder.dim) if self._encoder is not None else None
        _, old, reason = plan(self.corpus, self.index_dir, spec, self.sparse_dim, dim)
        if reason:
            if not self.auto_build:
                raise TaixinError(f"The index at {self.index_dir} cannot be used: {reason}. Run `taixin-qa build`.")
            print(f"taixin-qa: building the index ({reason}) ...", file=sys.stderr, flush=True)
            try:
                report = build_index(
                    self.corpus_dir, self.index_dir, self.model, encoder=self._encoder, progress=self.progress
                )
            except ReadOnlyIndexError as exc:
                if old is None:
                    raise
                # The folder cannot be written but holds a verified index: serve it, and say so.
                print(f"taixin-qa: warning: {exc} Serving the index as it is ({reason}).", file=sys.stderr, flush=True)
                return Index(old, self.settings)
            print(f"taixin-qa: {report.summary()}", file=sys.stderr, flush=True)
        return Index.load(self.index_dir, self.settings)

    def reload_if_changed(self) -> bool:
        """Swap in a newer index, with the corpus it was built from; queries in flight keep the old one."""
        index = self._index
        if index is None:
            return False
        try:
            mtime = (self.index_dir / MANIFEST).stat().st_mtime
        except OSError:
            return False
        stamp = manifest_stamp(self.index_dir)
        if mtime == index.manifest_mtime or stamp is None or stamp == self._rejected:
            return False
        try:
            new = Index.load(self.index_dir, self.settings)
            knowledge = Knowledge.load(self.corpus_dir, self.settings)
        except TaixinError as exc:
            # Remembered until the manifest changes again: no re-reading and no warning per query.
            self._rejected = stamp
            log.warning("new index not loaded, still serving the old one: %s", exc)
            return False
        dim = int(self._encoder.dim) if self._encoder is not None else new.manifest.dim
        if new.manifest.model_id != self.model_id or new.manifest.dim != dim:
            self._rejected = stamp
            log.warning(
                "new index was built with %s (%d dimensions), not %s; still serving the old one",
                new.manifest.model_id,
                new.manifest.dim,
                self.model_id,
            )
            return False
        self._knowledge, self._index = knowledge, new
        self.clear_cache()
        return True

    # -- question vectors ------------------------------------------------------
    def clear_cache(self) -> None:
        """Forget cached question vectors (benchmarks call this to time the encoder)."""
        with self._cache_lock:
            self._cache.clear()

    def use_index(self, index: Index) -> None:
        """Serve ``index`` (made elsewhere, e.g. the benchmarks' synthetic corpora) instead of ``index_dir``'s.

        A later build in ``index_dir`` still replaces it (see :meth:`reload_if_changed`).
        """
        with self._open_lock:
            self._index = index
        self.clear_cache()

    def encode_question(self, text: str, sparse: bool = True) -> QueryVectors:
        """Dense and (with ``sparse``, if the model has it) learned sparse vectors of a question, cached."""
        sparse = sparse and has_sparse(self.encoder)
        key = f"{int(sparse)}\0{text}"
        with self._cache_lock:
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
                return hit
        vectors = self.encoder.encode_query(text, sparse=sparse)
        with self._cache_lock:
            self._cache[key] = vectors
            if len(self._cache) > self.settings.search.query_cache_size:
                self._cache.popitem(last=False)
        return vectors

    # -- search ----------------------------------------------------------------
    def _judge_for(self, index: Index) -> ScopeJudge:
        judge = self._judge
        if judge is None or judge[0] is not index:
            judge = (index, ScopeJudge(self.corpus, index.keywords.vocab, self.settings))
            self._judge = judge
        return judge[1]

    def resolve(self, field_name: str, value: str) -> set[str]:
        """Interview ids for a speaker or district filter value (name, short name, id or pinyin)."""
        return self.lexicon.interviews_for(field_name, value)

    def _chosen(self, speaker: str | None, district: str | None) -> frozenset[str] | None:
        """Interview ids the user's speaker/district filter allows; None without a filter."""
        if not speaker and not district:
            return None
        ids = {iv.id for iv in self.corpus.interviews}
        if speaker:
            ids &= self.resolve("speaker", speaker)
        if district:
            ids &= self.resolve("district", district)
        return frozenset(ids)

    def _signals(self, q: Question, vectors: QueryVectors, where: Focus) -> tuple[Index, Signals]:
        """The index to rank over and every channel's scores: the whole index, or a store's candidates."""
        if self.store is None:
            index = self.index
            if vectors.dense.shape[-1] != index.manifest.dim:
                raise TaixinError(
                    f"The index holds {index.manifest.dim}-dimensional vectors; the model gives "
                    f"{vectors.dense.shape[-1]}. Run `taixin-qa build`."
                )
            return index, index.signals(q, vectors.dense, vectors.sparse)
        view = candidate_view(self.store, q, vectors.dense, vectors.sparse, Filters(where.interviews), self.settings)
        return view.index, view.signals()

    def _cut_notice(self, q: Question) -> str:
        """What to tell the user when the question was cut to the longest one searched."""
        return f"问题过长，只按前 {self.settings.search.max_question_chars} 个字检索。" if q.truncated else ""

    def _where(self, q: Question, speaker: str | None, district: str | None) -> tuple[Focus, str]:
        """Where to look (the conversation's subject, the user's filter, or, when the filter contradicts
        a place the question names, the question's own place: dialogue.focus), and what to tell the
        user about it and about a cut question."""
        where = focus(q, self._chosen(speaker, district), speaker or district or "")
        return where, "".join(x for x in (self._cut_notice(q), where.notice) if x)

    def search(
        self,
        question: object,
        k: int | None = None,
        speaker: str | None = None,
        district: str | None = None,
        history: History | None = None,
        strategy: str | None = None,
    ) -> SearchResult:
        """Rank passages for a question; ``answerable`` is False when the page does not cover it."""
        if self.store is None:
            self.reload_if_changed()
        q = self.parser.parse(question, history)
        return self._rank(q, k, speaker, district, strategy)

    def _rank(
        self, q: Question, k: int | None, speaker: str | None, district: str | None, strategy: str | None
    ) -> SearchResult:
        """Rank passages for a parsed question (encode, signals, fuse, filter, scope)."""
        cut = self._cut_notice(q)
        if q.is_empty:
            return SearchResult(q, [], False, None, cut, index=self._index)
        strategy = strategy or self.strategy
        # Only the hybrid ranking reads the learned-sparse channel.
        vectors = self.encode_question(q.text, sparse=strategy == "hybrid")
        where, notice = self._where(q, speaker, district)
        index, signals = self._signals(q, vectors, where)
        if not index.passages:
            return SearchResult(q, [], False, None, cut, "no passage", index=index)
        scores = fuse(signals, strategy, self.settings)
        rows = index.rows_of_interviews(where.interviews) if where.interviews is not None else None
        if rows is not None:
            mask = np.full(len(scores), -np.inf)
            mask[rows] = 0.0
            scores = scores + mask
        top = _top_k(scores, max(1, min(int(k or self.settings.search.default_k), len(index.passages))))
        passages = [index.passages[i].with_score(scores[i]) for i in top if np.isfinite(scores[i])]
        if strategy == "hybrid":
            decision = self._judge_for(index).judge(q, signals, passages, filtered=where.chosen, rows=rows)
            answerable, reason, note = decision.answerable, decision.reason, decision.note
        else:
            answerable, reason, note = baseline_answerable(signals, strategy, self.settings), "", ""
        reason = "; ".join(x for x in (q.why, where.why, reason) if x)
        if not answerable or not passages:
            return SearchResult(q, [], False, vectors.dense, notice, reason or "no passage", note, index=index)
        return SearchResult(q, passages, True, vectors.dense, notice, reason, index=index)

    def retrieve(
        self,
        question: object,
        k: int | None = None,
        speaker: str | None = None,
        district: str | None = None,
        history: History | None = None,
    ) -> list[Passage]:
        """The best passages for a question, with who said them; [] when the page does not cover it.

        >>> default_engine().retrieve("谁说要当排头兵？", k=1)[0].speaker
        '裴耀军'
        """
        return self.search(question, k=k, speaker=speaker, district=district, history=history).passages

    def answer(
        self,
        question: object,
        history: History | None = None,
        k: int | None = None,
        speaker: str | None = None,
        district: str | None = None,
    ) -> Answer:
        """An extractive answer: the sentences that answer, each with its speaker.

        >>> default_engine().answer("阳曲县的发展目标是什么？").sentences[0].passage.speaker
        '裴耀军'
        """
        if self.store is None:
            self.reload_if_changed()
        q = self.parser.parse(question, history)
        # Questions about the page itself (who holds which post, bylines, headlines, dates)
        # are read from the interview headers, exactly, before any encoder pass; an office-holder
        # of a place that is not on the page is not one of them and stays with the search (and
        # its refusal).
        if not q.is_empty:
            found = self._knowledge.structure.answer(q.understood_as if q.continued and q.understood_as else q.text)
            if found is not None:
                _, notice = self._where(q, speaker, district)
                return compose_structure_answer(found, q.text, q.understood_as if q.continued else None, notice=notice)
        result = self._rank(q, k, speaker, district, None)
        ans = compose_answer(result, result.index, self.tokenizer, self.settings)
        if result.question.continued and ans.understood_as is None:
            ans.understood_as = result.question.understood_as
        return ans

    def passages(self) -> list[Passage]:
        """Every passage in the index (or the store), in corpus order."""
        if self.store is None:
            return list(self.index.passages)
        ids = [c.passage.id for c in make_chunks(self.corpus)]
        return [r.passage for r in self.store.fetch(ids)]


def _top_k(scores: np.ndarray, k: int) -> np.ndarray:
    if len(scores) > 4 * k:
        part = np.argpartition(-scores, k)[:k]
        return part[np.argsort(-scores[part], kind="stable")]
    return np.argsort(-scores, kind="stable")[:k]


_default: Engine | None = None
_default_lock = threading.Lock()


def default_engine() -> Engine:
    """The engine over the configured corpus and index (see :class:`taixin_qa.settings.Paths`), once per process."""
    global _default
    if _default is None:
        with _default_lock:
            if _default is None:
                runtime = Runtime.from_env()
                _default = Engine(model=runtime.model, store=runtime.store)
    return _default
