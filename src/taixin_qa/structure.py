"""Answers about the page itself, read from the interview headers: exact, and cited to the header.

Who holds which post, how many secretaries were interviewed and from where,
which reporter interviewed whom, the headlines, and the dates as printed are
not things a speaker *said*: they are printed in each interview's subtitle
("—访阳曲县委书记裴耀军"), byline ("记者 李杰华") and headline, which the corpus
keeps as header fields. Searching paragraphs for them finds a random
paragraph that happens to name the person; reading the header is exact.

A question is taken as a question about the page only when, once the names,
places, posts, dates and the words that ask about the page (书记, 记者, 标题,
几位, 哪些…) are taken out, nothing is left: "阳曲县委书记叫啥" is one, "谁说要当
排头兵？" is not (说要当排头兵 is left). An office-holder of a place that is not
on the page ("忻州市委书记是谁？") leaves 忻州 behind, so it goes to the search
and is refused there.

>>> from taixin_qa.corpus import load_corpus
>>> page = PageStructure(load_corpus("corpus"))
>>> page.answer("阳曲县委书记叫啥").short
'裴耀军'
>>> page.answer("谁说要当排头兵？") is None
True
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from taixin_qa.chunking import Passage
from taixin_qa.corpus import Article, Corpus, Interview
from taixin_qa.lexicon import short_place_names
from taixin_qa.tokenization import normalize

__all__ = ["PageStructure", "StructureAnswer", "header_passage"]

# Words that ask about the page's structure, longest first when they overlap. Whatever
# remains of a question after these, names, places, posts and dates are removed must be
# empty (or filler) for the question to be answered from the headers.
_FRAME_WORDS = sorted(
    [
        "版面上说",
        "版面说",
        "报上说",
        "这个版面",
        "这一版面",
        "这一版",
        "这版",
        "本版",
        "版面上",
        "版面",
        "整版",
        "这份报纸",
        "报纸",
        "本报",
        "这期",
        "这篇",
        "那篇",
        "本篇",
        "这几篇",
        "各篇",
        "每篇",
        "受访者",
        "受访的",
        "六位",
        "当中",
        "之中",
        "同时",
        "还",
        "里",
        "在",
        "当",
        "受访人",
        "被采访",
        "接受了专访",
        "接受专访",
        "接受了采访",
        "接受采访",
        "接受的采访",
        "接受的专访",
        "接受",
        "专访",
        "采访了",
        "采访",
        "采写",
        "撰写",
        "受访",
        "写的",
        "写",
        "记者署名",
        "记者",
        "署名",
        "作者",
        "总标题",
        "大标题",
        "主标题",
        "副标题",
        "副题",
        "标题",
        "题目",
        "叫什么",
        "叫啥",
        "叫",
        "名字",
        "姓名",
        "区委书记",
        "县委书记",
        "市委书记",
        "党委书记",
        "书记",
        "一把手",
        "领导",
        "负责人",
        "职务",
        "职位",
        "担任",
        "身份",
        "官",
        "哪一位",
        "哪几位",
        "哪几个",
        "哪几",
        "哪位",
        "哪个",
        "哪些",
        "几位",
        "几个",
        "几篇",
        "几名",
        "多少位",
        "多少个",
        "多少篇",
        "多少名",
        "多少",
        "一共",
        "总共",
        "共",
        "都有",
        "都是",
        "都",
        "有",
        "谁",
        "是",
        "的",
        "了",
        "什么",
        "啥",
        "哪天",
        "哪一天",
        "什么时候",
        "何时",
        "日期",
        "几号",
        "几月几日",
        "出版",
        "发表",
        "刊登",
        "刊发",
        "刊载",
        "见报",
        "登在",
        "哪家",
        "哪份",
        "中",
        "里",
        "之中",
        "当中",
        "在",
        "呢",
        "吗",
        "区县",
        "县区",
        "县市区",
        "区、县",
        "地方",
        "人",
        "哪里",
        "哪儿",
        "负责",
        "同时",
        "还",
        "也",
        "那",
        "这",
        "谈",
        "位",
        "个",
        "篇",
        "名",
        "分别",
        "以及",
        "和",
        "与",
        "各自",
        "请问",
        "告诉我",
        "一下",
        "代表",
        "现在",
        "目前",
        "哪个区",
        "哪个县",
        "哪个市",
    ],
    key=len,
    reverse=True,
)
_PUNCT = re.compile(r"[\s\W_]+")
_DATE = re.compile(r"\d{1,2}月\d{1,2}日")

_ASK_WHO = re.compile(r"谁|哪位|哪一位|叫什么|叫啥|名字|姓名|\bwho\b", re.I)
_OFFICE = re.compile(r"书记|一把手|领导|负责人|secretar(?:y|ies)", re.I)
_OTHER_OFFICE = re.compile(r"(?<!副)(县长|区长|市长)")
_INTERVIEW = re.compile(r"专访|采访|受访|interview", re.I)
_REPORTER = re.compile(r"记者|署名|作者|采写|撰写|写的|谁采访")
_TITLE = re.compile(r"标题|题目|副题|headline", re.I)
_DATE_ASK = re.compile(r"哪天|哪一天|什么时候|何时|日期|几号|几月几日|\bwhen\b|\b(?:what|which) (?:date|day)\b", re.I)
_DAY_ASK = re.compile(r"哪天|哪一天|日期|几号|几月几日|\b(?:what|which) (?:date|day)\b", re.I)
_UNDATED = re.compile(r"近日|日前|前不久|会后|会前")
_PUBLISH = re.compile(r"出版|报纸|发表|刊登|刊发|刊载|见报|登在|登报")
_POST_ASK = re.compile(
    r"职务|职位|担任|身份|什么职|哪里的|哪个区的|哪个县的|哪个市的|哪个地方的|负责哪|"
    r"what posts?|which posts?|position|\bwhich (?:district|county|city)\b|\bjob\b|\bpost\b",
    re.I,
)
_COUNT = re.compile(r"几|多少|how many", re.I)
_PICTURE = re.compile(r"图片说明|图片|照片|配图|相片")


def _about_pictures(question: str, rest: str) -> bool:
    """A question about an interview's photo: what is left besides the page words is the picture
    word, 配 and at most one two-character word (古交那篇专访配的图片是什么项目 -> 项目)."""
    if not _PICTURE.search(question):
        return False
    left = _PUNCT.sub("", _PICTURE.sub("", rest.replace("配", "")))
    return len(left) <= 2


_LIST = re.compile(r"哪些|哪几|都有谁|都是谁|有谁|分别|\bwhich\b", re.I)
_PLACE_WORD = re.compile(
    r"区县|县区|县市区|地方|哪个区|哪些区|哪个县|哪些县|几个区|哪几个区|哪里|\b(?:districts|counties|places)\b", re.I
)
_ENGLISH_FRAME = re.compile(
    r"\b(who|is|are|the|a|of|party|secretary|secretaries|what|which|posts?|does|do|hold|holds|position|"
    r"district|districts|county|counties|city|places|zone|high-tech|hi-tech|in|for|page|interviewed|interview|"
    r"how|many|on|this|were|was|been|have|has|date|day|when|did|sit|sat|down|with|paper|newspaper|his|her|its|"
    r"speak|spoke|talk|talked|to|s|head|heads|lead|leads|run|runs|charge|job)\b",
    re.I,
)


@dataclass(frozen=True)
class StructureAnswer:
    """A reply read from the headers.

    ``short`` is the direct answer (a name, a post, a headline as printed, a
    count) or None when the page does not print what was asked; ``missing``
    then says what is not printed. ``lines`` are the sentences of the reply,
    each with the header or paragraph it rests on (a :class:`Passage` whose
    ``kind`` is ``header`` for a subtitle, byline or headline).
    """

    kind: str
    short: str | None
    lines: tuple[tuple[str, Passage], ...]
    missing: str | None = None

    @property
    def sources(self) -> list[Passage]:
        seen: dict[str, Passage] = {}
        for _, p in self.lines:
            seen.setdefault(p.id, p)
        return list(seen.values())


def _answer(
    kind: str, short: str | None, lines: Iterable[tuple[str, Passage | None]], missing: str | None = None
) -> StructureAnswer:
    """A reply whose every line rests on a printed source (lines without one are left out)."""
    return StructureAnswer(kind, short, tuple((text, p) for text, p in lines if p is not None), missing)


def header_passage(interview: Interview, part: str) -> Passage | None:
    """The interview's ``subtitle``, ``byline`` or ``headline`` as a citable source, id ``<interview>:<part>``."""
    text = getattr(interview, part)
    if not text:
        return None
    return Passage.in_interview(interview, f"{interview.id}:{part}", text, "header")


