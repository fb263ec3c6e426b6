"""Conversation state: when a question leans on the turns before it, and on what.

A chat question arrives with history. It continues the conversation only on
evidence: an explicit marker (他, 该区, 那里, it, there; or an elliptical form
such as "那古交呢？", "还有呢？", "What about Gujiao?") and nothing in the
question that stands on its own (its own speaker or place, a who/which
question, a word only one interview uses). Everything else is read alone:
"红烧肉怎么做？" after three questions about 古交 is still about 红烧肉.

The state kept between turns is data, not text:

* ``subject``: the interview ids the conversation is about, from the last
  turn the page answered: the place or person it named, or else the speakers
  its answer quoted, so that 他 means the person just quoted;
* ``question`` / ``intent``: what was asked last, resolved, with and without
  the names in it, so that a third "…呢？" still knows what was asked.

A turn the page did not answer neither changes nor clears the state.

The history may come in any of the usual shapes; :func:`parse_history` is the
one reader of them (Python API, command line and chat all use it).
"""

from __future__ import annotations

import html
import json
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from functools import cache, cached_property, partial
from typing import TYPE_CHECKING, Any

import yaml

from taixin_qa.corpus import read_text
from taixin_qa.errors import TaixinError
from taixin_qa.lexicon import Lexicon, pinyin_key
from taixin_qa.settings import SETTINGS
from taixin_qa.tokenization import Tokenizer, normalize

if TYPE_CHECKING:
    from taixin_qa.corpus import Interview
    from taixin_qa.query import Question

# -- reading the history ---------------------------------------------------------

_ATTRIBUTION = re.compile(r"[（(]([^，,（）()\s]{2,12})[，,][^（）()]{1,60}[）)]")
_TAG = re.compile(r"<[^>]+>")
_SAYS = re.compile(
    r"提|谈|说|讲|表示|要|有|计划|打算|建|在|管|负责|搞|"
    r"\b(?:mention\w*|sa(?:y|id|ys)|talk\w*|plan\w*|ha(?:s|ve)|br(?:ing|ought|ings) up|rais\w*|"
    r"describ\w*|call\w*|want\w*)\b",
    re.IGNORECASE,
)
_OTHERS = re.compile(r"还有|也|其他|其它|别的|另外|others?\b|else\b|also\b", re.IGNORECASE)
# Only the last turns of a long chat are read again: a subject older than this is not "他".
MAX_REPLAYED_TURNS = 8
READING_CACHE_SIZE = 4096
# Of a very long history, only the end is parsed at all.
MAX_HISTORY_ITEMS = 64
_NOT_PRONOUN_WORDS = ("其他", "其它", "吉他", "他乡", "他处", "他国", "他人", "利他", "其她")


@dataclass(frozen=True)
class Turn:
    """One turn of a conversation, as far as the history tells.

    ``speakers`` are the names an assistant turn quoted (from its
    "（裴耀军，阳曲县委书记）" attributions or the API's ``sentences``);
    ``found`` is whether it answered, when the history says so.
    """

    role: str  # "user" or "assistant"
    text: str
    speakers: tuple[str, ...] = ()
    found: bool | None = None
    understood_as: str | None = None


def _normal(text: str) -> str:
    # Earlier questions are read no further than a question is.
    return normalize(text[: SETTINGS.search.max_question_chars]).strip()


def _plain(text: str) -> str:
    """Text of a chat message that may be HTML (the web chat renders answers)."""
    if "<" in text and ">" in text:
        text = html.unescape(_TAG.sub(" ", text))
    return text.strip()


