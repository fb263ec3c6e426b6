"""Understand a question before searching: clean it, find who or where it is about, read it in its conversation.

Everything it knows comes from the corpus (names, districts, aliases) and from
``corpus/lexicon/followup.yaml``; there is no list of places in the code. The
conversation itself is read by :mod:`taixin_qa.dialogue`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from taixin_qa.dialogue import Dialogue, Reading, parse_history
from taixin_qa.lexicon import Lexicon
from taixin_qa.scope import ScopeJudge
from taixin_qa.settings import SETTINGS, Settings
from taixin_qa.text import side_by_side
from taixin_qa.tokenization import Tokenizer, cjk_ratio, normalize


@dataclass(frozen=True)
class Question:
    """A question as the engine reads it.

    ``text`` is what is searched for; ``bare`` is what the user typed (cleaned,
    simplified). They differ only when the question was read from its
    conversation (``continued``): then ``subject`` holds the interviews it is
    about, ``intent`` what it asks (e.g. "第一年计划完成多少投资") and
    ``understood_as`` the question as understood ("古交市起步第一年计划完成多少投资？").
    ``entities`` and ``content`` come from ``bare`` only: a name the user did
    not type never counts as named.
    """

    original: str
    text: str  # what to search for
    truncated: bool
    entities: dict[str, frozenset[str]]  # surface form typed -> interview ids
    tokens: tuple[str, ...]
    chinese_share: float
    bare: str = ""  # as typed: cleaned, simplified, cut to Settings.search.max_question_chars
    continued: bool = False  # read from the conversation
    subject: frozenset[str] = frozenset()  # interviews the conversation points to (when continued)
    intent: str | None = None  # what is asked, resolved, without names
    understood_as: str | None = None  # the resolved question, to show, when continued
    content: tuple[str, ...] = ()  # the words of ``bare`` that say what it is about
    why: str = ""  # how the conversation was (or was not) used
    # "谁提到了太钢？": a who/which question about a page term only one interview uses (太钢,
    # 五大商圈, 排头兵): the interviews it can be about. The search looks there.
    points_to: frozenset[str] = frozenset()
    # "哪个县说…？": the interviews of a place of the asked kind (阳曲县 is the only 县). The search looks there.
    place_kind: frozenset[str] = frozenset()
    # "大盂那个启动区…总投资是多少？": the interviews the question's proper names single out (大盂 is
    # printed in one interview only); a direct answer read from another interview is not certain.
    singled_out: frozenset[str] = frozenset()
    # the question's words that name a thing one or two interviews print (观家峪, 启动大会; an English
    # question's through the glossary: the outlet mall -> 奥特莱斯): it asks about the page (scope)
    page_names: tuple[str, ...] = ()
    # An English question's words as the page prints them (lexicon english.yaml), cut as the
    # keyword index cuts the page: what the keyword channel reads for it.
    bridge: tuple[str, ...] = ()
    # an English question's verbs as the words a plan's items open with (english.yaml ``verbs``)
    leads: tuple[str, ...] = ()
    # an English question's category noun as what a list of that kind is called by (english.yaml ``kinds``)
    kinds: tuple[str, ...] = ()

    @property
    def interview_ids(self) -> frozenset[str]:
        """Interviews the user named (typed), not inherited ones."""
        ids: set[str] = set()
        for v in self.entities.values():
            ids |= v
        return frozenset(ids)

    @property
    def is_empty(self) -> bool:
        return not re.search(r"\w", self.text)


def clean_question(text: Any, limit: int = SETTINGS.search.max_question_chars) -> tuple[str, bool]:
    """Make any input safe to search: a string, no control characters or lone surrogates, bounded length.

    Longer questions are cut at ``limit`` (``Settings.search.max_question_chars``); the answer says so.
    """
    if text is None:
        return "", False
    if not isinstance(text, str):
        text = str(text)
    # Cut first: a 10-million-character question is never scanned whole. The
    # margin leaves room for the whitespace the next steps squeeze out.
    cut_raw = len(text) > 4 * limit
    text = text[: 4 * limit]
    # Lone surrogates cannot be encoded; replace them rather than fail.
    text = text.encode("utf-8", "replace").decode("utf-8")
    text = "".join(
        " " if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co") and ch not in "\n" else ch for ch in text
    )
    text = re.sub(r"\s+", " ", text).strip()
    truncated = cut_raw or len(text) > limit
    if truncated:
        text = text[:limit]
    if is_markup_only(text):
        return "", truncated
    return text, truncated


_MARKUP = re.compile(r"<[^<>]*>|\\[A-Za-z]+|\$+|[A-Za-z][A-Za-z0-9+.-]*:[^\s{}<>\"']*")
_WORD = re.compile(r"[\u3400-\u9fff]|[A-Za-z]{2,}")


def is_markup_only(text: str) -> bool:
    """True for markup with no question in it: ``<a href="javascript:…">click</a>``, ``$$\\href{…}{x}$$``.

    Tags, LaTeX commands, dollar signs and URLs are removed; what is left must
    hold a Chinese character or two Latin words to be a question about the page.
    """
    if not _MARKUP.search(text):
        return False
    rest = _MARKUP.sub(" ", text)
    return not any("\u3400" <= ch <= "\u9fff" for ch in rest) and len(_WORD.findall(rest)) < 2


class QueryParser:
    """Turns raw text (and chat history) into a :class:`Question`."""

    def __init__(
        self,
        lexicon: Lexicon,
        tokenizer: Tokenizer,
        off_page: Callable[[str], str | None] | None = None,
        settings: Settings = SETTINGS,
    ):
        self.lexicon = lexicon
        self.tokenizer = tokenizer
        self.off_page = off_page
        self.settings = settings

    @cached_property
    def dialogue(self) -> Dialogue:
        return Dialogue(self.lexicon, self.tokenizer, off_page=self.off_page or self._lexical_off_page)

    @cached_property
    def _scope_rules(self) -> ScopeJudge:
        return ScopeJudge(self.lexicon.corpus, set(self.dialogue.term_interviews))

    def _lexical_off_page(self, text: str) -> str | None:
        """The scope rules that need no index, for earlier turns the history gives no answer for."""
        return self._scope_rules.lexical_refusal(text, bool(self.lexicon.find_entities(text)))

    def parse(self, raw: Any, history: Any = None) -> Question:
        text, truncated = clean_question(raw, self.settings.search.max_question_chars)
        text = normalize(text)
        entities = self.dialogue.entity_ids(text)
        reading = Reading(False, text)  # no conversation: read alone
        if history and re.search(r"\w", text):
            reading = self.dialogue.read(text, self.dialogue.state_after(parse_history(history)))
        continued = reading.continued
        search = reading.search_text if continued else text
        share = cjk_ratio(search)
        english = share < 0.5
        names = self.lexicon.pinyin_names(search)  # the page's names spelled in pinyin, read once
        page_words = self.lexicon.english_words(search) if english else ()  # english.yaml, read once
        content = tuple(self.dialogue.content_words(text, entities))
        return Question(
            original=raw if isinstance(raw, str) else text,
            text=search,
            truncated=truncated,
            entities=entities,
            tokens=tuple(self.tokenizer.cut_for_search(search)),
            chinese_share=share,
            bare=text,
            continued=continued,
            subject=reading.subject if continued else frozenset(),
            intent=reading.intent,
            understood_as=reading.understood_as if continued else None,
            content=content,
            why=reading.why,
            points_to=(
                # text is search when not continued; an English question's page words count as typed
                self.dialogue.who_about(text, names + page_words) if not (continued or entities) else frozenset()
            ),
            place_kind=self.dialogue.of_place_kind(text) if not (continued or entities) else frozenset(),
            singled_out=(self.dialogue.named_owners(content + page_words) if not continued else frozenset()),
            page_names=(
                ()
                if continued or entities
                else self.dialogue.specific_names(page_words)
                if english
                else self.dialogue.specific_names(_word_runs(content, text), proper=False)
            ),
            bridge=self._bridge(page_words + names) if english else (),
            leads=self.lexicon.english_leads(search) if english else (),
            kinds=self.lexicon.english_kinds(search) if english else (),
        )

    def _bridge(self, words: tuple[str, ...]) -> tuple[str, ...]:
        """For an English question, the keyword tokens of the Chinese ``words`` it stands for: its
        english.yaml words and its pinyin names of the page's names."""
        return tuple(t for w in words for t in self.tokenizer.cut_for_search(w)) if words else ()


def _word_runs(words: tuple[str, ...], text: str) -> tuple[str, ...]:
    """The question's content words, two of them side by side in the question as one ('启动' '大会' ->
    启动大会), and each word's leading part of three characters or more (jieba glues a particle on:
    '观家峪要' -> 观家峪), longest first."""
    runs = {*words, *side_by_side(words, text)}
    runs |= {w[:n] for w in words for n in range(3, len(w))}
    return tuple(sorted(runs, key=len, reverse=True))
