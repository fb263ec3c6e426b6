"""Words, names and aliases taken from the corpus: the data behind tokenizing and query understanding.

Nothing here is specific to one page: the names come from the interview
headers, the curated words and stop words from ``corpus/lexicon/``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import yaml

from taixin_qa.corpus import Corpus, read_text
from taixin_qa.errors import TaixinError
from taixin_qa.text import normalize

# The words an English question's category noun stands in: after which/what/how many, up to its verb.
_ENGLISH_ASKED = re.compile(
    r"\b(?:which|what|whose|how many)\s+((?:[a-z-]+(?:\s+|(?=[?？]))){0,4}?)"
    r"(?=(?:are|is|does|do|did|will|would|has|have|was|were|can|should|to|in|of|for|from|that)\b|[?？]|$)",
    re.I,
)
# "Jiancaoping hosts three military enterprises — which ones?": the noun "ones" stands for is the
# one the question named before it
_ENGLISH_ONES = re.compile(r"^(.*?)\bwhich (?:ones|of them)\b", re.I)
# Suffixes that let "阳曲县" also be found as "阳曲", "古交市" as "古交".
_PLACE_SUFFIXES = ("高新区", "区", "县", "市")
_POST_SUFFIX = re.compile(r"(党委书记|区委书记|县委书记|市委书记|书记|副市长|市长)$")


@dataclass(frozen=True)
class Word:
    text: str
    freq: int = 20000
    tag: str = "nz"


def _read_words(path: Path) -> list[Word]:
    words = []
    for lineno, raw in enumerate(read_text(path).splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split()
        if len(parts) > 3 or (len(parts) >= 2 and not parts[1].isdigit()):
            raise TaixinError(f"{path}, line {lineno}: expected 'word [frequency] [tag]', got {raw!r}.")
        words.append(Word(parts[0], int(parts[1]) if len(parts) > 1 else 20000, parts[2] if len(parts) > 2 else "nz"))
    return words


def _read_list(path: Path) -> list[str]:
    if not path.is_file():
        return []
    return [s.strip() for s in read_text(path).splitlines() if s.strip() and not s.strip().startswith("#")]


def short_place_names(name: str) -> list[str]:
    """'阳曲县' -> ['阳曲县', '阳曲']; '中北高新区' -> ['中北高新区', '中北']."""
    names = [name]
    for suffix in _PLACE_SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            names.append(name[: -len(suffix)])
            break
    return names


def pinyin_key(text: str) -> str:
    """Lower-case ASCII key for matching pinyin/English spellings: 'Wan-bolin' -> 'wanbolin'."""
    return re.sub(r"[^a-z0-9]", "", text.lower())


def to_pinyin(text: str) -> str:
    from pypinyin import lazy_pinyin

    return "".join(lazy_pinyin(text))


def pinyin_readings(text: str, limit: int = 16) -> set[str]:
    """Every toneless pinyin spelling of ``text`` when a character has several readings
    (朝阳 -> {'chaoyang', 'zhaoyang'}), at most ``limit`` of them."""
    from pypinyin import Style, pinyin

    spellings = {""}
    for readings in pinyin(text, style=Style.NORMAL, heteronym=True):
        spellings = {s + r for s in spellings for r in dict.fromkeys(readings)}
        if len(spellings) > limit:
            spellings = set(sorted(spellings)[:limit])
    return {pinyin_key(s) for s in spellings}


@dataclass
class Lexicon:
    """Names, aliases and words of one corpus.

    ``entities`` maps every surface form (Chinese names, short place names,
    pinyin keys) to the interview ids it points to.
    """

    corpus: Corpus
    words: list[Word] = field(default_factory=list)
    stopwords: frozenset[str] = frozenset()
    extra_aliases: dict[str, list[str]] = field(default_factory=dict)
    # English word or phrase (lower case) -> the Chinese words the page prints for it (english.yaml)
    english: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # English verbs -> the Chinese words a plan's items open with (english.yaml ``verbs``)
    english_verbs: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # English category nouns -> what a list of that kind is called by (english.yaml ``kinds``)
    english_kind_words: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def from_corpus(cls, corpus: Corpus) -> Lexicon:
        folder = corpus.root / "lexicon"
        words = _read_words(folder / "words.txt") if (folder / "words.txt").is_file() else []
        stop = frozenset(_read_list(folder / "stopwords.txt"))
        aliases: dict[str, list[str]] = {}
        alias_file = folder / "aliases.yaml"
        if alias_file.is_file():
            try:
                data = yaml.safe_load(read_text(alias_file)) or {}
            except yaml.YAMLError as exc:
                raise TaixinError(f"{alias_file}: not valid YAML ({exc}).") from None
            if not isinstance(data, dict):
                raise TaixinError(f"{alias_file}: expected a mapping of interview id -> list of names.")
            known = {iv.id for iv in corpus.interviews}
            for key, names in data.items():
                if key not in known:
                    raise TaixinError(
                        f"{alias_file}: unknown interview id {key!r} (known: {', '.join(sorted(known))})."
                    )
                aliases[str(key)] = [str(n) for n in (names or [])]
        english, verbs, kinds = _read_english(folder / "english.yaml")
        return cls(
            corpus=corpus,
            words=words,
            stopwords=stop,
            extra_aliases=aliases,
            english=english,
            english_verbs=verbs,
            english_kind_words=kinds,
        )

    @cached_property
    def _english_patterns(self) -> list[tuple[re.Pattern[str], tuple[str, ...]]]:
        return _patterns({**self.english, **self.english_verbs})

    @cached_property
    def _verb_patterns(self) -> list[tuple[re.Pattern[str], tuple[str, ...]]]:
        return _patterns(self.english_verbs)

    @cached_property
    def _kind_patterns(self) -> list[tuple[re.Pattern[str], tuple[str, ...]]]:
        return _patterns(self.english_kind_words)

    def english_kinds(self, text: str) -> tuple[str, ...]:
        """The Chinese words for the category noun an English question asks a list or a number of,
        read after which/what/how many up to the verb, the last and longest noun there
        ('How many working teams has Jiancaoping set up?' -> ('队伍', '专班', '工作组')); () when none.

        >>> lexicon = Lexicon(corpus=None, english_kind_words={"team": ("队伍",)})  # type: ignore[arg-type]
        >>> lexicon.english_kinds("What kind of team is it?"), lexicon.english_kinds("What is a team?")
        (('队伍',), ())
        """
        found: list[str] = []
        plain = re.sub(r"\b(?:kinds?|sorts?|types?) of\s+", "", text, flags=re.I)  # what kind of team -> what team
        plain = re.sub(r"[\"“”‘’]|(?<!\w)'|'(?!\w)", "", plain)  # which two 'orientations' -> which two orientations
        ones = _ENGLISH_ONES.match(plain)
        asked = [ones.group(1)] if ones else [m.group(1) for m in _ENGLISH_ASKED.finditer(plain)]
        for words_asked in asked:
            hits = [
                (hit.end(), hit.end() - hit.start(), words)
                for pattern, words in self._kind_patterns
                for hit in pattern.finditer(words_asked)
            ]
            if hits:  # the last category noun is the head ("renewable energy projects" -> projects), the longest
                found += [w for w in max(hits, key=lambda t: t[:2])[2] if w not in found]
        return tuple(found)

    def english_leads(self, text: str) -> tuple[str, ...]:
        """The Chinese words a plan's items open with, for the English verbs of ``text`` (english.yaml
        ``verbs``): 'which three things will it optimize?' -> ('优化',)."""
        return _read_through(self._verb_patterns, text)

    @cached_property
    def _names_by_pinyin(self) -> dict[str, tuple[str, ...]]:
        """Pinyin key of each proper name of the curated word list (tags ns/nz) and of each of its
        leading parts of two or more characters -> the names: 'shengke' -> ('盛科金融中心',)."""
        table: dict[str, list[str]] = {}
        for word in self.words:
            if word.tag not in ("ns", "nz") or not re.fullmatch(r"[\u4e00-\u9fff]{2,}", word.text):
                continue
            for n in range(2, len(word.text) + 1):
                for key in pinyin_readings(word.text[:n]):
                    names = table.setdefault(key, [])
                    if word.text not in names:
                        names.append(word.text)
        return {key: tuple(names) for key, names in table.items()}

    def pinyin_names(self, text: str) -> tuple[str, ...]:
        """The page's names an English question spells in pinyin ('the Shengke Financial Center' ->
        ('盛科金融中心',), 'Jiabao Plaza' -> ('珈宝广场',)): capitalised words of four or more letters,
        matched whole against a name's pinyin or the pinyin of its leading characters."""
        found: list[str] = []
        for word in re.findall(r"(?<![.?!]\s)(?<!^)\b[A-Z][a-z]{3,}\b", text.strip()):
            for name in self._names_by_pinyin.get(pinyin_key(word), ()):
                if name not in found:
                    found.append(name)
        return tuple(found)

    def english_words(self, text: str) -> tuple[str, ...]:
        """The Chinese words the page uses for the English words of ``text`` (english.yaml), longest
        phrases first, each once: 'Which universities are in the high-tech zone?' -> ('高校', '大学', '高新区').

        >>> terms = {"university": ("高校",), "wind power": ("风电",)}
        >>> Lexicon(corpus=None, english=terms).english_words("Universities and wind-power")  # type: ignore[arg-type]
        ('高校', '风电')
        """
        return _read_through(self._english_patterns, text)

    @cached_property
    def dictionary(self) -> list[Word]:
        """The jieba user dictionary: corpus metadata first, then the curated list."""
        out: dict[str, Word] = {}
        for iv in self.corpus.interviews:
            out.setdefault(iv.speaker, Word(iv.speaker, 50000, "nr"))
            for district in iv.districts:
                for name in short_place_names(district):
                    out.setdefault(name, Word(name, 50000, "ns"))
            for post in iv.posts:
                out.setdefault(post, Word(post, 30000, "n"))
            for alias in (*iv.district_aliases, *iv.speaker_aliases):
                if not alias.isascii():
                    out.setdefault(alias, Word(alias, 30000, "ns"))
        for word in self.words:
            out.setdefault(word.text, word)
        return list(out.values())

    @cached_property
    def chinese_entities(self) -> dict[str, set[str]]:
        """Chinese surface form -> interview ids (speaker names, districts, short names)."""
        table: dict[str, set[str]] = {}
        for iv in self.corpus.interviews:
            forms = {iv.speaker}
            for district in iv.districts:
                forms.update(short_place_names(district))
            aliases = (*iv.district_aliases, *iv.speaker_aliases, *self.extra_aliases.get(iv.id, []))
            forms.update(a for a in aliases if not a.isascii())
            for form in forms:
                table.setdefault(form, set()).add(iv.id)
        return table

    @cached_property
    def latin_entities(self) -> dict[str, set[str]]:
        """Pinyin/English key -> interview ids, from aliases and generated pinyin."""
        table: dict[str, set[str]] = {}
        for iv in self.corpus.interviews:
            forms = {to_pinyin(iv.speaker)}
            for district in iv.districts:
                forms.update(to_pinyin(n) for n in short_place_names(district))
            forms.update(a for a in (*iv.district_aliases, *iv.speaker_aliases) if a.isascii())
            forms.update(a for a in self.extra_aliases.get(iv.id, []) if a.isascii())
            for form in forms:
                key = pinyin_key(form)
                if len(key) >= 4:
                    table.setdefault(key, set()).add(iv.id)
        return table

    @cached_property
    def _institutions(self) -> tuple[str, ...]:
        """Organisations of the word list (tag nt) named after a place of the page without being it."""
        forms = self.chinese_entities
        return tuple(
            w.text
            for w in self.words
            if w.tag == "nt" and w.text not in forms and any(f in w.text for f in forms if f != w.text)
        )

    def find_entities(self, text: str) -> dict[str, set[str]]:
        """Surface forms in ``text`` that name a speaker or district, with their interview ids.

        >>> from taixin_qa.corpus import load_corpus
        >>> from taixin_qa.settings import Paths
        >>> lexicon = Lexicon.from_corpus(load_corpus(Paths.from_env().corpus))
        >>> lexicon.find_entities("阳曲县的发展目标是什么？")
        {'阳曲县': {'pei-yaojun'}}
        """
        found: dict[str, set[str]] = {}
        for institution in self._institutions:  # "中北大学" is a university, not 中北高新区's interview
            text = text.replace(institution, "□" * len(institution))
        for form in sorted(self.chinese_entities, key=len, reverse=True):
            if form in text and not any(form in longer for longer in found):
                found[form] = self.chinese_entities[form]
        words = re.findall(r"[A-Za-z][A-Za-z\- ']*[A-Za-z]", text)
        if words:
            key = pinyin_key(" ".join(words))
            for form in sorted(self.latin_entities, key=len, reverse=True):
                if form in key and not any(form in longer for longer in found):
                    found[form] = self.latin_entities[form]
        return found

    def interviews_for(self, field_name: str, value: str) -> set[str]:
        """Interview ids for a speaker or district filter value: a name, short name, id or pinyin.

        >>> from taixin_qa.corpus import load_corpus
        >>> from taixin_qa.settings import Paths
        >>> lexicon = Lexicon.from_corpus(load_corpus(Paths.from_env().corpus))
        >>> sorted(lexicon.interviews_for("district", "Yangqu"))
        ['pei-yaojun']
        """
        value = normalize(str(value)).strip()
        key = pinyin_key(value)
        out = set()
        for iv in self.corpus.interviews:
            if field_name == "speaker":
                names = {iv.speaker, iv.id, *iv.speaker_aliases}
            else:
                names = {n for d in iv.districts for n in short_place_names(d)} | set(iv.district_aliases)
            if value in names or value == iv.district or (key and key in {pinyin_key(n) for n in names}):
                out.add(iv.id)
        if not out:
            choices = sorted(
                {iv.speaker for iv in self.corpus.interviews}
                if field_name == "speaker"
                else {d for iv in self.corpus.interviews for d in iv.districts}
            )
            raise TaixinError(f"Unknown {field_name} {value!r}. Choose one of: {'、'.join(choices)}.")
        return out


