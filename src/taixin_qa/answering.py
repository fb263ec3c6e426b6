"""Extractive answers: pick the sentences that answer, say who said each one.

Nothing is generated. Every sentence of an answer is a sentence of the page,
followed by its speaker, e.g. ``……十年成城”。（裴耀军，阳曲县委书记）``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from taixin_qa.chunking import Passage

if TYPE_CHECKING:
    from taixin_qa.engine import SearchResult
    from taixin_qa.store import IndexData
    from taixin_qa.tokenization import Tokenizer

# A second passage joins the answer when it is this close to the best one and
# comes from another interview (questions several speakers answered).
SECOND_SPEAKER_MARGIN = 0.02
MAX_ANSWER_SENTENCES = 3
LEXICAL_WEIGHT = 0.06
# A sentence this short is usually a heading-like lead ("打造生态文旅休闲区，推动……。");
# the sentence after it carries the substance, so it comes along.
SHORT_SENTENCE_CHARS = 30
# The second-best sentence of the top passage joins when it scores this close.
SECOND_SENTENCE_MARGIN = 0.01

NOT_COVERED = ("本版面没有涉及这个问题。本版面收录的是六位县(市、区)委书记谈太忻经济区建设的专访"
               "（尖草坪区/中北高新区、迎泽区、杏花岭区、万柏林区、阳曲县、古交市），可以问他们的目标、项目和举措。")
EMPTY_QUESTION = "请输入一个问题，例如：阳曲县的发展目标是什么？"


@dataclass(frozen=True)
class AnswerSentence:
    text: str
    passage: Passage

    def render(self) -> str:
        return f"{self.text}（{self.passage.attribution}）"


@dataclass
class Answer:
    """``text`` is ready to show; ``passages`` are the sources; ``found`` is False when the page is silent."""

    text: str
    passages: list[Passage]
    found: bool
    sentences: list[AnswerSentence] = field(default_factory=list)
    question: str = ""
    notice: str = ""

    def to_dict(self) -> dict:
        return {"text": self.text, "found": self.found, "question": self.question, "notice": self.notice,
                "sentences": [{"text": s.text, "speaker": s.passage.speaker, "role": s.passage.role,
                               "district": s.passage.district, "passage_id": s.passage.id}
                              for s in self.sentences],
                "passages": [p.to_dict() for p in self.passages]}


def _balanced(sentence: str) -> str:
    """Drop a quotation mark left open or closed by sentence splitting, for reading."""
    s = sentence
    if s.count("“") > s.count("”") and s.startswith("“"):
        s = s[1:]
    if s.count("”") > s.count("“") and s.endswith("”"):
        s = s[:-1]
    return s


def _best_sentence(passage: Passage, row: int, data: "IndexData", sentence_rows: list[list[int]],
                   qvec: np.ndarray | None, query_tokens: set[str], tokenizer: "Tokenizer") -> str:
    rows = sentence_rows[row] if row < len(sentence_rows) else []
    if not rows or qvec is None:
        return passage.text
    sims = data.sentence_vectors[rows] @ qvec
    scores = []
    for s, sim in zip(rows, sims):
        words = set(tokenizer.cut_for_search(data.sentences[s]))
        overlap = len(words & query_tokens) / max(1, len(query_tokens))
        scores.append(float(sim) + LEXICAL_WEIGHT * overlap)
    order = sorted(range(len(rows)), key=lambda i: -scores[i])
    keep = {order[0]}
    if len(order) > 1 and scores[order[0]] - scores[order[1]] <= SECOND_SENTENCE_MARGIN:
        keep.add(order[1])
    if len(data.sentences[rows[order[0]]]) < SHORT_SENTENCE_CHARS and order[0] + 1 < len(rows):
        keep.add(order[0] + 1)
    return _balanced("".join(data.sentences[rows[i]] for i in sorted(keep)))


def compose_answer(result: "SearchResult", data: "IndexData", row_of: dict[str, int],
                   sentence_rows: list[list[int]], tokenizer: "Tokenizer") -> Answer:
    q = result.question
    notice = result.notice
    if q.is_empty:
        return Answer(EMPTY_QUESTION, [], False, question=q.text, notice=notice)
    if not result.answerable or not result.passages:
        text = f"版面上没有这部分内容。编者注：{result.note}" if result.note else NOT_COVERED
        text = f"{notice}{text}" if notice else text
        return Answer(text, [], False, question=q.text, notice=notice)
    tokens = set(q.tokens)
    top = result.passages[0]
    chosen = [top]
    for p in result.passages[1:]:
        if len(chosen) >= MAX_ANSWER_SENTENCES:
            break
        if p.kind == "paragraph" and top.score - p.score <= SECOND_SPEAKER_MARGIN \
                and p.interview_id not in {c.interview_id for c in chosen}:
            chosen.append(p)
    sentences = [AnswerSentence(_best_sentence(p, row_of[p.id], data, sentence_rows, result.query_vector,
                                               tokens, tokenizer), p) for p in chosen]
    lines = [s.render() for s in sentences]
    if notice:
        lines.insert(0, notice)
    return Answer("\n".join(lines), result.passages, True, sentences, question=q.text, notice=notice)
