"""Every tuning knob in one place, and the one reader of the environment.

The knobs are frozen dataclasses, one per stage of the pipeline. Their values
were chosen on the evaluation set (``benchmarks/eval/``, see the README); an
index records the settings that built it (``Settings.to_dict``), so a number
in a benchmark can always be traced to the knobs that produced it.

>>> SETTINGS.fusion.keyword_weight
0.06
>>> Settings(fusion=Fusion(keyword_weight=0.1)).fusion.keyword_weight
0.1

Environment variables are read only by :meth:`Paths.from_env` and
:meth:`Runtime.from_env`; everything else takes paths and settings as
arguments, so tests point them elsewhere without touching the environment.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

_PACKAGE_DIR = Path(__file__).resolve().parent
# A checkout: src/taixin_qa/settings.py -> the repository root.
_CHECKOUT = _PACKAGE_DIR.parents[1]
# An installed wheel carries the shipped corpus and index as package data.
_PACKAGED = _PACKAGE_DIR / "data"


@dataclass(frozen=True)
class Fusion:
    """How the per-passage signals become one score (see :mod:`taixin_qa.fusion`)."""

    sentence_weight: float = 1.0
    keyword_weight: float = 0.06
    sparse_weight: float = 0.15
    entity_bonus: float = 0.10
    # How much of keyword_weight an English question's keywords get, read through the page's
    # Chinese words for them (lexicon english.yaml); a Chinese question gets its Chinese share.
    bridge_share: float = 0.5
    # A photo caption is page text but not the speaker's words: it answers only
    # when nothing the speaker said does.
    caption_prior: float = -0.05
    rrf_k: int = 60


@dataclass(frozen=True)
class Baselines:
    """No-answer cutoffs of the single-channel baselines the benchmarks compare against."""

    dense_min_cosine: float = 0.83
    bm25_min_keyword_coverage: float = 0.5


@dataclass(frozen=True)
class Scope:
    """When the page is taken to cover a question (see :mod:`taixin_qa.scope`)."""

    # Learned sparse match a question needs when it names no speaker or district.
    # On the evaluation set unrelated questions stayed below 19.7, in-scope ones reached 21.8.
    min_sparse: float = 20.5
    # The same test for a model without a sparse channel: best passage cosine.
    min_cosine_without_sparse: float = 0.86
    # A follow-up that leans on the conversation ("他还提到了哪些景区？") needs this share of its
    # own words (two characters or more) on the page ...
    follow_up_coverage: float = 0.66
    # ... or, when some of its words are the page's (follow_up_partial_coverage), this
    # learned-sparse match within its subject's interview (paraphrases: 考核官员, 招揽企业) ...
    # Scratch probes: off-page follow-ups (老家, 孩子, 房价, 美食, 升职) <= 13.3, all with none
    # of their words on the page; partly worded paraphrases >= 15.1 (吸引人才 12.6 is refused).
    follow_up_partial_coverage: float = 0.33
    follow_up_subject_sparse: float = 13.0
    # ... or, with none of its words on the page, this much (none of the off-page probes).
    follow_up_strong_sparse: float = 16.0
    # An English follow-up ("What did he say about investment?"): best sparse or cosine.
    # Probes: off-page ones (his age, salary, phone) stayed below 7.3 / 0.735.
    follow_up_english_sparse: float = 8.0
    follow_up_english_cosine: float = 0.737


@dataclass(frozen=True)
class Answering:
    """How sentences are picked for an answer (see :mod:`taixin_qa.answering`)."""

    # A second passage joins when it is this close to the best one and comes
    # from another interview (questions several speakers answered).
    second_speaker_margin: float = 0.02
    max_sentences: int = 3
    # Weight of the share of question words a sentence contains.
    lexical_weight: float = 0.06
    # A sentence this short is usually a heading-like lead; the next one comes along.
    short_sentence_chars: int = 30
    # The second-best sentence of a passage joins when it scores this close
    # (and there is no direct answer to lead with).
    second_sentence_margin: float = 0.03
    # Sentences are chosen across this many top passages, those within candidate_margin
    # of the best; a passage's distance from the best counts passage_weight against them.
    candidate_passages: int = 3
    candidate_margin: float = 0.12
    passage_weight: float = 0.5
    # What a sentence gains for holding the kind of answer asked for (times its fit),
    # and for enumerating when a list is asked for.
    span_bonus: float = 0.03
    enumeration_bonus: float = 0.03
    # An English question's words cannot overlap the Chinese text; what a sentence gains for
    # printing the Chinese word of the question's category noun ("team" -> 工作组, Question.kinds).
    english_head_bonus: float = 0.02
    # The direct answer (bold) is given only when its fit (spans.Span.fit) reaches
    # bold_fit, and is at most max_short_chars long: a wrong bold answer is worse than none.
    bold_fit: float = 0.85
    max_short_chars: int = 60
    # 谁/哪个区 answered by the speaker or district of the best passage only when it
    # leads every other interview's best passage by this much.
    speaker_margin: float = 0.05
    # ... or when it leads by less but its interview also prints the sentence closest to the
    # question (dense cosine), ahead of every other interview's closest sentence by this much:
    # two measures that agree.
    sentence_lead: float = 0.016
    # 哪些区县/哪几位书记: other interviews this close to the best join, up to this many.
    plural_margin: float = 0.10
    max_plural_speakers: int = 4
    # Without a direct answer, the best sentence of another top passage is quoted too
    # when it scores this close to the best sentence.
    runner_up_margin: float = 0.02
    # A sentence holding a certain direct answer (fit at least move_fit) leads when it scores within
    # span_margin of the best sentence; a list known only by its count (fit 0.9) is bold only in the
    # best sentence itself.
    span_margin: float = 0.04
    move_fit: float = 1.0


@dataclass(frozen=True)
class Search:
    """Query handling and candidate generation."""

    default_k: int = 5
    # Longer questions are cut here and the answer says so; the encoder reads
    # at most 512 tokens anyway.
    max_question_chars: int = 500
    query_cache_size: int = 2048
    # Above this many passages the sentence and learned-sparse channels are
    # scored only for candidates (dense and keyword top lists plus named
    # interviews); below it every passage is scored, exactly.
    candidates_from: int = 2000
    candidates_per_channel: int = 300


@dataclass(frozen=True)
class Ann:
    """The approximate index used for large corpora (faiss HNSW)."""

    hnsw_from_chunks: int = 50_000
    hnsw_m: int = 32
    ef_construction: int = 80
    ef_search: int = 128
    # How many approximate hits a query asks for; the rest of the passages get
    # a cosine just below the lowest hit.
    search_k: int = 200


@dataclass(frozen=True)
class Store:
    """A Milvus store (``--store milvus:...``, see docs/scale-out.md); the FAISS bundle ignores these."""

    collection: str = "taixin_chunks"
    # Our jieba + lexicon tokens reach Milvus joined by spaces; the analyzer only has to split there.
    # The embedded edition offers "standard" (splits on non-word characters, keeps Chinese words
    # whole); on a Milvus server use "whitespace".
    keyword_tokenizer: str = "standard"
    # Passages per channel (dense, learned sparse, keyword) the store returns as candidates.
    candidates_per_channel: int = 300
    # Seconds to wait for a server before saying it is unreachable.
    connect_timeout: float = 5.0


@dataclass(frozen=True)
class Settings:
    fusion: Fusion = field(default_factory=Fusion)
    baselines: Baselines = field(default_factory=Baselines)
    scope: Scope = field(default_factory=Scope)
    answering: Answering = field(default_factory=Answering)
    search: Search = field(default_factory=Search)
    ann: Ann = field(default_factory=Ann)
    store: Store = field(default_factory=Store)

    def to_dict(self) -> dict[str, dict[str, Any]]:
        return asdict(self)


SETTINGS = Settings()


def _is_checkout(root: Path) -> bool:
    return (root / "pyproject.toml").is_file() and (root / "corpus" / "articles").is_dir()


def _default_root() -> Path:
    """The checkout's root when running from one, else the data shipped in the package."""
    return _CHECKOUT if _is_checkout(_CHECKOUT) else _PACKAGED