def _patterns(table: dict[str, tuple[str, ...]]) -> list[tuple[re.Pattern[str], tuple[str, ...]]]:
    """A whole-word, plural-tolerant pattern for each English key, longest keys first."""

    def pattern(key: str) -> re.Pattern[str]:
        words = [re.escape(w) for w in re.split(r"[\s-]+", key)]
        last = words[-1]
        words[-1] = f"{last[:-1]}(?:y|ies)" if last.endswith("y") else f"{last}(?:s|es)?"  # plurals
        return re.compile(r"\b" + r"[\s-]+".join(words) + r"\b", re.I)

    return [(pattern(k), table[k]) for k in sorted(table, key=len, reverse=True)]


def _read_through(patterns: list[tuple[re.Pattern[str], tuple[str, ...]]], text: str) -> tuple[str, ...]:
    """The Chinese words of the English keys found in ``text``, each key's words once, a phrase read
    before the words inside it."""
    found: list[str] = []
    rest = text
    for pattern, words in patterns:
        if pattern.search(rest):
            rest = pattern.sub(" ", rest)
            found += [w for w in words if w not in found]
    return tuple(found)


_Table = dict[str, tuple[str, ...]]


def _read_english(path: Path) -> tuple[_Table, _Table, _Table]:
    """english.yaml: ``terms`` maps English words to the page's Chinese words, ``verbs`` (optional)
    English verbs to the words a plan's items open with, ``kinds`` (optional) English category nouns
    to what a list of that kind is called by; empty tables when the file is absent."""
    if not path.is_file():
        return {}, {}, {}
    try:
        data = yaml.safe_load(read_text(path)) or {}
    except yaml.YAMLError as exc:
        raise TaixinError(f"{path}: not valid YAML ({exc}).") from None
    terms = data.get("terms") if isinstance(data, dict) else None
    verbs = data.get("verbs", {}) if isinstance(data, dict) else None
    kinds = data.get("kinds", {}) if isinstance(data, dict) else None
    if not isinstance(terms, dict) or not isinstance(verbs, dict) or not isinstance(kinds, dict):
        raise TaixinError(
            f"{path}: expected 'terms:' (and optionally 'verbs:', 'kinds:') mapping English words to lists of "
            "Chinese words."
        )

    def table(raw: dict) -> dict[str, tuple[str, ...]]:
        return {str(k).lower(): tuple(str(w) for w in (v if isinstance(v, list) else [v])) for k, v in raw.items()}

    return table(terms), table(verbs), table(kinds)