def _article_passage(article: Article, part: str) -> Passage | None:
    text = getattr(article, part)
    if not text:
        return None
    # Printed above all six interviews: attributed to the page itself.
    return Passage(
        id=f"{article.id}:{part}",
        text=text,
        speaker="版面",
        role="总标题" if part == "title" else "副题",
        district="",
        headline=None,
        interview_id="",
        kind="header",
    )


def _paragraph_passage(interview: Interview, needle: str) -> Passage | None:
    for p in interview.paragraphs:
        if needle in p.text:
            return Passage.in_interview(interview, p.id, p.text, p.kind)
    return None


def reporter_of(interview: Interview) -> str | None:
    """The reporter's name from the byline as printed: '记者 王勇 文/摄' -> '王勇'."""
    if not interview.byline:
        return None
    words = [w for w in interview.byline.split() if w not in ("记者", "文/摄", "文", "摄", "文／摄")]
    return words[0] if words else None


class PageStructure:
    """Answers questions about the page from its headers; ``answer`` returns None for any other question."""

    def __init__(self, corpus: Corpus):
        self.corpus = corpus
        self.interviews = corpus.interviews
        self.article = corpus.articles[0] if corpus.articles else None
        self._places: dict[str, set[str]] = {}
        self._names: dict[str, set[str]] = {}
        self._posts: dict[str, set[str]] = {}
        self._reporters: dict[str, set[str]] = {}
        for iv in self.interviews:
            for district in iv.districts:
                for name in short_place_names(district):
                    self._places.setdefault(name, set()).add(iv.id)
            for alias in iv.district_aliases:
                self._places.setdefault(alias, set()).add(iv.id)
            for name in (iv.speaker, *iv.speaker_aliases):
                self._names.setdefault(name, set()).add(iv.id)
            for post in iv.posts:
                self._posts.setdefault(post, set()).add(iv.id)
            reporter = reporter_of(iv)
            if reporter:
                self._reporters.setdefault(reporter, set()).add(iv.id)

    # -- reading the question --------------------------------------------------
    def _find(self, table: dict[str, set[str]], text: str) -> tuple[set[str], str]:
        """Interview ids named in ``text`` through ``table``, and the text with those names blanked."""
        ids: set[str] = set()
        for form in sorted(table, key=len, reverse=True):
            pattern = re.escape(form) if not form.isascii() else rf"\b{re.escape(form)}\b"
            flags = re.I if form.isascii() else 0
            if re.search(pattern, text, flags):
                ids |= table[form]
                text = re.sub(pattern, " ", text, flags=flags)
        return ids, text

    def _read(self, question: str) -> dict | None:
        text = normalize(question).strip()
        if not text:
            return None
        rest = text
        posts, rest = self._find(self._posts, rest)
        names, rest = self._find(self._names, rest)
        places, rest = self._find(self._places, rest)
        reporters, rest = self._find(self._reporters, rest)
        dates = _DATE.findall(rest)
        rest = _DATE.sub(" ", rest)
        other_office = bool(_OTHER_OFFICE.search(rest))
        rest = _OTHER_OFFICE.sub(" ", rest)
        english = not re.search(r"[\u4e00-\u9fff]", text)
        if english:
            rest = _ENGLISH_FRAME.sub(" ", rest)
            if _PUNCT.sub("", rest):
                return None
        else:
            rest = re.sub(r"作为[^，,。？?]{1,16}?的", "", rest)  # "作为太忻经济区核心区的阳曲": a description
            for word in _FRAME_WORDS:
                rest = rest.replace(word, "")
            if _PUNCT.sub("", rest) and not _about_pictures(text, rest):
                return None  # something besides names and page words: a question about the content
        return {
            "text": text,
            "posts": posts,
            "names": names,
            "places": places,
            "reporters": reporters,
            "dates": dates,
            "other_office": other_office,
        }

    # -- answering -------------------------------------------------------------
    def answer(self, question: str) -> StructureAnswer | None:
        """The header answer to ``question``, or None when it is not a question about the page's structure."""
        q = self._read(question)
        if q is None:
            return None
        t = q["text"]
        subject = q["names"] | q["places"]
        one = [iv for iv in self.interviews if iv.id in subject]
        if _PICTURE.search(t):
            return self._pictures(one or list(self.interviews))
        if _PUBLISH.search(t) and _DATE_ASK.search(t):
            return self._publication()
        if _TITLE.search(t):
            return self._headline(one[0]) if len(one) == 1 else (None if one else self._title("副" in t))
        if _DATE_ASK.search(t) and one:
            day = bool(_DAY_ASK.search(t))  # 哪天 asks for a day: '近日' is no answer to it
            return self._date(one[0], day) if len(one) == 1 else self._dates(one, day)
        if q["reporters"] and (_ASK_WHO.search(t) or _LIST.search(t) or _INTERVIEW.search(t)):
            return self._interviewed_by(q["reporters"])
        if _REPORTER.search(t):
            if len(one) == 1:
                return self._reporter(one[0])
            return None if one else self._all_reporters()
        if q["dates"] and (_ASK_WHO.search(t) or _LIST.search(t)):
            return self._on_date(q["dates"][0])
        if q["other_office"] and q["places"] and not q["names"] and _ASK_WHO.search(t):
            return self._other_office(one, t)
        if (
            q["names"]
            and not q["places"]
            and len(one) == 1
            and (_POST_ASK.search(t) or (_OFFICE.search(t) and re.search(r"哪里|哪个|什么", t)))
        ):
            return self._posts_of(one[0])
        if _ASK_WHO.search(t) and not q["names"]:
            holders = [iv for iv in self.interviews if iv.id in (q["posts"] or q["places"])]
            if q["posts"] and len(holders) == 1:
                return self._holder(holders[0])
            if q["places"] and one and (_OFFICE.search(t) or _INTERVIEW.search(t) or q["posts"]):
                return self._holder(one[0]) if len(one) == 1 else self._holders_of(one)
        if not subject and not q["posts"]:
            asks_people = _OFFICE.search(t) or _INTERVIEW.search(t) or "人" in t
            if _LIST.search(t) and _PLACE_WORD.search(t):
                return self._all_places()
            if (_LIST.search(t) or _ASK_WHO.search(t)) and asks_people:
                return self._speakers()
            if _COUNT.search(t) and (asks_people or "篇" in t):
                return self._count(t)
        return None

    # -- the replies -------------------------------------------------------------
    def _subtitle_line(self, iv: Interview, lead: str) -> tuple[str, Passage | None]:
        source = header_passage(iv, "subtitle")
        if source is None:  # no printed subtitle: fall back on the first paragraph that names the speaker
            source = _paragraph_passage(iv, iv.speaker) or header_passage(iv, "byline")
        return (f"{lead}（见副题“{iv.subtitle}”）" if iv.subtitle else lead), source

    def _holder(self, iv: Interview) -> StructureAnswer:
        return _answer("post_holder", iv.speaker, (self._subtitle_line(iv, f"{iv.speaker}，{iv.role}"),))

    def _holders_of(self, ivs: list[Interview]) -> StructureAnswer:
        """阳曲和古交的书记是谁？: each place's secretary, in page order."""
        lines = [self._subtitle_line(iv, f"{iv.speaker}，{iv.role}") for iv in ivs]
        return _answer("post_holder", "、".join(iv.speaker for iv in ivs), lines)

    def _posts_of(self, iv: Interview) -> StructureAnswer:
        return _answer("posts", iv.role, (self._subtitle_line(iv, f"{iv.speaker}的职务：{iv.role}"),))

    def _other_office(self, ivs: list[Interview], text: str) -> StructureAnswer:
        found = _OTHER_OFFICE.search(text)
        office = found.group(1) if found else "县长"
        iv = ivs[0] if ivs else None
        place = iv.districts[0] if iv else ""
        missing = f"版面没有给出{place}{office}的名字"
        lines = (self._subtitle_line(iv, f"{place}接受专访的是{iv.role}{iv.speaker}"),) if iv else ()
        return _answer("post_holder", None, lines, missing)

    def _count(self, text: str) -> StructureAnswer:
        unit = "篇" if "篇" in text else ("个" if _PLACE_WORD.search(text) or "几个" in text else "位")
        lines = tuple(self._subtitle_line(iv, f"{iv.speaker}，{iv.role}") for iv in self.interviews)
        return _answer("count", f"{len(self.interviews)}{unit}", lines)

    def _all_places(self) -> StructureAnswer:
        lines = tuple(self._subtitle_line(iv, f"{iv.district}：{iv.speaker}，{iv.role}") for iv in self.interviews)
        return _answer("places", "、".join(iv.districts[0] for iv in self.interviews), lines)

    def _speakers(self) -> StructureAnswer:
        lines = tuple(self._subtitle_line(iv, f"{iv.speaker}，{iv.role}") for iv in self.interviews)
        return _answer("speakers", "、".join(iv.speaker for iv in self.interviews), lines)

    def _reporter(self, iv: Interview) -> StructureAnswer:
        name = reporter_of(iv)
        if name is None:
            note = next((n for n in iv.notes if "署名" in n), "")
            source = header_passage(iv, "subtitle")
            lines = (
                (
                    (
                        f"{iv.speaker}专访{iv.subtitle and '（' + iv.subtitle + '）' or ''}没有印出记者署名。{note}",
                        source,
                    ),
                )
                if source
                else ()
            )
            return _answer("reporter", None, lines, f"版面没有印出{iv.speaker}专访的记者署名")
        byline = header_passage(iv, "byline")
        return _answer("reporter", name, ((f"{iv.speaker}专访的署名是“{iv.byline}”", byline),))

    def _all_reporters(self) -> StructureAnswer:
        names: list[str] = []
        lines = []
        for iv in self.interviews:
            name = reporter_of(iv)
            if name:
                lines.append((f"{iv.speaker}专访：{iv.byline}", header_passage(iv, "byline")))
                if name not in names:
                    names.append(name)
        return _answer("reporters", "、".join(names), tuple(lines))

    def _interviewed_by(self, reporters: set[str]) -> StructureAnswer:
        ivs = [iv for iv in self.interviews if iv.id in reporters]
        lines = tuple((f"{iv.speaker}（{iv.role}）专访，署名“{iv.byline}”", header_passage(iv, "byline")) for iv in ivs)
        return _answer("interviewed_by", "、".join(iv.speaker for iv in ivs), lines)

    def _headline(self, iv: Interview) -> StructureAnswer:
        if not iv.headline:
            note = next((n for n in iv.notes if "标题" in n), "")
            lines = (
                ((f"{iv.speaker}专访在版面上没有可确定的主标题。{note}", header_passage(iv, "subtitle")),)
                if iv.subtitle
                else ()
            )
            return _answer("headline", None, lines, f"版面上没有可确定的{iv.speaker}专访标题")
        doubt = "（这个标题的归属不能完全确定）" if iv.headline_uncertain else ""
        line = (f"{iv.speaker}专访的标题是“{iv.headline}”{doubt}", header_passage(iv, "headline"))
        return _answer("headline", iv.headline, (line,))

    def _title(self, subtitle: bool) -> StructureAnswer | None:
        if self.article is None:
            return None
        part = "subtitle" if subtitle else "title"
        source = _article_passage(self.article, part)
        if source is None:
            return None
        label = "副题" if subtitle else "总标题"
        return _answer("title", source.text, ((f"版面的{label}是“{source.text}”", source),))

    def _date(self, iv: Interview, day: bool = False) -> StructureAnswer:
        """When ``iv`` was interviewed: its printed date; undated, the page's own word for when
        ('近日'), bold when the question asks when rather than which ``day``, and that no date is printed."""
        if not iv.date:
            line, when = self._undated_line(iv)
            return _answer("date", None if day else when, (line,), f"版面没有印出{iv.speaker}接受专访的具体日期")
        source = _paragraph_passage(iv, iv.date) or header_passage(iv, "byline")
        note = next((n for n in iv.notes if iv.date in n), "")
        return _answer("date", iv.date, ((f"{iv.speaker}于{iv.date}接受专访。{note}".strip(), source),))

    def _undated_line(self, iv: Interview) -> tuple[tuple[str, Passage | None], str | None]:
        """What an interview without a printed date says of when: the word opening the sentence that
        tells of the interview ('近日，…接受本报记者专访'; '会后，…接受了本报记者专访' after a meeting held
        '日前'), cited to its paragraph, and that word; or its subtitle and None."""
        for p in iv.paragraphs:
            for sentence in re.split(r"(?<=[。！？])", p.text):
                when = _UNDATED.match(sentence.lstrip("“”"))
                if when and _INTERVIEW.search(sentence):
                    line = f"{iv.speaker}专访只写“{when.group(0)}”，没有印出具体日期"
                    return (line, Passage.in_interview(iv, p.id, p.text, p.kind)), when.group(0)
        return self._subtitle_line(iv, f"{iv.speaker}专访没有印出采访日期"), None

    def _dates(self, ivs: list[Interview], day: bool = False) -> StructureAnswer:
        """When each of several named secretaries was interviewed, as printed."""
        each = [self._date(iv, day) for iv in ivs]
        lines = [line for one in each for line in one.lines[:1]]
        undated = [iv.speaker for iv in ivs if not iv.date]
        said = [one.short for one in each]
        short = "；".join(f"{iv.speaker}：{when}" for iv, when in zip(ivs, said)) if all(said) else None
        missing = f"版面没有印出{'、'.join(undated)}接受专访的具体日期" if undated else None
        return _answer("date", short, lines, missing)

    def _on_date(self, date: str) -> StructureAnswer:
        ivs = [iv for iv in self.interviews if iv.date == date]
        lines = tuple((f"{iv.speaker}（{iv.role}）：{iv.date}", _paragraph_passage(iv, date)) for iv in ivs)
        short = "、".join(iv.speaker for iv in ivs) if ivs else None
        missing = None if ivs else f"版面上没有{date}接受专访的书记"
        return _answer("speakers_on_date", short, lines, missing)

    def _pictures(self, ivs: list[Interview]) -> StructureAnswer:
        """The photo captions printed with the interviews (and their credits), cited to the caption."""
        lines = []
        for iv in ivs:
            for p in iv.paragraphs:
                if p.kind == "caption":
                    credit = p.credit or ""
                    if credit and not credit.startswith(("(", "（")):
                        credit = f"（{credit}）"
                    lines.append((f"{iv.speaker}专访的图片说明：{p.text}{credit}", _paragraph_passage(iv, p.text)))
        if not lines:
            whose = f"{ivs[0].speaker}专访" if len(ivs) == 1 else "这些专访"
            source = header_passage(ivs[0], "subtitle") if len(ivs) == 1 else None
            line = ((f"{whose}没有配图片说明", source),)
            return _answer("pictures", None, line, f"版面上{whose}没有配图片说明")
        captions = [p.text for iv in ivs for p in iv.paragraphs if p.kind == "caption"]
        return _answer("pictures", captions[0].rstrip("。") if len(captions) == 1 else None, lines)

    def _publication(self) -> StructureAnswer:
        note = ""
        if self.article is not None:
            note = next((n for n in self.article.notes if "日期" in n), "")
        source = _article_passage(self.article, "title") if self.article is not None else None
        lines = ((f"版面文字中没有报纸名称和出版日期。{note}".strip(), source),) if source else ()
        return _answer("publication_date", None, lines, "版面没有印出出版日期")
