"""Extractive answers: pick the sentences that answer, say who said each one.

Nothing is generated. Every sentence of an answer is a sentence of the page,
followed by its speaker, e.g. ``……十年成城”。（裴耀军，阳曲县委书记）``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from taixin_qa.chunking import Passage
from taixin_qa.results import Answer, AnswerSentence, SearchResult
from taixin_qa.settings import SETTINGS, Answering, Settings

if TYPE_CHECKING:
    from taixin_qa.index import Index
    from taixin_qa.tokenization import Tokenizer

__all__ = ["Answer", "AnswerSentence", "compose_answer"]

NOT_COVERED = ("本版面没有涉及这个问题。本版面收录的是六位县(市、区)委书记谈太忻经济区建设的专访"
               "（尖草坪区/中北高新区、迎泽区、杏花岭区、万柏林区、阳曲县、古交市），可以问他们的目标、项目和举措。")
EMPTY_QUESTION = "请输入一个问题，例如：阳曲县的发展目标是什么？"


def _balanced(sentence: str) -> str:
    """Drop a quotation mark left open or closed by sentence splitting, for reading."""
    s = sentence
    if s.count("“") > s.count("”") and s.startswith("“"):
        s = s[1:]
    if s.count("”") > s.count("“") and s.endswith("”"):
        s = s[:-1]
    return s


def _best_sentence(passage: Passage, index: Index, qvec: np.ndarray | None, query_tokens: set[str],
                   tokenizer: Tokenizer, rules: Answering) -> str:
    row = index.row_of.get(passage.id)
    ids = index.sentences_of(row) if row is not None else np.array([], dtype=np.int64)
    if not len(ids) or qvec is None:
        return passage.text
    texts = [index.sentence_text(s) for s in ids]
    sims = index.sentence_vectors(ids) @ qvec
    scores = []
    for text, sim in zip(texts, sims):
        words = set(tokenizer.cut_for_search(text))
        overlap = len(words & query_tokens) / max(1, len(query_tokens))
        scores.append(float(sim) + rules.lexical_weight * overlap)
    order = sorted(range(len(ids)), key=lambda i: -scores[i])
    keep = {order[0]}
    if len(order) > 1 and scores[order[0]] - scores[order[1]] <= rules.second_sentence_margin:
        keep.add(order[1])
    if len(texts[order[0]]) < rules.short_sentence_chars and order[0] + 1 < len(ids):
        keep.add(order[0] + 1)
    return _balanced("".join(texts[i] for i in sorted(keep)))


def compose_answer(result: SearchResult, index: Index, tokenizer: Tokenizer,
                   settings: Settings = SETTINGS) -> Answer:
    rules = settings.answering
    q = result.question
    notice = result.notice
    if q.is_empty:
        return Answer(EMPTY_QUESTION, [], False, question=q.text, notice=notice, reason="empty question")
    if not result.answerable or not result.passages:
        text = f"版面上没有这部分内容。编者注：{result.note}" if result.note else NOT_COVERED
        text = f"{notice}{text}" if notice else text
        return Answer(text, [], False, question=q.text, notice=notice, reason=result.reason)
    tokens = set(q.tokens)
    top = result.passages[0]
    chosen = [top]
    for p in result.passages[1:]:
        if len(chosen) >= rules.max_sentences:
            break
        if p.kind == "paragraph" and top.score - p.score <= rules.second_speaker_margin \
                and p.interview_id not in {c.interview_id for c in chosen}:
            chosen.append(p)
    sentences = []
    for n, p in enumerate(chosen, start=1):
        text = _best_sentence(p, index, result.query_vector, tokens, tokenizer, rules)
        sentences.append(AnswerSentence(text, p, source=n, start=p.text.find(text)))
    lines = [s.render() for s in sentences]
    if notice:
        lines.insert(0, notice)
    return Answer("\n".join(lines), result.passages, True, sentences, question=q.text, notice=notice,
                  cited=len(chosen), reason=result.reason)