def _content_text(content: Any) -> str:
    """Text of a message's content: a string, Gradio 6 content parts, or a dict with text."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, dict):
        for key in ("text", "content", "answer", "value"):
            if isinstance(content.get(key), str):
                return content[key]
        return ""
    if isinstance(content, (list, tuple)):
        return " ".join(_content_text(part) for part in content if not isinstance(part, (int, float)))
    return str(content)


def _assistant_turn(content: Any) -> Turn:
    if isinstance(content, str):
        stripped = content.strip()
        if stripped.startswith("{"):
            try:
                parsed = json.loads(stripped)
            except ValueError:
                parsed = None
            if isinstance(parsed, dict):
                return _assistant_turn(parsed)
    if isinstance(content, dict) and ("sentences" in content or "found" in content):
        text = _plain(_content_text(content))
        speakers = tuple(
            str(s["speaker"]) for s in content.get("sentences") or [] if isinstance(s, dict) and s.get("speaker")
        )
        found = content.get("found")
        understood = content.get("understood_as")
        return Turn(
            "assistant",
            text,
            speakers or tuple(_ATTRIBUTION.findall(text)),
            bool(found) if isinstance(found, bool) else None,
            understood if isinstance(understood, str) and understood else None,
        )
    text = _plain(_content_text(content))
    speakers = tuple(_ATTRIBUTION.findall(text))
    return Turn("assistant", text, speakers, True if speakers else None)


def _turns_of(item: Any) -> list[Turn]:
    if item is None:
        return []
    if isinstance(item, Turn):
        return [item]
    if hasattr(item, "to_dict") and callable(item.to_dict):  # an Answer
        item = item.to_dict()
    if isinstance(item, str):
        stripped = item.strip()
        if stripped[:1] in ("{", "["):
            try:
                return _turns_of(json.loads(stripped))
            except ValueError:
                pass
        return [Turn("user", _plain(item))] if stripped else []
    if isinstance(item, dict):
        role = str(item.get("role", "")).lower()
        if role in ("user", "human"):
            text = _plain(_content_text(item.get("content")))
            return [Turn("user", text)] if text else []
        if role in ("assistant", "bot", "ai"):
            return [_assistant_turn(item.get("content"))]
        if role:
            return []  # system, tool: not part of what was asked and answered
        if isinstance(item.get("question"), str) and any(k in item for k in ("text", "answer", "found", "sentences")):
            # What the API returns for one question: the question and its answer.
            return [Turn("user", _plain(item["question"])), _assistant_turn(item)]
        return []
    if isinstance(item, (list, tuple)):
        if (
            len(item) == 2
            and (item[0] is None or isinstance(item[0], str))
            and (item[1] is None or isinstance(item[1], (str, dict, list)))
        ):
            # (question, answer) pairs, as older Gradio chat histories hold them.
            out = _turns_of(item[0]) if item[0] else []
            if item[1] is not None:
                out.append(_assistant_turn(item[1]))
            return out
        return [t for sub in item for t in _turns_of(sub)]
    return []


def parse_history(history: Any) -> list[Turn]:
    """Every turn of a chat history, in order, from any of the shapes in use.

    Accepts: earlier questions (``["q1", "q2"]``); ``(question, answer)``
    pairs; role/content messages (OpenAI and Gradio shapes, content as text,
    as Gradio 6 content parts, or as the API's answer JSON); what the API
    returns (``Answer.to_dict()``, or an ``Answer``); :class:`Turn` objects;
    any of these as a JSON string, or as JSON lines.
    """
    if history is None:
        return []
    if isinstance(history, str):
        text = history.strip()
        if not text:
            return []
        if text[:1] in ("{", "["):
            try:
                return parse_history(json.loads(text))
            except ValueError:
                lines = [ln for ln in text.splitlines() if ln.strip()]
                try:
                    return parse_history([json.loads(ln) for ln in lines])
                except ValueError:
                    pass
        return _turns_of(text)
    if isinstance(history, (dict, Turn)) or hasattr(history, "to_dict"):
        return _turns_of(history)
    if isinstance(history, (list, tuple)):
        return [t for item in history[-MAX_HISTORY_ITEMS:] for t in _turns_of(item)]
    raise TaixinError(
        'history must be a list of earlier turns: questions, {"role", "content"} messages '
        "or the answers the API returned."
    )


# -- the rules ----------------------------------------------------------------------


@dataclass(frozen=True)
class FollowUpRules:
    """The word lists behind continuation; data in ``corpus/lexicon/followup.yaml``."""

    person_pronouns: tuple[str, ...] = ()
    place_pronouns: tuple[str, ...] = ()
    not_pronoun_phrases: tuple[str, ...] = ()
    ellipsis_openers: tuple[str, ...] = ()
    ellipsis_closers: tuple[str, ...] = ()
    continue_words: tuple[str, ...] = ()
    who_words: tuple[str, ...] = ()
    function_words: frozenset[str] = frozenset()
    thing_demonstratives: tuple[str, ...] = ()
    not_demonstrated: tuple[str, ...] = ()
    continue_openers: tuple[str, ...] = ()

    @classmethod
    def from_lexicon(cls, lexicon: Lexicon) -> FollowUpRules:
        path = lexicon.corpus.lexicon_file("followup.yaml")
        if not path.is_file():
            return cls()
        try:
            data = yaml.safe_load(read_text(path)) or {}
        except yaml.YAMLError as exc:
            raise TaixinError(f"{path}: not valid YAML ({exc}).") from None

        def words(key: str) -> tuple[str, ...]:
            return tuple(sorted({str(w).lower() for w in data.get(key) or []}, key=len, reverse=True))

        return cls(
            words("person_pronouns"),
            words("place_pronouns"),
            words("not_pronoun_phrases"),
            words("ellipsis_openers"),
            words("ellipsis_closers"),
            words("continue_words"),
            words("who_words"),
            frozenset(words("function_words")),
            words("thing_demonstratives"),
            words("not_demonstrated"),
            words("continue_openers"),
        )


@cache
def _whole_word(phrase: str) -> re.Pattern[str]:
    """An ASCII phrase as whole words of lower-cased text ("it", not the "it" in "city"); compiled once."""
    return re.compile(rf"(?<![a-z]){re.escape(phrase)}(?![a-z])")


def _has_phrase(text: str, phrase: str) -> bool:
    """``phrase`` in lower-cased ``text``; an ASCII phrase only as whole words."""
    if phrase.isascii():
        return _whole_word(phrase).search(text) is not None
    return phrase in text


def _latin_name(form: str) -> str:
    """A pattern for a pinyin key ('wanbolin') as it is typed: 'Wanbolin', 'Wan-bolin', "Wan'bolin"."""
    return r"[\s\-']*".join(re.escape(ch) for ch in form)


def _interview_ids(entities: dict[str, frozenset[str]]) -> frozenset[str]:
    """All the interviews the names found in a text point to."""
    return frozenset(i for ids in entities.values() for i in ids)


def remove_name(text: str, form: str) -> str:
    """Remove a name from text; a pinyin key ('wanbolin') also matches 'Wanbolin', 'Wan-bolin District'."""
    if not form.isascii():
        return text.replace(form, "")
    return re.sub(rf"{_latin_name(form)}(?:'s)?(?:\s+(?:district|county|city))?", "", text, flags=re.IGNORECASE)


# -- the state and one question's reading -----------------------------------------------


@dataclass(frozen=True)
class DialogueState:
    subject: frozenset[str] = frozenset()  # interview ids the conversation is about
    question: str | None = None  # what was asked last, resolved, names included
    intent: str | None = None  # the same without names ("第一年计划完成多少投资")


@dataclass(frozen=True)
class Reading:
    """How one question is understood in its conversation."""

    continued: bool
    search_text: str  # what to search for
    subject: frozenset[str] = frozenset()  # interviews to search in, when continued
    intent: str | None = None
    understood_as: str | None = None
    why: str = ""  # for -v and the API's reason


_PUNCT = "？?。.!！,，;；:： 　"


class Dialogue:
    """Reads a question in the light of its conversation. Pure text work: no model, no index."""

    def __init__(
        self,
        lexicon: Lexicon,
        tokenizer: Tokenizer,
        rules: FollowUpRules | None = None,
        off_page: Callable[[str], str | None] | None = None,
    ):
        self.lexicon = lexicon
        self.tokenizer = tokenizer
        self.rules = rules or FollowUpRules.from_lexicon(lexicon)
        # Lexical "not on this page" rules (scope.py), for earlier turns the history gives no answer for.
        self.off_page = off_page
        # A chat replays the same earlier turns for every new question: remember their readings.
        self._cache: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self._cache_lock = threading.Lock()

    def _cached(self, key: tuple[Any, ...], make: Callable[[], Any]) -> Any:
        with self._cache_lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        value = make()
        with self._cache_lock:
            self._cache[key] = value
            if len(self._cache) > READING_CACHE_SIZE:
                self._cache.popitem(last=False)
        return value

    # -- what the page knows --------------------------------------------------------
    @cached_property
    def _interviews(self) -> dict[str, Interview]:
        return {iv.id: iv for iv in self.lexicon.corpus.interviews}

    @cached_property
    def _speaker_ids(self) -> dict[str, set[str]]:
        table: dict[str, set[str]] = {}
        for iv in self.lexicon.corpus.interviews:
            for name in (iv.speaker, *iv.speaker_aliases):
                table.setdefault(normalize(name), set()).add(iv.id)
        return table

    @cached_property
    def term_interviews(self) -> dict[str, frozenset[str]]:
        """Every word of the page -> the interviews that use it."""
        table: dict[str, set[str]] = {}
        for iv in self.lexicon.corpus.interviews:
            texts = [p.text for p in iv.paragraphs] + [x for x in (iv.headline, iv.subtitle) if x]
            for text in texts:
                for word in self.tokenizer.cut_for_search(normalize(text)):
                    table.setdefault(word, set()).add(iv.id)
        return {w: frozenset(ids) for w, ids in table.items()}

    @cached_property
    def _no_topic(self) -> frozenset[str]:
        """Question words, particles, verbs of saying and stop words: words with no topic of their own."""
        return self.rules.function_words | self.lexicon.stopwords

    @cached_property
    def _markers(self) -> frozenset[str]:
        """The words that mark a follow-up: pronouns, elliptical openers and closers, "go on" words."""
        r = self.rules
        return frozenset(
            (*r.person_pronouns, *r.place_pronouns, *r.continue_words, *r.ellipsis_openers, *r.ellipsis_closers)
        )

    @cached_property
    def _marker_phrases(self) -> tuple[str, ...]:
        """Chinese markers of two characters or more (这位书记, 具体说说): taken out before the question is cut."""
        r = self.rules
        return tuple(
            p for p in (*r.person_pronouns, *r.place_pronouns, *r.continue_words) if not p.isascii() and len(p) > 1
        )

    def content_words(self, text: str, entities: Iterable[str] = ()) -> list[str]:
        """The words of a question that say what it is about: no names, markers, question words."""
        lower = text.lower()
        for phrase in self._marker_phrases:
            lower = lower.replace(phrase, " ")
        names = list(entities)
        out = []
        for word in self.tokenizer.cut(lower):
            w = word.strip().lower()
            if not w or not re.search(r"\w", w) or w in self._no_topic or w in self._markers:
                continue
            if any(w in n.lower() or (w.isascii() and pinyin_key(w) and pinyin_key(w) in n) for n in names):
                continue
            if w.isdigit():
                continue
            if len(w) > 2 and not w.isascii() and w not in self.term_interviews:
                # "哪些项目" is one word to jieba: keep its meaningful pieces ("项目").
                pieces = [
                    p for p in self.tokenizer.cut_for_search(w) if p != w and len(p) >= 2 and p not in self._no_topic
                ]
                if pieces:
                    out.extend(pieces)
                    continue
            out.append(w)
        return out

    @cached_property
    def one_interview_terms(self) -> dict[str, str]:
        """Curated page terms (corpus/lexicon/words.txt: organisations, zones, projects, slogans)
        that exactly one interview uses -> that interview: 太钢, 雄安新区, 五大商圈."""
        out = {}
        for word in self.lexicon.words:
            w = normalize(word.text)
            if len(w) < 2:
                continue
            users = self._printers(w)
            if len(users) == 1:
                out[w] = users.pop()
        return dict(sorted(out.items(), key=lambda kv: -len(kv[0])))

    def _printers(self, word: str) -> set[str]:
        """The interviews whose paragraphs print ``word`` (inside longer words too)."""
        return {iv.id for iv in self.lexicon.corpus.interviews if any(word in p.text for p in iv.paragraphs)}

    def who_about(self, text: str, names: tuple[str, ...] = ()) -> frozenset[str]:
        """For "谁提到了太钢？" / "哪个区有二电厂？" (who/which, a verb of saying or having, a term only one
        interview uses): that interview. Empty for anything else ("太钢的股价是多少？", "谁发明了风电？").
        ``names``: the page's names an English question spells in pinyin (Lexicon.pinyin_names)."""
        # "哪里搞风电？" asks where as "哪个区…" does (not a who-word of the conversation: "启动区在哪里？"
        # after a question about 阳曲 stays about 阳曲)
        where = re.match(r"(?:太原)?(?:哪里|哪儿|什么地方|哪个地方)", text)
        if not ((self._asks_who(text) or where) and _SAYS.search(text)):
            return frozenset()
        found: set[str] = set()
        rest = " ".join((text, *names))
        for term, interview in self.one_interview_terms.items():
            if term in rest:
                found.add(interview)
                rest = rest.replace(term, " ")
        if not found:
            found = set(self._short_forms(rest))
        return frozenset(found)

    def _short_forms(self, text: str) -> frozenset[str]:
        """'谁提到了雄安？': a word of the question that is the start of a curated term one interview
        uses (雄安 of 雄安新区) and that no other interview prints: that interview."""
        found: set[str] = set()
        for word in self.tokenizer.cut(text):
            if len(word) < 2 or not re.fullmatch(r"[\u4e00-\u9fff]+", word) or word in self._no_topic:
                continue
            owners = {iv for term, iv in self.one_interview_terms.items() if term.startswith(word) and term != word}
            if len(owners) == 1 and self.term_interviews.get(word, frozenset()) <= owners:
                found |= owners
        return frozenset(found)

    def of_place_kind(self, text: str) -> frozenset[str]:
        """For "哪个县说…？" / "这是哪个区的打算？" (which 县/区/市 said or plans something): the interviews
        of a place of that kind (阳曲县 is the page's only 县). Empty when the question asks no such
        thing, or every interview's place is of that kind."""
        m = _WHICH_PLACE.search(text)
        if not m:
            return frozenset()
        asked = m.group(1) or m.group(2)
        kind = "区" if asked == "城区" else asked
        ids = frozenset(iv.id for iv in self.lexicon.corpus.interviews if any(d.endswith(kind) for d in iv.districts))
        return ids if len(ids) < len(self.lexicon.corpus.interviews) else frozenset()

    def picks_out(self, words: Iterable[str]) -> frozenset[str]:
        """Interviews singled out by a word only one interview on the page uses (太钢, 大盂启动区, 三转三定)."""
        ids: set[str] = set()
        for w in words:
            if len(w) < 2 or w.isascii():
                continue
            owners = self.term_interviews.get(w)
            if owners is not None and len(owners) == 1:
                ids |= owners
        return frozenset(ids)

    @cached_property
    def _proper_names(self) -> frozenset[str]:
        """The curated words that name a place, an organisation or a project (words.txt tags ns/nt/nz)."""
        return frozenset(normalize(w.text) for w in self.lexicon.dictionary if w.tag in ("ns", "nt", "nz", "nr"))

    def specific_names(self, words: Iterable[str], proper: bool = True) -> tuple[str, ...]:
        """The proper names among ``words`` (three characters or more) that at most two interviews print:
        an English question that names one ("the outlet mall" -> 奥特莱斯) asks about something of the
        page, whatever its other words match. A name most interviews print (太原片区) tells nothing.
        ``proper=False``: any such word of the page (煤层气, 习近平, 观家峪)."""
        return tuple(
            w
            for w in words
            if len(w) >= 3
            and re.fullmatch(r"[\u4e00-\u9fff]+", w)
            and (w in self._proper_names or not proper)
            and 1 <= len(self._printers(w)) <= 2
        )

    def named_owners(self, words: Iterable[str]) -> frozenset[str]:
        """Interviews singled out by a proper name only one interview prints (大盂, 漪汾商圈, 五大融合载体),
        read in the text of its paragraphs (奥特莱斯 stands inside 东辰时代奥特莱斯 too); a common word one
        interview happens to use (投资, 引进) singles out nobody."""
        owners = self.one_interview_terms
        return frozenset(owners[w] for w in words if w in self._proper_names and w in owners)

    # -- markers ----------------------------------------------------------------------
    def pronoun(self, text: str) -> tuple[str, str] | None:
        """The first pronoun or demonstrative in ``text`` and whether it stands for a person or a place."""
        lower = text.lower()
        for phrase in self.rules.not_pronoun_phrases:
            if phrase.isascii():
                lower = _whole_word(phrase).sub(" ", lower)
        for word in _NOT_PRONOUN_WORDS:  # 他/她 inside 其他, 吉他 are not pronouns
            lower = lower.replace(word, " " * len(word))
        best: tuple[int, str, str] | None = None
        for kind, phrases in (("person", self.rules.person_pronouns), ("place", self.rules.place_pronouns)):
            for p in phrases:
                if p.isascii():
                    m = _whole_word(p).search(lower)
                    pos = m.start() if m else -1
                else:
                    pos = lower.find(p)
                if pos >= 0 and (best is None or pos < best[0] or (pos == best[0] and len(p) > len(best[1]))):
                    best = (pos, p, kind)
        if best is None:
            # "这个行动以什么为载体？": a demonstrative for what was just discussed; "具体是哪几个方面？":
            # a question that opens by asking for more of the same.
            for p in self.rules.thing_demonstratives:
                pos = lower.find(p)
                after = pos + len(p)
                if (
                    pos >= 0
                    and not any(lower.startswith(x, after) for x in self.rules.not_demonstrated)
                    and (best is None or pos < best[0])
                ):
                    best = (pos, p, "thing")
            opener = next((w for w in self.rules.continue_openers if lower.startswith(w)), None)
            if best is None and opener:
                best = (0, opener, "thing")
        return (best[1], best[2]) if best else None

    def elliptical(self, text: str) -> str | None:
        """The rest of an elliptical question ("那古交呢？" -> "古交"), or None when it is not one."""
        s = text.strip().strip(_PUNCT).strip()
        lower = s.lower()
        opened = closed = False
        for opener in self.rules.ellipsis_openers:
            if lower.startswith(opener) and (
                not opener.isascii() or not lower[len(opener) : len(opener) + 1].isalpha()
            ):
                s, lower, opened = s[len(opener) :].strip(" ,，"), lower[len(opener) :].strip(" ,，"), True
                break
        for closer in self.rules.ellipsis_closers:
            if lower.endswith(closer):
                s, lower, closed = s[: -len(closer)].strip(), lower[: -len(closer)].strip(), True
                break
        if not (opened or closed):
            return None
        return s.strip(_PUNCT)

    def _is_continue(self, rest: str) -> bool:
        lower = rest.lower().strip(_PUNCT)
        if not lower:
            return True
        for w in self.rules.continue_words:
            lower = lower.replace(w, " ") if not w.isascii() else _whole_word(w).sub(" ", lower)
        return not re.sub(r"[\s的吗呢了吧呀啊?？]+", "", lower)

    def _asks_who(self, text: str) -> bool:
        lower = text.lower()
        return any(_has_phrase(lower, w) for w in self.rules.who_words)

    # -- names --------------------------------------------------------------------------
    def entity_ids(self, text: str) -> dict[str, frozenset[str]]:
        return {k: frozenset(v) for k, v in self.lexicon.find_entities(text).items()}

    def name_of(self, ids: frozenset[str], kind: str, latin: bool = False) -> str:
        """How to write the subject back into a question: the speaker or the district."""
        names = []
        for iv in self.lexicon.corpus.interviews:  # in page order (interview ids are unique)
            if iv.id not in ids:
                continue
            name = iv.speaker if kind == "person" else iv.district
            if latin:
                aliases = iv.speaker_aliases if kind == "person" else iv.district_aliases
                name = next((a for a in aliases if a.isascii()), name)
            names.append(name)
        return ("、" if not latin else " and ").join(dict.fromkeys(names))

    def _form_kind(self, form: str, ids: frozenset[str]) -> str:
        for i in ids:
            iv = self._interviews.get(i)
            if iv is None:
                continue
            people = {iv.speaker, *iv.speaker_aliases}
            if form in people or (form.isascii() and pinyin_key(form) in {pinyin_key(p) for p in people}):
                return "person"
        return "place"

    def ids_of_speakers(self, names: Iterable[str]) -> frozenset[str]:
        ids: set[str] = set()
        for name in names:
            ids |= self._speaker_ids.get(normalize(name), set())
        return frozenset(ids)

    def _strip_names(self, text: str, entities: dict[str, frozenset[str]]) -> str:
        for form in sorted(entities, key=len, reverse=True):
            text = remove_name(text, form)
        text = re.sub(r"^\s*(的|'s)\s*", "", text.strip())
        return re.sub(r"\s+", " ", text).strip().strip(_PUNCT).strip()

    def _substitute(self, question: str, ids: frozenset[str], typed_latin: str | None) -> str:
        """The earlier question asked again about ``ids``: its names replaced by theirs."""
        old = self.entity_ids(question)
        if not old:
            name = self.name_of(ids, "place", latin=typed_latin is not None and question.isascii())
            return f"{name}：{question}" if not question.isascii() else f"{question} ({name})"
        out = question
        done = False
        for form in sorted(old, key=len, reverse=True):
            kind = self._form_kind(form, old[form])
            if not form.isascii():
                if form in out:
                    out = out.replace(form, "" if done else self.name_of(ids, kind))
                    done = True
                continue
            regex = rf"{_latin_name(form)}(?:\s+(?:district|county|city))?"
            new = typed_latin if typed_latin and kind == "place" else self.name_of(ids, kind, latin=True)
            out, n = re.subn(regex, "" if done else new, out, count=1, flags=re.IGNORECASE)
            done = done or n > 0
        return re.sub(r"\s+", " ", out).strip()

    # -- one question -------------------------------------------------------------------
    def read(self, text: str, state: DialogueState) -> Reading:
        """How ``text`` (cleaned and simplified, as typed) is understood after ``state``."""
        reading: Reading = self._cached(("read", text, state), partial(self._read_shown, text, state))
        return reading

    def _read_shown(self, text: str, state: DialogueState) -> Reading:
        reading = self._read(text, state)
        if reading.understood_as and not reading.understood_as.isascii():
            # Shown in Chinese: a Chinese question mark, whatever the normal form made of it.
            shown = reading.understood_as.strip().rstrip("?？")
            reading = replace(
                reading,
                understood_as=shown
                + (
                    "？"
                    if re.search(r"[?？]\s*$", reading.understood_as) or shown != reading.understood_as.strip()
                    else ""
                ),
            )
        return reading

    def _read(self, text: str, state: DialogueState) -> Reading:
        entities = self.entity_ids(text)
        own = self._strip_names(text, entities) if entities else text.strip().strip(_PUNCT)
        alone = Reading(False, text, intent=own or None)
        if not state.subject and not state.question:
            return alone
        rest = self.elliptical(text)
        pronoun = self.pronoun(text)
        if rest is not None and not self._asks_who(rest) and pronoun is None:
            return self._read_elliptical(rest, state, alone)
        if pronoun is None:
            return replace(alone, why="no pronoun or elliptical form: read on its own")
        return self._read_pronoun(text, pronoun, entities, state, alone)

    def _read_elliptical(self, rest: str, state: DialogueState, alone: Reading) -> Reading:
        """ "那古交呢？", "还有呢？", "What about Gujiao?": ``rest`` is what stands beside the opener or 呢."""
        rest_entities = self.entity_ids(rest)
        rest_content = self.content_words(rest, rest_entities)
        if rest_entities:
            if rest_content or not state.question:
                return replace(alone, why="names its own place and asks its own question")
            return self._ask_again_about(rest, rest_entities, state.question, state.intent)
        if not state.subject:
            return replace(alone, why="elliptical, but the conversation has no subject yet")
        if self._is_continue(rest):
            question = state.question or alone.search_text
            return Reading(
                True, question, state.subject, state.intent, question, "asks to go on with the last question"
            )
        picked = self.picks_out(rest_content)
        if picked and not (picked & state.subject):
            return replace(alone, why="elliptical, but names a topic of another interview")
        if len(rest_content) > 3:
            return replace(alone, why="a question of its own")
        name = self.name_of(state.subject, "place")
        return Reading(
            True, rest, state.subject, rest, f"{name}：{rest}", "elliptical: a new topic about the same place"
        )

    def _ask_again_about(
        self, rest: str, rest_entities: dict[str, frozenset[str]], question: str, intent: str | None
    ) -> Reading:
        """ "那古交呢？": the last question, asked about the place or person ``rest`` names."""
        ids = _interview_ids(rest_entities)
        latin = next((f for f in rest_entities if f.isascii()), None)
        typed_latin = None
        if latin is not None:
            m = re.search(r"[A-Za-z][A-Za-z\- ']*[A-Za-z]", rest)
            typed_latin = m.group(0) if m else None
        resolved = self._substitute(question, ids, typed_latin)
        return Reading(
            True,
            resolved,
            ids,
            intent,
            resolved,
            "elliptical: the last question, asked about the place or person it names",
        )

    def _read_pronoun(
        self,
        text: str,
        pronoun: tuple[str, str],
        entities: dict[str, frozenset[str]],
        state: DialogueState,
        alone: Reading,
    ) -> Reading:
        """ "他还说了什么？", "该区…", "这个行动…": a marker for the subject, unless the question stands alone."""
        form, kind = pronoun
        if not state.subject:
            return replace(alone, why=f"'{form}' but no one to refer to")
        typed_ids = _interview_ids(entities)
        if typed_ids and not (typed_ids & state.subject):
            return replace(alone, why="names its own place or person")
        picked = self.picks_out(self.content_words(text, entities))
        if picked and not (picked & state.subject):
            return replace(alone, why="uses a word only another interview uses")
        if kind == "thing":
            return self._read_thing(text, form, state)
        name = self.name_of(state.subject, kind, latin=form.isascii())
        understood = self._replace_pronoun(text, form, name)
        intent = self._strip_names(understood, self.entity_ids(understood)) or None
        return Reading(
            True, text, state.subject, intent, understood, f"'{form}' refers to {self.name_of(state.subject, kind)}"
        )

    def _read_thing(self, text: str, form: str, state: DialogueState) -> Reading:
        """ "这个行动以什么为载体？": goes on with the subject's interviews."""
        if self._asks_who(text) and state.question and _OTHERS.search(text):
            # "还有哪些书记也提了这个目标？": what was asked, looked for in the other interviews.
            asked = state.intent or state.question.strip().strip(_PUNCT)
            understood = f"{text.strip().strip(_PUNCT)}（{form}：{asked}）"
            others = frozenset(self._interviews) - state.subject
            return Reading(
                True,
                f"{asked} {text}",
                others,
                state.intent,
                understood,
                f"'{form}' is what was asked last; who else: the other interviews",
            )
        name = self.name_of(state.subject, "place")
        return Reading(
            True,
            text,
            state.subject,
            text.strip().strip(_PUNCT) or None,
            f"{name}：{text}",
            f"'{form}' goes on with {name}",
        )

    def _replace_pronoun(self, text: str, form: str, name: str) -> str:
        if form.isascii():
            return re.sub(rf"(?<![A-Za-z]){re.escape(form)}(?![A-Za-z])", name, text, count=1, flags=re.IGNORECASE)
        return text.replace(form, name, 1)

    # -- the whole conversation ---------------------------------------------------------------
    def state_after(self, turns: list[Turn]) -> DialogueState:
        """Replay the user's turns; each answered one moves the state, an unanswered one does not."""
        state = DialogueState()
        users = [n for n, t in enumerate(turns) if t.role == "user"]
        start = users[-MAX_REPLAYED_TURNS] if len(users) > MAX_REPLAYED_TURNS else 0
        for n, turn in enumerate(turns):
            if turn.role != "user" or n < start:
                continue
            text: str = self._cached(("normal", turn.text), partial(_normal, turn.text))
            if not re.search(r"\w", text):
                continue
            reply = turns[n + 1] if n + 1 < len(turns) and turns[n + 1].role == "assistant" else None
            reading = self.read(text, state)
            if reply is not None and reply.found is False:
                continue
            if (reply is None or reply.found is None) and self._cached(
                ("off", text, reading), partial(self._looks_off_page, text, reading)
            ):
                continue
            subject = reading.subject if reading.continued else _interview_ids(self.entity_ids(text))
            # The person just quoted: the answer's lead speaker (an answer may quote a second one too).
            quoted = self.ids_of_speakers(reply.speakers[:1]) if reply is not None else frozenset()
            if not subject and quoted:
                subject = quoted
            resolved = reading.understood_as or (reply.understood_as if reply is not None else None) or text
            if reading.continued and reading.search_text and not reading.understood_as:
                resolved = reading.search_text
            if not subject:
                subject = state.subject  # nothing new named or quoted: still about the same interviews
            ending = "?" if resolved.isascii() else "？"
            state = DialogueState(subject, resolved.strip().strip(_PUNCT) + ending, reading.intent)
        return state

    def _looks_off_page(self, text: str, reading: Reading) -> bool:
        """For a turn the history gives no answer for: would the page refuse it? Words only, no model."""
        if self.off_page is not None and self.off_page(text):
            return True
        if self.entity_ids(text):
            return False
        content = self.content_words(text)
        if reading.continued and reading.subject and not content:
            return False  # "还有呢？": nothing of its own to be off the page
        chinese = [w for w in content if not w.isascii()]
        if not chinese:
            return False
        known = sum(1 for w in chinese if w in self.term_interviews)
        return known / len(chinese) < 0.5


# -- where to search ---------------------------------------------------------------------

UNDERSTOOD_AS = "按上一问理解为：{}"


# "哪个县说…", "太原哪个城区…", "这是哪个区的打算": which place of a kind said or plans it.
_WHICH_PLACE = re.compile(r"^(?:太原市?的?)?哪一?个(城区|区|县|市)(?![县长委书])|是哪一?个(城区|区|县|市)(?:的|说|提)")


@dataclass(frozen=True)
class Focus:
    """Which interviews a question is searched in, and what to tell the user about it."""

    interviews: frozenset[str] | None  # None: all of them
    chosen: bool = False  # the user's speaker/district filter decided it
    notice: str = ""
    why: str = ""


def focus(question: Question, chosen: frozenset[str] | None, chosen_label: str = "") -> Focus:
    """Combine the conversation's subject, the places the question names and the user's filter.

    * A filter that contradicts a place the question names ("古交打算怎么发展新能源？"
      with the filter on 阳曲县) is not applied silently: the question is followed,
      and the notice says so.
    * A question read from the conversation is searched in its subject's interviews
      (within the filter, when one is chosen). How it was read is ``Question.understood_as``
      (``Answer.understood_as``), which every door shows once ("按上一问理解为：…"), so it
      is not repeated in the notice.
    """
    typed = question.interview_ids
    subject = question.subject if question.continued else frozenset()
    if chosen is not None:
        if typed and not (typed & chosen):
            label = chosen_label or "、".join(sorted(chosen))
            names = "、".join(sorted(question.entities, key=len, reverse=True)[:2])
            return Focus(
                frozenset(typed),
                False,
                f"问题问的是“{names}”，与筛选条件“{label}”不符，已按问题查找。",
                f"filter {label} contradicts {names} named in the question: followed the question",
            )
        if subject and subject & chosen:
            return Focus(frozenset(subject & chosen), True, "", "subject of the conversation, within the filter")
        return Focus(frozenset(chosen), True, "", "the chosen filter")
    if subject:
        return Focus(frozenset(subject), False, "", "subject of the conversation")
    if question.points_to:
        return Focus(frozenset(question.points_to), False, "", "who/which about a term only these interviews use")
    if question.place_kind:
        return Focus(frozenset(question.place_kind), False, "", "asks which 县/区/市: the interviews of such a place")
    return Focus(None)
