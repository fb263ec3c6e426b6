"""Understand a question before searching: clean it, find who or where it is about, and resolve follow-ups.

Everything it knows comes from the corpus (names, districts, aliases) and from
``corpus/lexicon/followup.yaml``; there is no list of places in the code.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Iterable

import yaml

from taixin_qa.corpus import read_text
from taixin_qa.lexicon import Lexicon
from taixin_qa.tokenization import Tokenizer, cjk_ratio, normalize

# Longer questions are cut here; the answer says so. A real question is a
# sentence or two, and the encoder reads at most 512 tokens anyway.
MAX_QUESTION_CHARS = 500


@dataclass(frozen=True)
class Question:
    """A question as the engine reads it."""

    original: str
    text: str                      # cleaned, simplified, cut to MAX_QUESTION_CHARS
    truncated: bool
    entities: dict[str, frozenset[str]]  # surface form -> interview ids
    tokens: tuple[str, ...]
    chinese_share: float
    rewritten_from: str | None = None  # the follow-up as typed, when it was rewritten

    @property
    def interview_ids(self) -> frozenset[str]:
        ids: set[str] = set()
        for v in self.entities.values():
            ids |= v
        return frozenset(ids)

    @property
    def is_empty(self) -> bool:
        return not re.search(r"\w", self.text)


def clean_question(text: Any) -> tuple[str, bool]:
    """Make any input safe to search: a string, no control characters or lone surrogates, bounded length."""
    if text is None:
        return "", False
    if not isinstance(text, str):
        text = str(text)
    # Lone surrogates cannot be encoded; replace them rather than fail.
    text = text.encode("utf-8", "replace").decode("utf-8")
    text = "".join(" " if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co") and ch not in "\n" else ch
                   for ch in text)
    text = re.sub(r"\s+", " ", text).strip()
    truncated = len(text) > MAX_QUESTION_CHARS
    if truncated:
        text = text[:MAX_QUESTION_CHARS]
    return text, truncated


@dataclass
class FollowUpRules:
    pronouns: tuple[str, ...] = ()
    ellipsis: tuple[str, ...] = ()
    max_elliptical_words: int = 2

    @classmethod
    def from_lexicon(cls, lexicon: Lexicon) -> "FollowUpRules":
        path = lexicon.corpus.root / "lexicon" / "followup.yaml"
        if not path.is_file():
            return cls()
        data = yaml.safe_load(read_text(path)) or {}
        return cls(tuple(str(x) for x in data.get("pronouns", [])), tuple(str(x) for x in data.get("ellipsis", [])),
                   int(data.get("max_elliptical_words", 2)))


def history_questions(history: Iterable[Any] | None) -> list[str]:
    """The user's earlier questions, from any of the usual chat history shapes.

    Accepts ``["q1", "q2"]``, ``[("q1", "a1"), ...]`` and Gradio's
    ``[{"role": "user", "content": "q1"}, ...]``.
    """
    out: list[str] = []
    for turn in history or []:
        if isinstance(turn, str):
            out.append(turn)
        elif isinstance(turn, dict):
            if turn.get("role") == "user":
                content = turn.get("content")
                if isinstance(content, list):  # Gradio 6 content parts
                    content = " ".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
                if content:
                    out.append(str(content))
        elif isinstance(turn, (list, tuple)) and turn:
            if turn[0]:
                out.append(str(turn[0]))
    return out


def remove_name(text: str, form: str) -> str:
    """Remove a name from text; a pinyin key ('wanbolin') also matches 'Wanbolin', 'Wan-bolin District'."""
    if not form.isascii():
        return text.replace(form, "")
    pattern = r"[\s\-']*".join(re.escape(ch) for ch in form)
    return re.sub(rf"{pattern}(?:'s)?(?:\s+(?:district|county|city))?", "", text, flags=re.IGNORECASE)


class QueryParser:
    """Turns raw text (and chat history) into a :class:`Question`."""

    def __init__(self, lexicon: Lexicon, tokenizer: Tokenizer):
        self.lexicon = lexicon
        self.tokenizer = tokenizer

    @cached_property
    def rules(self) -> FollowUpRules:
        return FollowUpRules.from_lexicon(self.lexicon)

    def parse(self, raw: Any, history: Iterable[Any] | None = None) -> Question:
        text, truncated = clean_question(raw)
        text = normalize(text)
        question = self._make(raw if isinstance(raw, str) else text, text, truncated)
        if history and not question.is_empty:
            question = self._resolve_follow_up(question, history_questions(history))
        return question

    def _make(self, original: str, text: str, truncated: bool, rewritten_from: str | None = None) -> Question:
        entities = {k: frozenset(v) for k, v in self.lexicon.find_entities(text).items()}
        return Question(original=original, text=text, truncated=truncated, entities=entities,
                        tokens=tuple(self.tokenizer.cut_for_search(text)), chinese_share=cjk_ratio(text),
                        rewritten_from=rewritten_from)

    def _content_words(self, question: Question) -> list[str]:
        """Words of the question other than names and follow-up markers."""
        words = self.tokenizer.cut(question.text)
        names = set(question.entities)
        markers = {w.lower() for w in (*self.rules.ellipsis, *self.rules.pronouns)}
        return [w for w in words if w not in names and w.lower() not in markers
                and not any(w in n or n in w for n in names)]

    def _has_pronoun(self, text: str) -> bool:
        lower = f" {text.lower()} "
        for p in self.rules.pronouns:
            if p.isascii():
                if re.search(rf"\b{re.escape(p)}\b", lower):
                    return True
            elif p in text:
                return True
        return False

    def _resolve_follow_up(self, question: Question, earlier: list[str]) -> Question:
        previous = [self._make(q, normalize(clean_question(q)[0]), False) for q in earlier[-4:]]
        previous = [p for p in previous if not p.is_empty]
        if not previous:
            return question
        last = previous[-1]
        if question.entities:
            # "那古交呢？": a new name and almost nothing else -> ask the last question about it.
            if len(self._content_words(question)) <= self.rules.max_elliptical_words and last.entities:
                base = last.text
                for form in sorted(last.entities, key=len, reverse=True):
                    base = remove_name(base, form)
                return self._make(question.original, f"{question.text} {base}".strip(), question.truncated,
                                  rewritten_from=question.text)
            return question
        # No name of its own: a pronoun or a very short question is about the last one named.
        named = next((p for p in reversed(previous) if p.entities), None)
        if named is None:
            return question
        if self._has_pronoun(question.text) or len(self._content_words(question)) <= self.rules.max_elliptical_words:
            subject = " ".join(named.entities)
            return self._make(question.original, f"{subject} {question.text}", question.truncated,
                              rewritten_from=question.text)
        return question
