"""taixin-qa: answers, with who said them, from the newspaper page on the Taiyuan–Xinzhou Economic Zone.

>>> import taixin_qa
>>> hits = taixin_qa.retrieve("阳曲县的发展目标是什么？", k=5)   # list[Passage]
>>> hits[0].speaker, hits[0].district
('裴耀军', '阳曲县')
>>> taixin_qa.answer("万柏林区第一年计划投资多少？").found
True

The module-level functions use one engine over the configured corpus and
index (a checkout's ``corpus/`` and ``embeddings/``, or the copy shipped in
the package), created on first use. ``Engine(corpus_dir=..., index_dir=...,
model=...)`` serves other corpora.
"""

from __future__ import annotations

from collections.abc import Iterable

from taixin_qa.chunking import Passage
from taixin_qa.engine import Engine, default_engine
from taixin_qa.errors import TaixinError
from taixin_qa.index import Index
from taixin_qa.results import Answer, AnswerSentence, SearchResult
from taixin_qa.settings import SETTINGS, Settings

__version__ = "0.2.0"
__all__ = [
    "SETTINGS",
    "Answer",
    "AnswerSentence",
    "Engine",
    "Index",
    "Passage",
    "SearchResult",
    "Settings",
    "TaixinError",
    "answer",
    "passages",
    "retrieve",
]


def retrieve(
    question: str,
    k: int = 5,
    speaker: str | None = None,
    district: str | None = None,
    history: Iterable[object] | None = None,
) -> list[Passage]:
    """The best passages for ``question``, each with speaker, role, district, headline and score.

    Returns ``[]`` when the page does not cover the question. ``speaker`` and
    ``district`` restrict the search (e.g. ``district="阳曲县"`` or ``"Yangqu"``).
    """
    return default_engine().retrieve(question, k=k, speaker=speaker, district=district, history=history)


def answer(
    question: str,
    history: Iterable[object] | None = None,
    k: int = 5,
    speaker: str | None = None,
    district: str | None = None,
) -> Answer:
    """An extractive answer with each sentence attributed; ``history`` lets follow-ups work.

    >>> answer("那古交呢？", history=["万柏林区第一年计划完成多少投资？"]).sentences[0].passage.speaker
    '李卫平'
    """
    return default_engine().answer(question, history=history, k=k, speaker=speaker, district=district)


def passages() -> list[Passage]:
    """Every passage (chunk) of the corpus with its attribution."""
    return default_engine().passages()