@dataclass(frozen=True)
class Paths:
    """Where the engine reads its corpus and index and keeps its caches.

    Defaults: a checkout's own ``corpus/`` and ``embeddings/``; outside a
    checkout (an installed wheel) the corpus and index shipped in the package.
    """

    corpus: Path
    index: Path
    cache: Path

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Paths:
        env = os.environ if env is None else env
        root = _default_root()
        cache = env.get("TAIXIN_QA_CACHE") or str(
            Path(env.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "taixin-qa"
        )
        return cls(
            corpus=Path(env.get("TAIXIN_QA_CORPUS") or root / "corpus"),
            index=Path(env.get("TAIXIN_QA_INDEX") or root / "embeddings"),
            cache=Path(cache).expanduser(),
        )


@dataclass(frozen=True)
class Runtime:
    """The rest of what the environment chooses: model, store and where the chat listens."""

    model: str | None = None
    store: str | None = None
    host: str = "127.0.0.1"
    port: str = "7860"  # validated by the server, which says what is wrong with it
    # Model hub access for sentence-transformers names; off by default, so an
    # unknown name fails at once instead of retrying a hub that is not there.
    allow_downloads: bool = False

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Runtime:
        env = os.environ if env is None else env
        return cls(
            model=env.get("TAIXIN_QA_MODEL") or None,
            store=env.get("TAIXIN_QA_STORE") or None,
            host=env.get("TAIXIN_QA_HOST") or cls.host,
            port=env.get("TAIXIN_QA_PORT") or cls.port,
            allow_downloads=env.get("TAIXIN_QA_ALLOW_DOWNLOADS", "").lower() in ("1", "true", "yes"),
        )
