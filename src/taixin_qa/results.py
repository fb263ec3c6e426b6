"""What a search and an answer return: the one shape for Python, the command line and HTTP.

``Answer.to_dict()`` is what ``taixin-qa ask --json`` prints and what the
JSON API returns, under the same names as the attributes here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from taixin_qa.chunking import Passage

if TYPE_CHECKING:
    from taixin_qa.index import Index
    from taixin_qa.query import Question


@dataclass(frozen=True)
class SearchResult:
    """Ranked passages for one question, and whether the page covers it at all."""

    question: Question
    passages: list[Passage]
    answerable: bool
    query_vector: np.ndarray | None = field(default=None, repr=False, compare=False)
    notice: str = ""
    reason: str = ""  # why the page does or does not cover the question
    note: str = ""  # our corpus note about a gap, when that is the reason
    # The index these passages came from: an answer is composed from the same
    # index even when a rebuild swapped in a new one meanwhile.
    index: Index | None = field(default=None, repr=False, compare=False)


@dataclass(frozen=True)
class AnswerSentence:
    """One sentence of an answer: words of the page, and the source they came from."""

    text: str
    passage: Passage
    source: int = 1  # 1-based position of ``passage`` in ``Answer.passages``: the [n] marker
    start: int = -1  # where ``text`` starts in ``passage.text``; -1 when it is not a verbatim substring

    def render(self) -> str:
        return f"{self.text}（{self.passage.attribution}）"

    def to_dict(self) -> dict[str, Any]:
        p = self.passage
        return {
            "text": self.text,
            "speaker": p.speaker,
            "role": p.role,
            "district": p.district,
            "passage_id": p.id,
            "source": self.source,
            "start": self.start,
        }


@dataclass
class Answer:
    """An extractive answer.

    ``text`` is ready to show. ``passages`` lists the cited sources first (the
    first ``cited`` of them), then other related passages. ``found`` is False
    when the page does not cover the question; ``text`` then says so.
    """

    text: str
    passages: list[Passage]
    found: bool
    sentences: list[AnswerSentence] = field(default_factory=list)
    question: str = ""
    notice: str = ""
    short: str | None = None  # the direct answer, in the page's own words
    missing: str | None = None  # what the page does not give, e.g. "版面没有给出古交市的投资额"
    # a fact was asked and none is certain: said before the quotes, so they are not read as the answer
    hedge: str | None = None
    cited: int = 0  # how many of ``passages`` the sentences cite
    understood_as: str | None = None  # the question as read from the conversation, when it was
    reason: str = ""  # why it was answered or refused

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "found": self.found,
            "question": self.question,
            "notice": self.notice,
            "short": self.short,
            "missing": self.missing,
            "hedge": self.hedge,
            "cited": self.cited,
            "understood_as": self.understood_as,
            "reason": self.reason,
            "sentences": [s.to_dict() for s in self.sentences],
            "passages": [p.to_dict() for p in self.passages],
        }
