"""The direct answer inside a sentence: a number, a count, a list, a date, a named thing.

Pure functions over text, no model: the composer (:mod:`taixin_qa.answering`)
picks the sentence; this module says what the question asks for and finds
the words of that sentence that answer it, verbatim. When nothing of the
asked-for shape is there, it returns None: a wrong bold answer is worse than
none, so every rule here prefers to find nothing.

>>> question_type("万柏林区第一年计划完成多少投资？")
'number'
>>> find_span("万柏林区第一年计划完成多少投资？", "力争起步第一步一年完成300亿元投资。").text
'300亿元'
>>> find_span("迎泽区要打造哪五大融合载体？",
...           "做强“核心区、承载区、集聚区、引领区、休闲区”五大融合载体，突出特色。").text
'核心区、承载区、集聚区、引领区、休闲区'
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache

from taixin_qa.text import cjk_ratio
from taixin_qa.tokenization import Tokenizer

__all__ = [
    "FACT_TYPES",
    "Span",
    "asked_count",
    "asked_heads",
    "asks_date",
    "clauses",
    "enumerates",
    "find_span",
    "led_items",
    "list_head",
    "noun_at_start",
    "question_leads",
    "question_type",
]

FACT_TYPES = ("number", "count", "list", "name", "place", "date")

_CN_NUMERAL = "一二三四五六七八九十百千万两"
_NUMERAL = "0-9０-９" + _CN_NUMERAL
_UNITS = (
    "亿元|万元|元|平方公里|平方米|公里|公顷|亩|座|支|个|家|项|所|条|处|栋|期|次|届|倍|%|％|万人|人|名|位|种|批|亿|万"
)
_NUMBER = re.compile(rf"(?:约|近|超过|超|逾|达|共)?(?:\d+(?:\.\d+)?|[{_CN_NUMERAL}]+)(?:{_UNITS})")
_DATE = re.compile(r"(?:\d{4}年)?\d{1,2}月(?:\d{1,2}日)?|\d{4}年")
_CLAUSE_END = re.compile(r"[，；：。！？,;:!?]")
_QUOTED = re.compile(r"[“‘「]([^“”‘’「」]{2,80})[”’」]")
# an item's characters, with a short aside in brackets kept in it ('太忻经济区(太原片区)建设启动大会')
_ITEM = r"(?:[^，。；：、“”‘’（）()！？,;:!?\s]|[（(][^，。；：、“”‘’（）()！？,;:!?\s]{1,8}[）)]){1,20}"
_RUN = re.compile(rf"{_ITEM}(?:、{_ITEM})+")
# "推进国家火炬计划…二期和珈宝广场等重大项目": two things joined by 和, marked as a list by 等.
_PAIR = re.compile(r"([^，。；：、“”‘’（）()！？\s]{2,40}?)和([^，。；：、“”‘’（）()！？\s]{2,16}?)(?=等)")
# Where a list's first item starts: after the verb or preposition that introduces it.
_LEAD_VERB = re.compile(
    r"(?:包括|涵盖|依托|利用|推进|实施|打造|做强|建设|构建|发展|加快|谋划|坚持|围绕|聚焦|引进|整合|落户|出台|制定|"
    r"挖掘|组建|重点|提升|推动|培育|召开|落实|健全|完善|植入|引入|导入|经历|处于|面临|面对|启动|放大|扩大|用好|做好|发挥|立足|依靠|凭借|借助|紧盯|瞄准|做到|还有|有|是|为|如|即|以|与|和|对|在)"
)
_TRAIL = re.compile(r"(?:等.*|[一二三四五六七八九十两0-9]+大.*)$")

_Q_NUMBER = re.compile(r"多少|多大|多高|多长|多远|多久|how (?:much|many|big|large)|what (?:investment|amount)", re.I)
_Q_COUNT = re.compile(r"(?<!好)几(?!乎)|第几")  # "好几家" means "several", not "how many"
_Q_LIST = re.compile(
    r"哪些|哪几|有什么|有啥|些什么|分别是|分别有|分别叫|哪[“‘]?[一二三四五六七八九十两]|哪类|哪种|"
    r"[一二三四五六七八九十两]大[\u4e00-\u9fff]{2,6}?[”’]?(?:是|指|包括)(?:什么|啥|哪些)|"  # 三大支撑是啥
    r"\b(?:which|what)\s+(?:[a-z-]+\s+){0,2}(?!does\b|is\b|has\b|was\b)[a-z-]+(?:ies|[^su]s)\b|what are|"
    r"\bwhat\b.*\b(?:list|lists|listed|enumerate)\b",  # 'What concrete work does Yangqu list…?'
    re.I,
)
_Q_NAME = re.compile(
    r"谁|哪位|哪一位|哪几位|哪[两二三四五六]位|哪些书记|(?<!分别)叫什么|(?<!分别)叫啥|名字|"
    r"\bwho\b|\bwhich (?:party )?(?:secretar(?:y|ies)|officials?|leaders?)\b",
    re.I,
)
_Q_ASPECTS = re.compile(r"哪几方面|哪些方面|哪几个方面|什么方面")
_Q_PLACE = re.compile(
    r"哪里|哪儿|在哪|哪个地方|哪些地方|哪个区|哪些区|哪个县|哪个城区|哪个片区|哪个启动区|\bwhere\b", re.I
)
# "when" asks for a date only where it opens the question ("When was…?", not "…stick to when implementing…?")
_Q_DATE = re.compile(
    r"什么时候|何时|哪天|哪一天|哪年|哪一年|几月|几号|"
    r"^\s*(?:and |so |but )?when\b(?! it comes to)|\bwhat (?:date|day|year)\b",
    re.I,
)
_Q_POST = re.compile(r"职务|职位|担任|哪里的书记")
_Q_HOW = re.compile(r"怎么|如何|怎样|\bhow\b", re.I)
# "目标是怎么定的？" asks what the goal is, not how it was set
_Q_GOAL = re.compile(r"(?:目标|定位)(?:是)?(?:怎么|如何|怎样)(?:定|确定|设定|制定|设置)")
_Q_WHAT = re.compile(r"什么|啥|哪个|哪一个|哪[条家座所片处]|\bwhat\b|\bwhich\b", re.I)
_Q_PLACES = re.compile(r"哪些(?:区县|地方|区|县)|哪几个(?:区|县)")
# question_type's checks, first match wins
_Q_TYPES: tuple[tuple[re.Pattern[str], str], ...] = (
    (_Q_ASPECTS, "how"),
    (_Q_POST, "post"),
    (_Q_DATE, "date"),
    (_Q_NAME, "name"),
    (_Q_PLACES, "place"),
    (_Q_LIST, "list"),
    (_Q_NUMBER, "number"),
    (_Q_COUNT, "count"),
    (_Q_PLACE, "place"),
    (_Q_GOAL, "what"),
    (_Q_HOW, "how"),
    (_Q_WHAT, "what"),
)
_EVENT_PLACE = re.compile(
    r"(?:在(?=[\u4e00-\u9fff]{2,6}?(?:召开|举行|举办|开幕))|落户)(?P<where>[\u4e00-\u9fff]{2,6}?)(?:召开|举行|举办|开幕|[。，；]|$)"
)
_HEAD = re.compile(r"(?:哪个|哪一个|什么|啥|哪些|哪几个|哪)([\u4e00-\u9fff]{2,8})")
_GENERIC_HEADS = {
    "地方",
    "东西",
    "事情",
    "方面",
    "内容",
    "区域",
    "工作",
    "时候",
    "问题",
    "情况",
    "意思",
    "样子",
    "书记",
    "领导",
    "位置",
    "打算",
    "举措",
    "措施",
    "项目",
    "产业",
    "阶段",
    "企业",
}
_COMMON_CHARS = set("的和与及等区县市些个大了是在有")
_VAGUE_HEADS = {"东西", "事情", "内容", "方面", "情况", "问题", "工作", "地方"}  # name no kind of thing
# What a category noun covers: a list whose items are named so is a list of that kind
# ("高校" listed as 中北大学、太原工业学院; "企业" as 太重集团、中车、晋西集团…).
_KINDS: dict[str, tuple[str, ...]] = {
    "高校": ("大学", "学院"),
    "院校": ("大学", "学院"),
    "大学": ("大学", "学院"),
    "学校": ("学校", "大学", "学院", "中学", "小学"),
    "企业": ("集团", "公司", "企业", "重工"),
    "公司": ("集团", "公司", "企业"),
    "景区": ("景区", "景点", "公园", "古城"),
    "景点": ("景区", "景点", "公园", "古城"),
}
_MEASURE = set("座支个家项所条处栋期次届倍人名位种批")


@dataclass(frozen=True)
class Span:
    """Words of ``sentence`` from ``start`` that answer the question, as printed."""

    text: str
    start: int
    kind: str
    fit: float = 1.0  # how sure the shape and the question agree: 1.0 certain, lower is a guess


def question_type(question: str) -> str:
    """What a question asks for: number, count, list, name, place, date, post, how or what.

    >>> [question_type(q) for q in ("杏花岭区要培育几大商圈？", "尖草坪区有哪些高校？", "谁说要当排头兵？")]
    ['count', 'list', 'name']
    """
    plain = re.sub(r"(?<!\w)'|'(?!\w)", "", question)  # which two 'orientations' -> which two orientations
    for pattern, kind in _Q_TYPES:
        if pattern.search(plain):
            return kind
    return "how"


def asks_date(question: str) -> bool:
    """The question asks for a date (什么时候/哪天/哪年…, or an opening "when"): the one reading of it, for the
    span finder (question_type) and the scope judge (a date question needs a date in its passages).

    >>> asks_date("启动大会是哪天开的？"), asks_date("When was it held?"), asks_date("What to stick to when working?")
    (True, True, False)
    """
    return bool(_Q_DATE.search(question))


def clauses(sentence: str) -> list[tuple[int, str]]:
    """The clauses of a sentence (split on ，；：。), each with its offset; 、 stays inside a clause."""
    out, start = [], 0
    for m in _CLAUSE_END.finditer(sentence):
        if m.start() > start:
            out.append((start, sentence[start : m.start()]))
        start = m.end()
    if start < len(sentence):
        out.append((start, sentence[start:]))
    return out


def enumerates(sentence: str) -> bool:
    """True when the sentence lists three or more things (a 、-separated run or a quoted list)."""
    return any(m.group(0).count("、") >= 2 for m in _RUN.finditer(sentence))


def _lead_end(item: str) -> int:
    """Where a list's first item starts after the verb that introduces it ('制定出台人才引进' -> 4), or 0.
    A verb right after a place (or its bracketed aside) is part of a name ('杏花岭区建设动员大会',
    '太忻经济区(太原片区)建设启动大会' stay whole)."""
    ends = [
        m.end()
        for m in _LEAD_VERB.finditer(item)
        if m.end() <= len(item) - 2
        and not (
            len(m.group(0)) == 2
            and item[: m.start()].endswith(("区", "县", "市", ")", "）"))
            and m.group(0) not in _NEVER_NAMED
        )
        and not item.startswith(("大会", "会"), m.end())  # '建设启动大会' names a meeting
    ]
    return ends[-1] if ends else 0


_NEVER_NAMED = ("召开", "落实")  # verbs no name holds: '杏花岭区召开…大会' is the district acting


def _extend_noun(sentence: str, end: int, limit: int = 4) -> int:
    """Let a number keep the noun right after it ('5支' + '队伍'), up to a few characters."""
    m = re.match(rf"[\u4e00-\u9fff]{{1,{limit}}}(?=[，。；：、“”,;:]|$)", sentence[end:])
    return end + len(m.group(0)) if m else end


_ASKS_DURATION = re.compile(r"多长时间|多久|多少年|多长的时间")
_DURATION = re.compile(rf"(?<![第{_NUMERAL}])[{_NUMERAL}]+(?:个)?(?:年|个月|月|天|周)(?![份度级底])")


def _duration(question: str, sentence: str) -> Span | None:
    """'力争在多长时间内完成…投资？' over '…‘一年见效、三年成形…’…力争起步第一步一年完成300亿元投资' ->
    '一年': a length of time (not 第一年, an ordinal) that the question's words stand around, when one
    does; never a time the question names."""
    found = [
        m
        for m in _DURATION.finditer(sentence)
        if m.group(0) not in question and sentence[m.start() - 1 : m.start()] not in ("“", "‘", "、")
    ]  # ‘一年见效、三年成形’ names goals, not a time
    # two of the question's words: "多长时间完成" alone does not say what is completed
    asked = [m for m in found if _measures_asked(question, sentence, m.start(), m.end(), words=2)]
    if len(asked) == 1:
        return Span(asked[0].group(0), asked[0].start(), "number", 1.0)
    return Span(found[0].group(0), found[0].start(), "number", 0.6) if found else None


_SAME_MEASURE = {m: ("栋", "座", "幢") for m in "栋座幢"}  # a building counts by any of them


def _number(question: str, sentence: str, kinds: tuple[str, ...] = ()) -> Span | None:
    if _ASKS_DURATION.search(question):
        return _duration(question, sentence)
    wanted = None
    m = re.search(r"多少([\u4e00-\u9fff])", question)
    if m and m.group(1) in _MEASURE:
        wanted = m.group(1)
    area = re.search(r"占地|面积|多大|how big|how large|area", question, re.I)
    money = re.search(r"投资|资金|金额|多少钱|亿|万元|invest|money|fund", question, re.I)
    for hit in _NUMBER.finditer(sentence):
        token = hit.group(0)
        if token in question:
            continue  # "多长时间内完成那300亿元投资？": the amount the question names is not its answer
        if not re.search(r"\d", token) and wanted is None:
            continue  # a Chinese numeral ("一批", "三大") is a count, not an amount
        if wanted and not token.endswith(_SAME_MEASURE.get(wanted, (wanted,))):
            continue
        if area and not re.search(r"平方|亩|公顷", token):
            continue
        if money and not re.search(r"元|亿|万", token):
            continue
        fit = 1.0 if (wanted or area or money) else 0.8
        chinese = re.search(r"[\u4e00-\u9fff]", question)  # an English question's words cannot be matched
        if (area or money) and chinese and not _measures_asked(question, sentence, hit.start(), hit.end()):
            fit = 0.7  # "迎泽区的面积有多大？" over "占地约3平方公里的金融核心集聚区": another thing's area
        # "10座" keeps its noun ("10座存量楼宇"); an amount or an area stands alone ("300亿元").
        end = _extend_noun(sentence, hit.end()) if token[-1] in _MEASURE else hit.end()
        noun = sentence[hit.end() : end]
        if len(noun) >= 2 and any(h in noun or noun in h for h in asked_heads(question, kinds)):
            fit = 1.0  # "how many working teams" over "5支队伍": the counted noun is the one asked
        return Span(sentence[hit.start() : end], hit.start(), "number", fit)
    return None


def _english_count(sentence: str, kinds: tuple[str, ...]) -> Span | None:
    """'How many major business districts…?' over '培育壮大“五大商圈”' -> '五大商圈': the count printed with
    the Chinese word of the English category noun (english.yaml kinds), when the sentence prints one."""
    if not kinds:
        return None
    words = "|".join(re.escape(k) for k in sorted(kinds, key=len, reverse=True))
    found = list(re.finditer(rf"[{_CN_NUMERAL}]+(?:大|个|项|条|座|家|所|支)(?:{words})", sentence))
    return Span(found[0].group(0), found[0].start(), "number", 1.0) if len(found) == 1 else None


def _measures_asked(question: str, sentence: str, start: int, end: int, words: int = 1) -> bool:
    """The words around an amount or an area (in its clause) share ``words`` words with the question,
    the place it starts with aside: what is measured is what was asked about."""
    before = re.split(r"[，。；：！？]", sentence[max(0, start - 8) : start])[-1]
    after = re.split(r"[，。；：！？]", sentence[end : end + 10])[0]
    subject = re.match(r"[\u4e00-\u9fff]{0,3}[区县市]", question)
    asked = _bigrams(question) - _bigrams(subject.group(0) if subject else "")
    return len(asked & (_bigrams(before) | _bigrams(after))) >= words


_ASKS_CONGRESS = re.compile(r"(?<![省市区县])第几(?:次|届)(?:党的)?(?:党代会|代表大会|全国代表大会)")
_CONGRESS = re.compile(rf"(?<=党的)[{_CN_NUMERAL}]+大")


# How people count teams in speech, and how the page prints them
_COUNTED_ALIKE = (("几路人马", "几支队伍"), ("几个班子", "几支队伍"), ("几个团队", "几支队伍"), ("几拨人", "几支队伍"))


def _counted_short(asked: str, sentence: str) -> re.Match[str] | None:
    """'几家大的军工企业' over '江阳、兴安、新华三大军企': a count of the asked noun's short form (its first
    character, then one of its others: 军企 for 军工企业). ``asked``: the question after 几 and the measure."""
    noun = re.match(r"(?:大的|大|的)?([\u4e00-\u9fff]{3,6})", asked)
    if noun is None:
        return None
    word = noun_at_start(noun.group(1), "？?")
    for hit in re.finditer(rf"[{_NUMERAL}]+[大个项家]([\u4e00-\u9fff]{{2}})", sentence):
        short = hit.group(1)
        if len(word) >= 3 and short[0] == word[0] and short[1] in word[1:] and not word.startswith(short):
            return hit
    return None


def _quoted_count(ordinal: str, tail: str, quoted: str, sentence: str) -> re.Match[str] | None:
    """A count whose words the question quotes: 几个“走在前列” over ‘四个走在前列’ (the quoted words come
    along), 几年要“成形” over 三年成形, 搞几“化”提升 over “三化”提升 (the count is the quoted word)."""
    tail = re.sub(r"(?<=.)(?:要|会|将|能|就|才)$", "", tail)
    return re.search(rf"({ordinal}[{_NUMERAL}]+{re.escape(tail)}[“‘]?{re.escape(quoted)})", sentence)


def _counted_before(question: str, sentence: str) -> re.Match[str] | None:
    """ "…做商圈，各要搞几个？" over "培育壮大“五大商圈”": a count of a thing the question names before 几个."""
    counted = re.finditer(rf"[{_NUMERAL}]+[大个]“?([\u4e00-\u9fff]{{2}})", sentence)
    return next((h for h in counted if h.group(1) in question), None)


def _numbered_point(question: str, sentence: str) -> re.Match[str] | None:
    """'讲风电、储能的是第几条？' over '二是…风电…储能…': the point the sentence opens, when it says some of
    the question's words."""
    point = re.match(rf"[“]?([{_CN_NUMERAL}]是)", sentence)
    return point if point and _bigrams(question) & _bigrams(sentence[2:]) else None


def _as_counted(question: str) -> str:
    """The question with its counts as the page prints them: "几路人马" as "几支队伍", "几年就要见效" as
    "几年见效" (一年见效), "那几条" (those few, not asked) as "那些条"."""
    for said, printed in _COUNTED_ALIKE:
        question = question.replace(said, printed)
    question = re.sub(r"(几[年月天周])(?:就要|就能|才能|就|要|才|能)", r"\1", question)
    return re.sub(r"(?<=[那这])几", "些", question)


_QUOTED_COUNTED = re.compile(r"[“‘]([\u4e00-\u9fff]{1,4})[”’]几[个项条样]?")


def _counts_of_quoted(question: str, sentence: str) -> list[tuple[int, int, float]]:
    """'要“转”几项、“定”几项？' over “三转三定”: each count printed right before its quoted word."""
    found = []
    for m in _QUOTED_COUNTED.finditer(question):
        hit = re.search(rf"[{_NUMERAL}]+{re.escape(m.group(1))}", sentence)
        if hit:
            found.append((hit.start(), hit.end(), 1.0))
    return found


def _counts(question: str, sentence: str) -> Span | None:
    """'几大商圈' in the question -> '五大商圈' in the sentence; several 几 -> several spans;
    '第几期' -> '二期' (an ordinal is often printed without 第); '党的第几次代表大会' -> '二十大'."""
    question = _as_counted(question)
    asked = question.count("几")
    found = _counts_of_quoted(question, sentence)
    question = re.sub(_QUOTED_COUNTED, "", question) if found else question
    for m in re.finditer(r"(第)?几([\u4e00-\u9fff]{0,4})(?:[“‘]([^“”‘’]{1,12})[”’])?", question):
        ordinal, tail = m.group(1) or "", m.group(2)
        point = _numbered_point(question, sentence) if ordinal and tail[:1] in ("条", "点", "项") else None
        hit = point or (_quoted_count(ordinal, tail, m.group(3), sentence) if m.group(3) else None)
        if hit:
            found.append((hit.start(1), hit.end(1), 1.0))
        if point or m.group(3):
            continue
        if not tail:
            continue
        named = _counted_before(question, sentence) if tail == "个" and not ordinal else None
        if named:
            found.append((named.start(), named.end(), 1.0))
            continue
        if tail[0] in _MEASURE and len(tail) > 2:  # "几个商圈" may be printed "五大商圈", "几个组长" "双组长"
            hit = re.search(rf"(?:[{_NUMERAL}]+[大个项]|双)“?{re.escape(tail[1:3])}", sentence)
            hit = hit or _counted_short(question[m.start(2) + 1 :], sentence)
            if hit:
                found.append((hit.start(), _extend_noun(sentence, hit.end()), 0.9))
                continue
        for k in range(len(tail), 0, -1):
            # 第几批 over 首批: 首 is the first
            first = "|首" if ordinal and k == 1 and tail[0] in _MEASURE else ""
            pattern = re.compile(rf"(?:(?:{ordinal})?[{_NUMERAL}]+{first}){re.escape(tail[:k])}")
            taken = {start for start, _, _ in found}  # "第几期了，…是第几期？" -> 二期, 三期
            hit = next((h for h in pattern.finditer(sentence) if h.start() not in taken), None)
            if hit:
                end = hit.end()
                if ordinal and k == 1 and tail[0] in _MEASURE:
                    fit = 1.0  # 第几期 asks the ordinal itself: "二期", not the words after it
                elif k == 1 and tail[0] in _MEASURE:
                    end = _extend_noun(sentence, end)
                    noun = sentence[hit.end() : end]
                    if len(tail) > 1 and not set(noun) & set(tail[1:]):
                        continue  # "几个商圈" is not answered by "一个核心"
                    if len(tail) == 1:  # "…商圈，各要搞几个？": the thing counted is named before 几个
                        fit = 1.0 if not noun or noun[:2] in question else 0.8
                    else:
                        fit = 0.9 if set(noun) & set(tail[1:]) else 0.8
                else:
                    fit = 1.0 if k >= 2 or k == len(tail) else 0.8
                found.append((hit.start(), end, fit))
                break
    if asked >= 2 and len(found) < 2:
        return None  # "要“转”几项、“定”几项？" asks two counts: one number printed answers neither
    if not found:
        congress = _CONGRESS.search(sentence) if _ASKS_CONGRESS.search(question) else None
        return Span(congress.group(0), congress.start(), "count", 1.0) if congress else None
    return _counts_span(sorted(found), sentence)


def _counts_span(found: list[tuple[int, int, float]], sentence: str) -> Span | None:
    """The counts found, as one span from the first to the last (none when they stand far apart)."""
    start, end = found[0][0], found[-1][1]
    return Span(sentence[start:end], start, "count", min(f for _, _, f in found)) if end - start <= 40 else None


def _bigrams(text: str) -> set[str]:
    chars = re.sub(r"[^\u4e00-\u9fff0-9A-Za-z]", "", text)
    return {chars[i : i + 2] for i in range(len(chars) - 1)}


def _near(sentence: str, start: int, end: int) -> str:
    """The clause holding sentence[start:end], with the clause before it (where a list's subject stands)."""
    pieces = clauses(sentence)
    inside = [i for i, (s, c) in enumerate(pieces) if s <= start < s + len(c) or start <= s < end]
    if not inside:
        return sentence[max(0, start - 20) : end + 10]
    first, last = max(0, inside[0] - 1), inside[-1]
    return "".join(c for _, c in pieces[first : last + 1])


def _list_candidates(sentence: str) -> list[Span]:
    """Every enumeration of the sentence: quoted lists, runs of quoted items, 、-runs (trimmed to their items)."""
    candidates: list[Span] = []
    for m in _QUOTED.finditer(sentence):
        inner = m.group(1)
        if ("、" in inner or "+" in inner) and not re.search(r"[，。；：！？]", inner):
            candidates.append(Span(inner, m.start(1), "list"))
    for m in re.finditer(r"(?:[“‘][^“”‘’]{1,20}[”’]){3,}", sentence):  # “一个总体规划”“一个启动区建设”…
        candidates.append(Span(m.group(0), m.start(), "list"))
    previous_end = -1
    for m in _RUN.finditer(sentence):
        text, start = m.group(0), m.start()
        if start == previous_end:
            previous_end = m.end()
            continue  # the rest of an item that ran on, not a list of its own
        previous_end = m.end()
        if m.end() < len(sentence) and re.match(_ITEM, sentence[m.end()]):
            # The last item runs on past what an item can be ("太原工业学院以及正在建设的国科大太原…"):
            # end the list before its 等/以及/及/和, or drop the unfinished item.
            last = text.rsplit("、", 1)[-1]
            joint = re.search(r"等|以及|及|和", last)
            text = text[: len(text) - len(last) + joint.start()] if joint else text[: len(text) - len(last) - 1]
            text += _joined_item(sentence, start + len(text), text) if joint else ""
        text, start = _after_subject(text, start)
        first = text.split("、", 1)[0]
        cut = _lead_end(first)
        counted = re.match(r"一大批|一系列|一批|一些", first[cut:])  # "谋划实施一批交通、市政…"
        cut += len(counted.group(0)) if counted else 0
        if cut:
            start += cut
            text = text[cut:]
        text = _last_item_ends_like_the_others(_TRAIL.sub("", text) or text)
        # "建成集电子商务、仓储研发、公共服务为一体的“智慧商圈”": the items between 集 and 为一体
        one = re.search(r"集([^集]+?)[为于]一体的?$", text)
        if one:
            start, text = start + one.start(1), one.group(1)
        if "、" in text and not all(_POST.search(item) for item in text.split("、")):
            candidates.append(Span(text, start, "list"))
    for m in _PAIR.finditer(sentence):  # X和Y等
        first = m.group(1)
        cut = _lead_end(first)
        if len(first) - cut >= 2 and cut:
            candidates.append(Span(sentence[m.start() + cut : m.end()], m.start() + cut, "list"))
    # "太钢、二电厂以及江阳、兴安、新华三大军企": the count printed after a list says which
    # items it counts; the part after 以及/及/和 is a list of its own.
    for span in list(candidates):
        parts = re.split(r"以及|及|和", span.text)
        if len(parts) > 1 and "、" in parts[-1]:
            last = parts[-1]
            candidates.append(Span(last, span.start + len(span.text) - len(last), "list"))
    return candidates


def _joined_item(sentence: str, at: int, text: str) -> str:
    """'中北大学、太原工业学院以及正在建设的国科大太原能源材料学院': one more item joined by 以及/及/和 at
    ``at``, when it ends like the item before it (院) and the clause or the list goes on after it; ''
    otherwise ('太钢、二电厂以及江阳、兴安…': 江阳 starts a list of its own)."""
    m = re.match(r"(?:以及|及|和)([^，。；：、“”‘’]{2,24}?)(?=[，。；：、]|$)", sentence[at:])
    if m is None or not text or m.group(1)[-1] != text[-1]:
        return ""
    return m.group(0)


def _last_item_ends_like_the_others(text: str) -> str:
    """'…建设启动大会、市委经济工作务虚会会议精神' -> '…、市委经济工作务虚会': every other item ends in
    会, and the last runs on for two to four characters past its first 会 that could end it."""
    items = text.split("、")
    endings = {item[-1] for item in items[:-1] if item}
    last = items[-1]
    if len(items) < 2 or len(endings) != 1 or last.endswith(tuple(endings)):
        return text
    end = next((i + 1 for i, ch in enumerate(last) if ch in endings and 2 <= len(last) - i - 1 <= 4 and i >= 1), None)
    return text[: len(text) - len(last) + end] if end else text


def _after_subject(text: str, start: int) -> tuple[str, int]:
    """A run that starts with who is to act: '尖草坪区、中北高新区要坚定信心、解放思想…' -> the list
    starts after 要/将, when two or more items are left."""
    items = text.split("、")
    for i in range(len(items) - 2, 0, -1):
        m = re.search(r"(?:要|将|需|应)(?=[\u4e00-\u9fff]{2,}$)", items[i])
        if m and m.start() >= 2:
            skip = len("、".join(items[:i])) + 1 + m.end()
            return text[skip:], start + skip
    return text, start


_ONE_CHAR_KIND = re.compile(r"哪(?:个|一个|种)([\u4e00-\u9fff])(?:[？?。，,！!]|$)")
# "哪条街的改造？": a street, road or hill is named in the text without quotes ("实施钟楼街片区二期")
_FOUNDED = "成立|组建|设立"  # "成立了个什么组？": what is set up is named after the verb
_ONE_CHAR_PLACE = re.compile(
    rf"哪(?:一)?[条座个]([街路桥河湖山])(?:的|[？?。，,！!]|$)|(?:{_FOUNDED})了?个?(?:什么|啥)([组队班])(?:[？?。，,！!]|$)"
    r"|哪一?(片)(?:区|老街|地方|区域)?"  # '哪一片老街' over '钟楼街片区': a 片区
)


def _quoted_of_kind(question: str, sentence: str) -> Span | None:
    """'升级的是哪个游？' over '实施“府城游”升级版': a kind of one character, named by the one quoted
    name of the sentence that ends in it. '哪条街的改造？' over '实施钟楼街片区二期…建成示范步行街': the one
    street named there (two to four characters after the verb before it) that the question does not
    name itself."""
    m = _ONE_CHAR_KIND.search(question)
    if m:
        names = {q for q in _QUOTED.findall(sentence) if q.endswith(m.group(1)) and len(q) > 1}
        if len(names) == 1:
            name = names.pop()
            return Span(name, sentence.find(name), "what", 1.0)
    place = _ONE_CHAR_PLACE.search(question)
    if place is None:
        return None
    # "成立了个什么组？": a group named after the verb, unquoted; "哪一片": a 片区
    kind = place.group(1) or place.group(2) or "片区"
    found: dict[str, int] = {}
    for hit in re.finditer(rf"[\u4e00-\u9fff]{{2,6}}{kind}", sentence):
        words = hit.group(0)
        words = re.split(_FOUNDED, words)[-1] if place.group(2) else words
        name = words[_lead_end(words) :][-5:]
        if name[:-1] and name not in question and not re.search(r"[的和与及是在将]", name):
            found.setdefault(name, hit.end() - len(name))
    if len(found) != 1:
        return None
    [(name, start)] = found.items()
    return Span(name, start, "place" if place.group(1) else "what", 1.0)


_ASKS_FULL_NAME = re.compile(r"全称|全名|完整的?(?:叫法|名称|名字|说法)|具体叫什么|具体名称")


def asks_full_name(question: str) -> bool:
    """'那个“引领区”，完整的叫法是什么？': the question quotes a short name and asks for the whole one."""
    return bool(_ASKS_FULL_NAME.search(question) and _QUOTED.search(question))


def _full_name(question: str, sentence: str) -> Span | None:
    """'那个“引领区”，完整的叫法是什么？' over '打造全省消费升级引领区': the one longer name the sentence
    gives the quoted term."""
    if not _ASKS_FULL_NAME.search(question):
        return None
    for term in _QUOTED.findall(question):
        names = {text for _, text in _named_kind(sentence, term) if len(text) > len(term)}
        if len(names) == 1:
            name = names.pop()
            return Span(name, sentence.find(name), "what", 1.0)
    return None


def _item_of(question: str, sentence: str) -> Span | None:
    """The question quotes the start of one item of a list: '“十年”干成什么样' over
    '“一年见效、三年成形、五年成势、十年成城”' -> '十年成城'."""
    for term in _QUOTED.findall(question):
        if len(term) > 6:
            continue
        hits = [
            (c.start + c.text.find(item), item)
            for c in _list_candidates(sentence)
            for item in c.text.split("、")
            if item.startswith(term) and len(item) > len(term)
        ]
        if len({item for _, item in hits}) == 1:
            return Span(hits[0][1], hits[0][0], "what", 1.0)
    return None


def _of_kind(listed: str, heads: tuple[str, ...]) -> bool:
    """At least two items, and at least half of them, are named as things of an asked kind:
    '中北大学、太原工业学院' for 高校."""
    kinds = {k for h in heads for k in _KINDS.get(h, ())}
    items = listed.split("、")
    named = sum(any(item.endswith(k) for k in kinds) for item in items)
    return named >= 2 and 2 * named >= len(items)


_POST = re.compile(r"(?:书记|市长|区长|县长|主任|部长|局长)$")  # "副市长、尖草坪区委书记" are a speaker's posts
# What a list says it is, right after it: "…等生产性服务业", "…”5支队伍", "…新华三大军企".
_CATEGORY = re.compile(rf"^[”’]?(?:等|([{_NUMERAL}]+)(?:大|个|项|条|支|座|家|种|类|批))([\u4e00-\u9fff]{{2,}})")


def _item_count(listed: str) -> int:
    """How many things a list names: its 、-items, and one more when the last joins two by 和/及
    ('科技研发、智能制造和生命健康' -> 3; '甲和乙' -> 2)."""
    return listed.count("、") + 1 + bool(re.search(r"和|及", listed.rsplit("、", 1)[-1]))


def _by_head(heads: tuple[str, ...], after: str, span: Span, wide: str = "") -> bool | None:
    """What the asked noun says of the list: True when the list is called so (in ``wide``, the
    clause after it) or its items are of that kind, False when the list says it is something
    else (its own 等X / N个X), None when neither (or nothing is asked by name)."""
    if not heads:
        return None
    names = {h[-2:] for h in heads} | {k for h in heads for k in _KINDS.get(h, ())}
    said = _CATEGORY.match(after)
    if said and said.group(1) and _count_value(said.group(1)) != _item_count(span.text):
        return False  # "太钢、二电厂以及江阳、兴安、新华三大军企": the three counted are the last three
    if any(n in wide for n in names) or _of_kind(span.text, heads):
        return True
    if said:
        # "三大军企" for "军工企业" (two characters shared); "哪些重大项目" is not answered by
        # "…等生产性服务业", nor "companies" by "5支队伍".
        cat = said.group(2)
        # an abbreviation of the asked noun: "军企" for "军工企业" (same first character, its last one in it)
        short = any(len(h) > 2 and cat[0] == h[0] and cat[1] in h[1:] and not h.startswith(cat) for h in heads)
        return any(n in cat for n in names) or short
    items = span.text.split("、")
    if any(items[-1].endswith(h[-2:]) and len(items[-1]) >= len(h[-2:]) + 2 for h in heads) and "的" not in items[-1]:
        # "…煤层气开发利用项目": the asked noun closes the list ("A、B的…机制" describes one; in "转思想、
        # 转作风、转产业" a verb takes it, one character: no thing of that kind is named)
        return True
    last = heads[0][-1]
    if len(heads[0]) >= 2 and last not in _COMMON_CHARS and all(i.endswith(last) for i in items):
        return True  # "哪几个时期" over "转型阵痛期、改革瓶颈期、发展攻坚期"
    return None


def _follows(question: str, sentence: str, span: Span, kinds: tuple[str, ...] = (), by_count: bool = True) -> bool:
    """The words around the list name what the question asks about (``by_count``: or it has as many
    items as the question counts, which alone does not say which list it is)."""
    whole = _asked_head_match(question)
    # "高校和科研院所", not cut at 和; cut at the verb after it ("本钱去吸引企业" -> "本钱")
    phrase = re.split(r"[的来在是要了把将去用呢吗]", whole.group(1))[0] if whole else ""
    end = span.start + len(span.text)
    after = re.split(r"[，。；：！？]", sentence[end : end + 8])[0]
    wide = re.split(r"[，。；：！？]", sentence[end : end + 14])[0]  # "…等引导型、催化型企业总部"
    if re.match(r"[为于]一体", after):
        return False  # "集A、B、C为一体的智慧商圈": the items make up one thing, they are not of its kind
    if after.startswith("的") and re.search(r"哪些|哪几|\bwhich\b", question, re.I):
        return False  # "党政一体、考核督查一体的…工作机制": the items describe one thing (a 什么样的 answer)
    named = _by_head(asked_heads(question, kinds), after, span, wide)
    if named is not None:
        return named
    name = re.match(r"[”’]([\u4e00-\u9fff]{2})", after)
    if name and re.search(rf"{name.group(1)}(?:都|一共|具体)?(?:包括|包含|涵盖|指的?是|分别是|里有|中有)", question):
        return True  # "营商环境改革包括哪几项制度？" over "推进“承诺制+标准地+代办制”改革": the list it is named by
    if len(_bigrams(question) & _bigrams(after)) >= 2:
        return True
    if re.search(r"和|与|及", phrase) and len((set(phrase) - _COMMON_CHARS) & set(span.text)) >= 2:
        return True  # "高校和科研院所" listed as "中北大学、太原工业学院…" (two kinds asked at once)
    if _abbreviates(question, span.text) or _numbers_match(question, span.text):
        return True
    if (
        not asked_heads(question, kinds)
        and _verb_introduces(question, sentence, span)
        and _as_many(question, span.text)
    ):
        return True  # no kind asked ("立足哪几方面的条件"): the verb's whole object is the answer
    before = re.split(r"[，。；：！？]", sentence[max(0, span.start - 14) : span.start])[-1]
    if re.search(r"目标|goals?\b|targets?\b", question, re.I) and (
        re.search(r"实现|目标", before) or re.match(r"[”’]?的?(?:发展|建设|行动|工作)?目标", after)
    ):
        return True  # a goal is what is to be achieved: "努力实现…“一年见效…”", "…‘一年见效…’的发展目标"
    subject = re.search(r"([\u4e00-\u9fff]{3,8})(?:要|将|必须|应当)$", before)
    if subject and subject.group(1)[-3:] in question and re.search(r"要求|做到|做好", question):
        return True  # "要求尖草坪区…做到哪几点？" over "尖草坪区、中北高新区要坚定信心、解放思想…": what it is to do
    if re.search(r"靠|依托|凭借|借助", question) and before.endswith(("依托", "依靠", "凭借", "借助", "利用")):
        return True  # "靠的是哪几样家底" over "依托府城文化、地标双塔和生态东山": what it relies on
    items = _item_count(span.text)
    called = _called_so(question, span, before, after)
    if called is not None:
        return called
    counted = re.search(rf"([{_CN_NUMERAL}0-9]+)(?:大|个|项|条|步|支|样|类|种)([\u4e00-\u9fff])?", question)
    if counted is not None:
        n, kind = _count_value(counted.group(1)), counted.group(2)
        term = re.match(r"[“‘]([^“”‘’]{1,6})[”’]", question[counted.end() - (1 if kind else 0) :])
        if term and not all(term.group(1) in item for item in re.split("、|和", span.text)):
            return False  # "哪四个“更”字" over four items without 更
        if n == items >= 3:
            return by_count  # "哪五大…" over five items; any two things make a pair, so a pair is not enough
        if kind and n == items and all(i.endswith(kind) for i in re.split("、|和", span.text)):
            return True  # "哪两个会" over "…动员大会、…推进会": as many as asked, each a 会
    elif asked_count(question) == items >= 3:
        return by_count  # "What four things did he urge…" over four items
    said = re.match(rf"[”’]?([{_CN_NUMERAL}0-9]+)(?:大|个|项|条|支)", after)  # "…新华三大军企"
    return said is not None and _count_value(said.group(1)) == items and len(set(after) & set(question)) >= 2


_COUNTED_CATEGORY = re.compile(rf"(?<![{_CN_NUMERAL}])([{_CN_NUMERAL}]+)(?:大|个|项|条)([\u4e00-\u9fff]{{2,6}})")


def _counted_category(question: str) -> tuple[str, str] | None:
    """The counted thing a question names: '杏花岭要紧紧盯住的三大支撑是啥？' -> ('三', '支撑'); None when
    it names none, or only a generic one ('哪三个方面')."""
    m = _COUNTED_CATEGORY.search(question)
    if m is None:
        return None
    noun = noun_at_start(m.group(2), "啥什分都有")
    if len(noun) < 2 or noun in _GENERIC_HEADS or noun in _VAGUE_HEADS:
        return None
    return m.group(1), noun


def _called_so(question: str, span: Span, before: str, after: str) -> bool | None:
    """ "三大支撑是啥？": True for the list the sentence calls “三大支撑” (“…”三大支撑 / 三大支撑：…), False
    for another list of three things not of that kind ('一个核心、一体两翼、多方协同'); None when the
    question names no counted thing or the list says nothing either way."""
    category = _counted_category(question)
    if category is None:
        return None
    numeral, noun = category
    named = rf"{numeral}(?:大|个|项|条){re.escape(noun[:2])}"
    if re.match(rf"[”’]?{named}", after) or re.search(rf"{named}[\u4e00-\u9fff]{{0,4}}[”’]?[：:]?[“‘]?$", before):
        return True
    of_kind = all(item.endswith((noun[0], noun[-1])) for item in re.split("、|和", span.text) if item)
    if _count_value(numeral) == _item_count(span.text) and not of_kind:
        return False
    return None


def _as_many(question: str, listed: str) -> bool:
    """As many things as the question counts (哪两方面 -> two, joined by 、 or 和), or it counts none."""
    counted = re.search(rf"哪([{_CN_NUMERAL}])", question)
    if counted is None:
        return True
    return _count_value(counted.group(1)) == len(re.split(r"、|和|与|及", listed))


_ENGLISH_COUNTS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6}
_QUOTED_KIND = re.compile(rf"哪(?:几|些|[{_CN_NUMERAL}])[个大项种类]?[“‘]([\u4e00-\u9fff]{{1,6}})[”’]")
_ITEM_BOUNDARY = "的，、。；：“”‘’是和与及等"


def asked_count(question: str) -> int:
    """How many things the question asks for (哪三大商圈 -> 3, "which three…" -> 3), or 0."""
    m = re.search(rf"哪([{_CN_NUMERAL}])", question)
    if m:
        return _count_value(m.group(1))
    english = re.search(
        r"\b(?:which|what)\s+(?:(?:are|were)\s+)?(?:the\s+)?(two|three|four|five|six)\b", question, re.I
    )
    return _ENGLISH_COUNTS[english.group(1).lower()] if english else 0


def _suffixed(question: str, sentence: str, kinds: tuple[str, ...] = ()) -> Span | None:
    """Things of the asked kind printed one by one, each ending in the kind's word: '哪几个“之举”' over
    '…的必要之举，是…的关键之举，是…的战略之举' -> '必要之举、关键之举、战略之举'. The items are the page's
    words, joined by 、. Certain only for a kind the question quotes, or when the question counts
    them and the sentence names exactly that many."""
    quoted = _QUOTED_KIND.search(question)
    count = asked_count(question)
    heads = (quoted.group(1),) if quoted else (asked_heads(question, kinds) if count else ())
    category = _counted_category(question)
    if not heads and count and category and _count_value(category[0]) == count:
        heads = (category[1],)  # "三大商圈分别是哪三个？": the counted noun before the wh-word
    # "哪两种服务业协同发展" -> 服务业协同发展, 服务业协同发, …, 服务业: the noun may run into the verb
    tried = [h[:n] for h in heads for n in range(len(h), 0, -1) if n == len(h) or n >= 3]  # “型”: one
    for head in dict.fromkeys(tried):
        items = _named_kind(sentence, head)
        if len(head) == 1 and not all(
            sentence[at + len(text) : at + len(text) + 1] in "、和与及" for at, text in items[:-1]
        ):
            continue  # one character ends a word only in a list: '引导型、催化型企业', not '格局之要，太忻之关'
        names = list(dict.fromkeys(text for _, text in items))
        if len(names) >= 2 and (len(names) == count if count else quoted is not None):
            return _joined(sentence, items)
        if count >= 2:
            # "推动生产性服务业与生活性服务业协同发展": the one clause naming as many as asked
            fitting = [(at, c) for at, c in clauses(sentence) if len({t for _, t in _named_kind(c, head)}) == count]
            if len(fitting) == 1:
                at, clause = fitting[0]
                return _joined(sentence, [(at + i, t) for i, t in _named_kind(clause, head)])
    return None


def _joined(sentence: str, items: list[tuple[int, str]]) -> Span:
    """Named things as one list: the words as printed when only 、/和/与/及 stand between them
    ('生产性服务业与生活性服务业'), else the names joined by 、."""
    start, last = items[0][0], items[-1]
    printed = sentence[start : last[0] + len(last[1])]
    rest = printed
    for _, text in items:
        rest = rest.replace(text, "", 1)
    if re.fullmatch(r"(?:、|和|与|及|以及)*", rest):
        return Span(printed, start, "list", 1.0)
    return Span("、".join(dict.fromkeys(text for _, text in items)), start, "list", 1.0)


def _named_kind(text: str, head: str) -> list[tuple[int, str]]:
    """Each thing named as a ``head`` in ``text`` ('生产性服务业' for 服务业), with where it starts;
    a count ('三大商圈') is not a name."""
    items: list[tuple[int, str]] = []
    for m in re.finditer(re.escape(head), text):
        before = text[max(0, m.start() - 12) : m.start()]
        name = before[max(before.rfind(c) for c in _ITEM_BOUNDARY) + 1 :]
        name = name[_lead_end(name + head) :]
        counted = re.fullmatch(rf"[{_NUMERAL}]+[大个项条]?", name)
        if name and re.fullmatch(r"[\u4e00-\u9fff]+", name) and not counted:
            items.append((m.start() - len(name), name + head))
    return items


def led_items(sentence: str, leads: tuple[str, ...], count: int = 0) -> Span | None:
    """Things the sentence lists by opening each with the same word, one of ``leads`` (an English
    question's verb as the page prints it: optimize -> 优化): '优化工作机制，…优化营商环境，…优化督察机制'
    -> '优化工作机制、优化营商环境、优化督察机制'. Each item runs from its word to the next 、 or clause
    end (at most 12 characters). Certain when as many as ``count``, or, with no count, two or more."""
    for lead in leads:
        items = [
            (m.start(), m.group(0))
            for m in re.finditer(rf"{re.escape(lead)}[\u4e00-\u9fff]{{1,10}}(?=[、，。；：！？”’]|$)", sentence)
        ]
        if len(items) < 2:  # or closed by it, each opening its clause: "氛围上加强，…协同上加强，…"
            closed = rf"(?:^|(?<=[、，。；：！？“‘]))[\u4e00-\u9fff]{{1,6}}{re.escape(lead)}(?=[、，。；：！？”’]|$)"
            items = [(m.start(), m.group(0)) for m in re.finditer(closed, sentence)] or items
        names = list(dict.fromkeys(text for _, text in items))
        if len(names) >= 2 and (len(names) == count if count else True):
            return _joined(sentence, items)
        if len(names) == 1 and count >= 2 and names[0].startswith(lead):
            # one verb, its object counted: "提升太原首位度和影响力" for "which two things … raise"
            thing = names[0][len(lead) :]
            if len(re.split(r"和|与|及|、", thing)) == count:
                return Span(thing, items[0][0] + len(lead), "list", 1.0)
    return None


def _asked_verb(question: str) -> str:
    """The question's two Chinese characters right before its wh-word ('要制定哪三样' -> '制定'), or '';
    a one-character verb with its aspect mark ('开了哪两个会', '开过') is that character; a verb with
    the preposition of its goal ('体现在哪两个地方') is the verb ('体现', printed '体现到…')."""
    wh = re.search(r"哪|什么|啥", question)
    before = question[: wh.start()] if wh else ""
    before = before.removesuffix("的是")  # "推行的是哪两项制度" asks what is 推行
    verb = before[-2:]
    if not (len(verb) == 2 and re.fullmatch(r"[\u4e00-\u9fff]+", verb)):
        return ""
    goal = before[-3:-1]
    if verb[1] in "在到" and len(goal) == 2 and re.fullmatch(r"[\u4e00-\u9fff]+", goal) and goal[1] not in "要想":
        return goal
    return verb[0] if verb[1] in "了过" else verb


def question_leads(question: str) -> tuple[str, ...]:
    """What the items of a plan may open with, for a Chinese question that counts them: its verb of
    two characters ('阳曲说要优化的是哪三样？' -> ('优化',)); () otherwise."""
    verb = _asked_verb(question)
    return (verb,) if len(verb) == 2 and asked_count(question) >= 2 else ()


def _verb_introduces(question: str, sentence: str, span: Span) -> bool:
    """The question's two characters before its wh-word are printed right before the list, and the
    list is their whole object, to the end of the clause: '要立足哪几方面的条件' over
    '将立足资源禀赋、区位优势、产业基础，努力…'."""
    verb = _asked_verb(question)
    if not verb or not re.search(rf"{re.escape(verb)}[在到于]?$", sentence[: span.start]):
        return False
    end = span.start + len(span.text)
    if "的" in span.text.rsplit("、", 1)[-1]:
        return False  # "立足A、B、C的转型要求": the list describes the object, it is not the object
    return end == len(sentence) or sentence[end] in "，。；：！？"


def _verb_before(question: str, sentence: str, span: Span) -> bool:
    """The question's two characters right before its wh-word are printed just before the list:
    '要制定哪三样' over '…制定路线图、任务书、时间表'."""
    verb = _asked_verb(question)
    return bool(verb) and verb in sentence[max(0, span.start - 6) : span.start]


def _list(question: str, sentence: str, kinds: tuple[str, ...] = ()) -> Span | None:
    """The enumeration in the sentence that answers: quoted lists first, then 、-runs, nearest the question's words.
    Certain only when it follows the question's words and no other list of the sentence does about as well."""
    candidates = _list_candidates(sentence)
    if not candidates:
        return None
    asked = _bigrams(question)

    def overlap(span: Span) -> int:
        context = _near(sentence, span.start, span.start + len(span.text))
        return len(asked & (_bigrams(context) - _bigrams(span.text)))

    def score(span: Span) -> float:
        follows = 6.0 * _follows(question, sentence, span, kinds)
        return (
            follows
            + min(overlap(span), 3)
            + 2.0 * _verb_before(question, sentence, span)
            + 0.3 * min(span.text.count("、"), 4)
        )

    ranked = sorted(candidates, key=score, reverse=True)
    best = ranked[0]
    quoted = sentence[best.start - 1 : best.start] in "“‘" if best.start else False
    if _follows(question, sentence, best, kinds, by_count=False):
        fit = 1.0
    elif _follows(question, sentence, best, kinds):
        fit = _BY_COUNT  # as many as counted, nothing else said: the answer only where the sentence is
    else:
        fit = 0.8 if quoted and overlap(best) >= 2 else 0.5
    rivals = [c for c in ranked[1:] if c.text not in best.text and best.text not in c.text]
    if fit >= _BY_COUNT and _counted_alike(question, sentence, best, candidates, kinds):
        # "改变哪三方面？" over three quoted lists of three: the count does not tell which, unless the
        # question names a word of one of them ("改变观念和作风" -> “转思想、转作风、转产业”)
        best, fit = _one_named_by_question(question, best, candidates) or (best, 0.7)
    if (
        fit >= 1.0
        and rivals
        and _follows(question, sentence, rivals[0], kinds)
        and score(rivals[0]) > score(best) - 1.0
        and not (_verb_before(question, sentence, best) and not _verb_before(question, sentence, rivals[0]))
    ):
        fit = 0.7  # two lists answer about as well: not certain which
    if _verb_leads_elsewhere(question, sentence, best, rivals):
        fit = min(fit, 0.7)
    return Span(best.text, best.start, "list", fit)


_BY_COUNT = 0.9


def _counted_alike(question: str, sentence: str, best: Span, candidates: list[Span], kinds: tuple[str, ...]) -> bool:
    """Nothing but the count speaks for the best list, and another list of the sentence has as many
    items: "改变哪三方面？" over “转思想…”“大学习…”“定任务…”."""
    n = asked_count(question)
    if n < 2 or _follows(question, sentence, best, kinds, by_count=False) or _verb_before(question, sentence, best):
        return False
    others = {c.text for c in candidates if c.text not in best.text and best.text not in c.text}
    return any(_item_count(text) == n for text in others)


def _one_named_by_question(question: str, best: Span, candidates: list[Span]) -> tuple[Span, float] | None:
    """Of the lists with as many items as the question counts, the one (and only one) with an item
    whose two characters the question prints; None when none or several do, or when its first item is
    much shorter than the others (cut inside by the verb before it)."""
    n = asked_count(question)
    asked = _bigrams(question)
    alike = {c.text: c for c in [best, *candidates] if _item_count(c.text) == n}
    named = [c for c in alike.values() if any(_bigrams(item) & asked for item in re.split("、|和", c.text))]
    if len(named) != 1:
        return None
    first, *rest = re.split("、|和", named[0].text)
    # items said alike are about as long: a first item much shorter was cut inside ('思路、理清工作脉络')
    return (named[0], _BY_COUNT) if len(first) >= min(len(r) for r in rest) - 2 else None


def _verb_leads_elsewhere(question: str, sentence: str, best: Span, rivals: list[Span]) -> bool:
    """The question's verb is printed after the list and before another list of the sentence, not
    before the list: "开动员会，是为了落实哪两个会议的精神？" over "召开A会、B会，迅速落实C会、D会会议精神"."""
    verb = _asked_verb(question)
    if not verb or verb in sentence[max(0, best.start - 8) : best.start]:
        return False
    end = best.start + len(best.text)
    at = sentence.find(verb, end)
    return at >= 0 and any(c.start >= at for c in rivals)


def _abbreviates(question: str, listed: str) -> bool:
    """The question quotes a numbered abbreviation the list spells out: “三转” -> 转思想、转作风、转产业."""
    items = listed.split("、")
    for term in _QUOTED.findall(question):
        m = re.fullmatch(rf"([{_CN_NUMERAL}])个?([\u4e00-\u9fff])", term)
        if m and _count_value(m.group(1)) == len(items) and all(m.group(2) in item for item in items):
            return True
    return False


def _numbers_match(question: str, listed: str) -> bool:
    """The question names the numbers the list's items start with, in order ("1-, 3-, 5- and 10-year
    milestones" -> 一年见效、三年成形、五年成势、十年成城)."""
    asked = [int(n) for n in re.findall(r"\d+", question)]
    items = listed.split("、")
    if len(asked) < 2 or len(asked) != len(items):
        return False
    led = [re.match(rf"[{_CN_NUMERAL}0-9]+", item) for item in items]
    return all(m is not None and _count_value(m.group(0)) == n for m, n in zip(led, asked))


def _count_value(numeral: str) -> int:
    digits = {c: i for i, c in enumerate("零一二三四五六七八九")}
    digits["两"] = 2
    if numeral.isdigit():
        return int(numeral)
    if numeral == "十":
        return 10
    if len(numeral) == 1:
        return digits.get(numeral, -1)
    if len(numeral) == 2 and numeral[0] == "十":  # 十二
        return 10 + digits.get(numeral[1], -100)
    return -1


_NOUN_ENDS = "的来在是要了和与把将去用呢吗"  # 的, a verb or a particle: where the noun after a wh-word ends


def noun_at_start(words: str, more: str = "") -> str:
    """The noun ``words`` start with, cut before 的, a verb or a particle (and the characters of
    ``more``): '政策来承接…' -> '政策'.

    >>> noun_at_start("政策来承接产业转移"), noun_at_start("景点搞联动", "搞")
    ('政策', '景点')
    """
    return re.split(rf"[{_NOUN_ENDS}{more}]", words)[0]


def asked_heads(question: str, kinds: tuple[str, ...] = ()) -> tuple[str, ...]:
    """The Chinese nouns a question asks a list or a number of: its 哪些/什么 noun ('出台哪些政策' ->
    ('政策',)) or, for an English question, ``kinds``: the Chinese words its category noun stands for
    (read by the lexicon, english.yaml ``kinds``: 'Which universities are…' -> ('高校', '大学', '学院'));
    () when it names none.

    >>> asked_heads("尖草坪区有哪些高校？"), asked_heads("Which universities?", ("高校", "大学"))
    (('高校',), ('高校', '大学'))
    """
    head = list_head(question)
    if head:
        return () if head in _VAGUE_HEADS else (head,)
    return kinds


def _asked_head_match(question: str) -> re.Match[str] | None:
    """The wh-word and noun a list question asks by: the one after 哪些/哪几 when there are several
    ('拿什么本钱…说了哪些独特优势' -> 独特优势), else the first."""
    found = list(_HEAD.finditer(question))
    listing = [m for m in found if re.match(r"哪(?:些|几|[一二三四五六七八九十两])", m.group(0))]
    ranked = listing or found
    return ranked[0] if ranked else None


_DESCRIBING = re.compile(
    r"(?:有[\u4e00-\u9fff]{1,2}|著名|知名|重要|主要|重大|新兴|特色|优质|大型)的(?=[\u4e00-\u9fff]{2})"
)


def list_head(question: str) -> str:
    """The noun a 哪些/什么 question asks about: '出台哪些政策来承接…' -> '政策' ('' when there is none)."""
    m = _asked_head_match(question)
    if not m:
        return ""
    words = m.group(1)
    described = _DESCRIBING.match(words)
    if described:
        words = words[described.end() :]  # '哪几个有名的景点' asks for 景点 ('哪类公司的总部' for 公司)
    head = noun_at_start(words, "搞跟")
    head = re.sub(rf"^(?:[几{_CN_NUMERAL}]+[大个支项条位家所种步样类]?|[类样种])", "", head)
    return head if len(head) >= 2 else ""


def _named_at(sentence: str, pos: int, h: str, head: str) -> Span | None:
    """The name printed right before the kind ``h`` at ``pos``: a quoted name ('“府城游”升级版'),
    a quoted name and 为/作为 ('以“大学习、大走访、大讨论”为载体' -> the quoted words), or up to six
    characters after the verb that introduces them ('打造三给片区' -> '三给片区')."""
    before = sentence[:pos]
    core = head.removeprefix("作为").removeprefix("为")
    quoted = re.search(r"[“‘]([^“”‘’]{1,20})[”’]$", before)
    if quoted and re.match(r"(?:作为|为|是)", h) and h.endswith(core):
        return Span(quoted.group(1), quoted.start(1), "what", 1.0)  # 以“…”为载体: the quoted words are it
    if quoted:
        return Span(sentence[quoted.start() : pos + len(h)], quoted.start(), "what", 1.0 if h == head else 0.8)
    linked = re.search(r"[“‘]([^“”‘’]{1,20})[”’](?:为|作为|是)$", before)
    if linked and core and h == core:
        return Span(linked.group(1), linked.start(1), "what", 1.0)
    name = re.search(r"[\u4e00-\u9fff]{1,12}$", before)
    if name:
        cut = _lead_end(name.group(0) + "__")
        start = name.start() + cut
        # "一个启动区"/"三大商圈" counts the thing; 哪个/什么 asks which one it is.
        counted = re.fullmatch(rf"[{_NUMERAL}]+[大个项条支座家批种]?", sentence[start:pos])
        # a name is up to six characters, or up to ten after the verb that introduces it
        # ('把握市委打造现代服务产业集群定位' -> '现代服务产业集群定位')
        longest = 10 if cut else 6
        if start < pos and pos - start <= longest and not counted:
            return Span(sentence[start : pos + len(h)], start, "what", 0.9 if h == head else 0.7)
    return None


def _clause_shares(question: str, sentence: str, span: Span) -> int:
    """How many of the question's two-character words the span's clause prints besides the span:
    '坚决把率先推动大盂启动区建设作为全县头号工程' shares 全县, 头号, 号工, 工程 with '…全县的头号工程是建
    哪个启动区？'."""
    start = max((m.end() for m in re.finditer(r"[，。；：！？]", sentence[: span.start])), default=0)
    end = span.start + len(span.text)
    stop = re.search(r"[，。；：！？]", sentence[end:])
    clause = sentence[start : span.start] + " " + sentence[end : end + stop.start() if stop else len(sentence)]
    return len(_bigrams(question) & _bigrams(clause))


def _names_one(text: str, kind: str) -> bool:
    """The words before the kind name one thing: not a count of them ('五大融合载体') nor a generic
    word ('工作思路')."""
    name = text.strip("“”‘’")[: -len(kind)] if text.endswith(kind) else text
    counted = re.match(rf"[{_NUMERAL}]+大", name)
    return not counted and name not in _GENERIC_HEADS and name not in _VAGUE_HEADS


def _beside(question: str, sentence: str, span: Span) -> int:
    """How many of the question's two-character words stand within four characters of the span,
    in its own clause: '构建漪汾商圈新业态' for '要构建新业态的是哪个商圈' -> 3."""
    left = re.split(r"[，。；：！？]", sentence[max(0, span.start - 4) : span.start])[-1]
    right = re.split(r"[，。；：！？]", sentence[span.start + len(span.text) : span.start + len(span.text) + 4])[0]
    return len(_bigrams(question) & (_bigrams(left) | _bigrams(right)))


_MODIFIED_HEAD = re.compile(r"哪[条家座所片处]([\u4e00-\u9fff]{1,10}?)的([\u4e00-\u9fff]{2,6})")


_NAMED_BEFORE = re.compile(r"的([\u4e00-\u9fff]{2,6})[，,]?(?:它)?叫(?:什么|啥)(?:名字|名称)?[？?]?$")


def _asked_nouns(question: str) -> list[str]:
    """The nouns after the question's 哪个/什么 words, each cut before the verb that follows it, then
    a noun described before it is named ('借哪条银行券商扎堆的大街来做…' -> '大街'; not after 哪个:
    '哪个城市群发展中的影响力' asks for the 城市群)."""
    found = [noun_at_start(m.group(1)) for m in _HEAD.finditer(question)]
    described = _MODIFIED_HEAD.search(question)
    if described:
        found.append(noun_at_start(described.group(2)))
    named_before = _NAMED_BEFORE.search(question)  # '…的那个模式，叫什么？'
    if named_before:
        found.append(named_before.group(1))
    return [head for head in dict.fromkeys(found) if len(head) >= 2]


def _named(question: str, sentence: str) -> Span | None:
    """'哪个X' / '什么X' -> the words right before X in the sentence: '哪个片区' -> '三给片区'.
    When X is named more than once, the one among the question's other words; none is certain
    when they do not tell."""
    for head in _asked_nouns(question):
        # A Chinese noun phrase ends in its head ("营商环境品牌" is a kind of 品牌): try its endings
        # first, longest to shortest, then the other pieces.
        endings = [head[i:] for i in range(len(head) - 1)]
        others = sorted({head[i:j] for i in range(len(head)) for j in range(i + 2, len(head))}, key=len, reverse=True)
        for h in [h for h in endings + [h for h in others if h not in endings] if h not in _GENERIC_HEADS]:
            found = [
                span
                for pos in (i for i in range(1, len(sentence)) if sentence.startswith(h, i))
                if (span := _named_at(sentence, pos, h, head)) is not None and _names_one(span.text, h)
            ]
            if not found:
                continue
            if len(found) == 1:
                # one thing of the kind in the sentence: certain only among the question's other words
                only = found[0]
                quoted = sentence[only.start] in "“‘" or sentence[only.start - 1 : only.start] in ("“", "‘")
                sure = quoted or _beside(question, sentence, only) >= 1 or _clause_shares(question, sentence, only) >= 2
                return only if sure else replace(only, fit=min(only.fit, 0.7))
            ranked = sorted(found, key=lambda x: -_beside(question, sentence, x))
            best, second = _beside(question, sentence, ranked[0]), _beside(question, sentence, ranked[1])
            return ranked[0] if best >= 2 and best > second else replace(ranked[0], fit=min(ranked[0].fit, 0.6))
    return None


_WH = re.compile(rf"哪一个|哪个|哪一|哪些|哪几个?|哪[{_CN_NUMERAL}]个?|哪里|哪儿|什么|啥|谁")
_KIND_WH = ("哪一个", "哪个", "哪一", "什么")


@lru_cache(maxsize=1)
def _plain_tokenizer() -> Tokenizer:
    return Tokenizer(words=[], stopwords=frozenset())  # jieba's own dictionary (cached, memory-mapped)


def _kind_word(right: str) -> str:
    """The noun a wh-word asks the kind of, from the question's words after it: up to 的 when that
    is short ('启动区的建设' -> '启动区'), else its first word ('城市群发展中的影响力' -> '城市群')."""
    before = re.split(r"[的，,？?。]", right)[0]
    return before if 2 <= len(before) <= 3 else _first_word(right)


def _first_word(text: str) -> str:
    """The first word of ``text`` as jieba's own dictionary cuts it ('城市群发展中' -> '城市群')."""
    words = _plain_tokenizer().cut(text)
    return words[0] if words and text.startswith(words[0]) else ""


_GAP_BREAK = re.compile(r"[，。；：！？,;:!?“”‘’（）()]")


def _left_anchor(left: str, sentence: str) -> tuple[int, int]:
    """The longest end (2-6 characters) of the question's words before its wh-word printed in the
    sentence: (where it ends in the sentence, its length), or (-1, 0).

    The question may name its subject where the sentence does not ('提升古交在哪个城市群…' over
    '提升在太原乃至…城市群'): then the wh-word's last character before it, printed right after two to
    four of the question's words that stand at most four characters earlier ('提升' + '在'), counts
    as an anchor of their joint length."""
    for k in range(min(6, len(left)), 1, -1):
        piece = left[-k:]
        if re.fullmatch(r"[\u4e00-\u9fff]+", piece) and piece in sentence:
            return sentence.find(piece) + k, k
    last = left[-1:]
    if not re.fullmatch(r"[\u4e00-\u9fff]", last):
        return -1, 0
    for skip in range(2, 6):  # the inserted words: 1-4 characters
        for k in range(min(4, len(left) - skip), 1, -1):
            piece = left[-skip - k : -skip] + last
            if re.fullmatch(r"[\u4e00-\u9fff]+", piece) and sentence.count(piece) == 1:
                return sentence.find(piece) + len(piece), len(piece)
    return -1, 0


def _aligned(question: str, sentence: str) -> Span | None:
    """The words that stand where the question's wh-word stands, between the question's own words
    printed around it: '阳曲县要率先推动哪个区域的建设' over '坚决把率先推动大盂启动区建设作为…' -> '大盂启动区'.

    The words before the wh-word (at least two characters) and right after it (at least two, once
    its head noun and 的 are passed over) must both be printed, in order, with 2-12 characters
    between them that share no two characters with the question and cross no clause or quote.
    Certain (fit 1.0) only when the words before are at least three characters."""
    wh = _WH.search(question)
    if not wh:
        return None
    end, k = _left_anchor(question[: wh.start()], sentence)
    if end < 0:
        return None
    right = re.split(r"[？?。！!，,]", question[wh.end() :])[0]
    asked = _bigrams(question)
    if not right.strip(" 呢吗啊呀"):
        # "…是太忻经济区建设的什么？": nothing after the wh-word; what the sentence prints after the
        # question's words, to the end of its clause ("…建设的重要战场，").
        tail = re.split(r"[，。；：！？,;:!?（(]", sentence[end:])[0]
        # a quoted name ("万柏林‘加速度’") may stand there; the district the question starts with may be in it
        bare = re.sub(r"[“‘]([^“”‘’]{1,8})[”’]", r"\1", tail)
        subject = re.match(r"[\u4e00-\u9fff]{0,3}[区县市]?", question)
        own = asked - _bigrams(subject.group(0) if subject else "")
        sure = k >= 4 and 2 <= len(tail) <= 10 and not tail.startswith("的") and not _GAP_BREAK.search(bare)
        return Span(tail, end, "what", 1.0) if sure and not own & _bigrams(tail) else None
    for skip in range(0, min(5, len(right)) + 1):
        rest = right[skip:].removeprefix("的")
        for m in (4, 3, 2):
            anchor = rest[:m]
            if len(anchor) < m or not re.fullmatch(r"[\u4e00-\u9fff]+", anchor):
                continue
            stop = sentence.find(anchor, end)
            gap = sentence[end:stop] if stop >= 0 else ""
            clean = not _GAP_BREAK.search(gap) and not gap.startswith("的") and not asked & _bigrams(gap)
            # "大抓项目、抓大项目": words cut out of a list item are not the answer
            clean = clean and "、" not in sentence[stop + len(anchor) : stop + len(anchor) + 1]
            if 2 <= len(gap) <= 12 and clean:
                # "落户哪个片区" over "落户三给片区": the noun right after 哪个 names the kind, and belongs
                # to the answer when nothing else follows it in the question.
                whole = skip == 0 and wh.group(0) != "谁" and anchor == right
                text = gap + anchor if whole else gap
                if skip == 0 and not whole and wh.group(0) in _KIND_WH:
                    # "在哪个城市群发展中" over "在…山西中部城市群发展中": the kind named after the
                    # wh-word (its first word) belongs to the answer
                    kind = _kind_word(right)
                    text = gap + kind if len(kind) >= 2 and sentence.startswith(kind, stop) else gap
                # "提升哪个商圈" over "提升朝阳商圈": two words before, but the asked kind closes the name
                named = whole and wh.group(0) in _KIND_WH and len(anchor) >= 2 and len(gap) <= 4
                return Span(text, end, "what", 1.0 if k >= 3 or named else 0.6)
            if stop >= 0:
                break
    return None


_ASKS_DESCRIBED = re.compile(
    r"(?:什么样的|怎么样的|怎样的|哪种|哪样的|啥样的?)([\u4e00-\u9fff]{2,6}?)(?:和([\u4e00-\u9fff]{2,4}?))?(?=[，,。？?！!]|$|，)"
)


_DESCRIBING_VERB = re.compile(rf"形成|营造|{_LEAD_VERB.pattern}")


def _described(question: str, sentence: str) -> Span | None:
    """'什么样的支撑点' over '打造特色鲜明、错位发展、专业化的现代服务业支撑点': the thing as the sentence
    describes it, from the verb that introduces it to the asked noun; '什么样的机遇和挑战' -> both
    ('大有可为的重要战略机遇；多重竞争的严峻挑战'). Certain when each noun is described once."""
    m = _ASKS_DESCRIBED.search(question)
    if not m:
        return None
    found: list[tuple[int, str]] = []
    for head in (h for h in m.groups() if h):
        hits = []
        for q in re.finditer(rf"[“‘]([^“”‘’]{{1,20}})[”’][型式类]?{re.escape(head)}", sentence):
            hits.append((q.start(1), q.group(1)))  # '啥样人才' over '汇聚“高、精、特、新”型人才'
        for at, clause in [] if hits else clauses(sentence):
            for h in re.finditer(re.escape(head), clause):
                phrase = clause[: h.end()]
                if "的" not in phrase or h.end() < len(clause.rstrip("”’")):
                    continue  # the noun must close its clause: '阳曲的格局之要' is no 格局
                # the verb that introduces it: one of two characters first ('有' inside '奋发有为' is none)
                verbs = list(_DESCRIBING_VERB.finditer(phrase))
                verb = next((v for v in verbs if len(v.group(0)) >= 2), verbs[0] if verbs else None)
                start = verb.end() if verb and verb.end() < phrase.rfind("的") else 0
                described = phrase[start : phrase.rfind("的")]
                if _bigrams(described) <= _bigrams(question):
                    continue  # described only by the question's own words ('阳曲的格局')
                hits.append((at + start, phrase[start:]))
        if len(hits) != 1 or len(hits[0][1]) > 30:
            return None
        found.append(hits[0])
    return Span("；".join(text for _, text in found), found[0][0], "what", 1.0) if found else None


_ASKS_COPULA = re.compile(r"([^，,。？?！!]{3,24}?)(?:就|指的|说的)?是(?:什么|啥|哪些|哪几[个项样条]?)[？?。]?$")


def _inverted(question: str, sentence: str) -> Span | None:
    """'阳曲的“格局之要”是什么？' over '盆地高山、黄金维度，是阳曲的格局之要': the sentence names the
    thing first and the question's subject after 是; the answer is what stands before 是, to the
    start of its clause."""
    m = _ASKS_COPULA.search(question)
    if not m:
        return None
    subject = re.sub(r"[“”‘’「」]", "", re.split(r"说|表示|认为|提到|讲", m.group(1))[-1])
    if len(subject) < 3:
        return None
    plain = re.sub(r"[“”‘’]", "", sentence)
    at = plain.find("是" + subject)
    if at < 0 or plain.count("是" + subject) > 1:
        return None
    before = re.split(r"[，。；：！？,;:]", plain[:at].rstrip("，,"))[-1]
    text = before.strip()
    start = sentence.find(text)
    if not 2 <= len(text) <= 24 or start < 0 or _bigrams(text) & _bigrams(question):
        return None
    return Span(text, start, "what", 1.0)


_WHOSE = re.compile(r"\bwhose\b", re.I)
# what stands before the owner's name: a preposition or the verb whose object it is
_OWNER_LEAD = re.compile(r"在|按照|根据|以|由|经|践行|贯彻|落实|遵循|牢记|不负|是")


def _owner(sentence: str, kinds: tuple[str, ...]) -> Span | None:
    """An English 'whose X' question: the name printed before the Chinese for X ('Under whose strong
    leadership…' over '我们将在市委的坚强领导下' -> '市委'; 'Whose earnest instructions…' over
    '忠诚践行习近平总书记殷殷嘱托' -> '习近平总书记'), from the word that introduces it."""
    for kind in sorted(kinds, key=len, reverse=True):
        at = sentence.find(kind)
        if at <= 0:
            continue
        # the owner ends at 的 ('市委的坚强领导': 坚强 describes it), or right before a phrase of four
        # characters or more; a short word may have its describing words before it ('殷殷嘱托')
        owned = re.search(r"的[\u4e00-\u9fff]{0,4}$", sentence[:at])
        if owned is None and len(kind) < 4:
            continue
        before = sentence[: owned.start()] if owned else sentence[:at]
        run = re.search(r"[\u4e00-\u9fff、]{2,16}$", before)
        if not run:
            continue
        leads = list(_OWNER_LEAD.finditer(run.group(0)))
        start = run.start() + (leads[-1].end() if leads else 0)
        owner = sentence[start : len(before)]
        if 2 <= len(owner) <= 10:
            return Span(owner, start, "owner", 1.0)
    return None


def _english_named(sentence: str, kinds: tuple[str, ...]) -> Span | None:
    """An English which/what question about a kind of thing (english.yaml kinds: layout -> 布局,
    intention -> 意图): the one thing of that kind the sentence names by quoting it, with the verb
    right before the quote ('建设‘太忻经济区’的战略意图', '“一个核心、一体两翼、多方协同”的总体布局');
    None when it quotes none or several. An unquoted name is not read: the English words cannot say
    which of the sentence's words it is ('距离忻州市最近' answers no 'which city is it in?')."""
    found: dict[int, str] = {}
    for kind in kinds:
        for hit in re.finditer(re.escape(kind), sentence):
            quoted = re.search(r"[“‘][^“”‘’]{1,24}[”’]的?$", sentence[: hit.start()])
            if quoted is None:
                continue
            start = quoted.start()
            verb = re.search(r"(?:建设|打造|推进|落实|实施|构建)$", sentence[:start])
            start = verb.start() if verb else start
            found.setdefault(start, sentence[start : hit.end()])
    if len(found) != 1:
        return None
    [(start, text)] = found.items()
    return Span(text, start, "english", 0.9)


def _english_one_of_kind(sentence: str, kinds: tuple[str, ...]) -> Span | None:
    """'Which forest park does Li Hui list?' over '…董家庄森林谷、观家峪桃花源特色小镇、张家口森林公园等项目':
    the one item of the sentence (between 、 ， and the like) that is named as a thing of the asked kind,
    ending in its word after a name of its own; None when none or several are, or when the sentence
    prints the kind's word elsewhere too."""
    found: dict[str, tuple[int, str]] = {}
    for piece in re.finditer(r"[^、，。；：“”‘’（）()等和与及]+", sentence):
        text = piece.group(0)
        kind = next((k for k in kinds if text.endswith(k) and len(text) >= len(k) + 2), None)
        if kind is None:
            # the name may run on into what is done in it: '提升在太原乃至山西中部城市群发展中的影响力'
            kind = next((k for k in kinds if len(k) >= 3 and text.find(k) >= 2), None)
            text = text[: text.find(kind) + len(kind)] if kind else text
        if kind is not None and not re.match(rf"[{_NUMERAL}]+[大个项]", text):  # 三大商圈 counts, names none
            cut = _lead_end(text)
            found.setdefault(text[cut:], (piece.start() + cut, kind))
    if len(found) != 1:
        return None
    [(text, (start, kind))] = found.items()
    # the kind's word printed elsewhere too ('提升长风商务区商圈地位'): other things of the kind are named
    return Span(text, start, "english", 0.9) if sentence.count(kind) == 1 else None


_ASKS_NTH = re.compile(
    rf"(?:[里中]|当中)(?:排)?第([{_CN_NUMERAL}])(?:个|项|位|条)|(?:[里中]|当中)(?:的)?(?:首个|排头一个|头一个|打头的)"
)


def _nth(question: str, sentence: str) -> Span | None:
    """'五大融合载体里排第一个的是啥？' over '…中的首个载体便是生产性服务业核心区': what the sentence
    says the n-th one is. Never the whole list: the question asks for one of its items."""
    m = _ASKS_NTH.search(question)
    n = _count_value(m.group(1)) if m and m.group(1) else 1
    ordinal = "(?:首个|第一个)" if n == 1 else f"第{'一二三四五六七八九十'[n - 1]}个"
    hit = re.search(rf"{ordinal}[\u4e00-\u9fff]{{0,4}}?(?:便是|就是|是|为)([^，。；：！？“”]{{2,20}})", sentence)
    if hit:
        return Span(hit.group(1), hit.start(1), "what", 1.0)
    return _nth_named(question, sentence, n)


def _nth_named(question: str, sentence: str, n: int) -> Span | None:
    """The n-th item of the quoted list the sentence names by words of the question: '“六个一”里排头
    一个' over '以“一个总体规划”“一个启动区建设”…的“六个一”'; '五大融合载体里第二个' over
    '做强“核心区、承载区、…”五大融合载体'."""
    runs = r"(?P<run>(?:[“‘][^“”‘’、]{1,20}[”’]){2,}|[“‘][^“”‘’]{1,60}?[”’])的?[“‘]?(?P<name>[\u4e00-\u9fff]{2,8})"
    for m in re.finditer(runs, sentence):
        name = m.group("name")
        if not any(name[:k] in question for k in range(len(name), 2, -1)):
            continue
        run, at = m.group("run"), m.start("run")
        if run.count("“") + run.count("‘") >= 2:
            items = [(x.start(1), x.group(1)) for x in re.finditer(r"[“‘]([^“”‘’]{1,20})[”’]", run)]
        else:
            items = _items_at(run[1:-1], 1)
        if len(items) >= 2 and n <= len(items):
            offset, text = items[n - 1]
            # known by its place in the list only: the speaker may name it in full elsewhere ('首个载体
            # 便是生产性服务业核心区'), and that sentence, when found, leads
            return Span(text, at + offset, "what", 0.9)
    return None


_ASKS_FEELING = re.compile(r"感受|感觉|心情|感想")
_FELT = re.compile(r"^(?P<who>[\u4e00-\u9fff]{2,8}?)(?:深感|倍感|深受|感到)(?P<what>.{2,20})$")


def _felt(question: str, sentence: str) -> Span | None:
    """'阳曲的干部们对这件事有什么样的感受？' over '阳曲人民深受鼓舞、倍感振奋，阳曲干部深感使命光荣、责任重大':
    what the one clause whose subject (its last two characters: 干部, not 人民) the question names
    says they feel, from its verb ('深感使命光荣、责任重大')."""
    if not _ASKS_FEELING.search(question):
        return None
    felt = [(at, m) for at, clause in clauses(sentence) if (m := _FELT.match(clause.rstrip("”’")))]
    named = [(at, m) for at, m in felt if m.group("who")[-2:] in question]
    if len(named) != 1:
        return None
    at, m = named[0]
    said = m.group(0)[len(m.group("who")) :]  # with its verb: '深受鼓舞、倍感振奋'
    return Span(said, at + m.end("who"), "what", 1.0)


_ASKS_ROLE = re.compile(
    r"由谁|谁(?:来)?(?:挂帅|牵头|担任|出任|当|任)|哪[两二三几]?位[\u4e00-\u9fff]{0,6}?(?:挂帅|牵头|担任|出任|任)|"
    r"\bwhich (?:two |three )?(?:officials?|posts?|leaders?)\b.*\b(?:head|lead|co-lead)",
    re.I,
)
_ROLES = ("双组长", "组长", "副组长", "总指挥", "指挥长", "主任", "负责人", "召集人")
# roles a question asks by a verb or in English: 挂帅 (to take command) is to lead the group
_ROLE_WORDS = (
    ("挂帅", ("双组长", "组长")),
    ("co-lead", ("双组长",)),
    ("head", ("双组长", "组长")),
    ("lead", ("组长",)),
)


def _role_holder(question: str, sentence: str) -> Span | None:
    """'由谁挂帅当组长？' over '阳曲县委书记和县长任双组长' -> '阳曲县委书记和县长': who holds the role the
    question names, printed at the start of the clause that gives it (任/担任/出任/当 + the role).
    '哪两位一把手一起挂帅？' and 'which two officials head … as co-leaders?' name it by a verb."""
    if not _ASKS_ROLE.search(question):
        return None
    said = {r for word, roles in _ROLE_WORDS if re.search(word, question, re.I) for r in roles}
    for role in _ROLES:
        if role[-2:] not in question and role not in said:
            continue
        m = re.search(rf"(?:^|[，。；：])([\u4e00-\u9fff、]{{2,14}}?)(?:任|担任|出任|当|挂帅)(?:双)?{role}", sentence)
        if m:
            several = re.search(r"和|、|与", m.group(1))
            return Span(m.group(1), m.start(1), "list" if several else "name", 1.0)
    return None


_ASKED_OPENING = re.compile(r"([\u4e00-\u9fff])(?:的是|的|了|是)(?:什么|啥|哪些|哪几)")


def _opened_alike(question: str, sentence: str) -> Span | None:
    """'三转三定，定的是啥？' over '以“定目标和标准体系、定任务和举措体系、定政策和制度体系”为成果体现': the one
    list of the sentence whose items all open with the character the question asks about (定的是/转了)."""
    m = _ASKED_OPENING.search(question)
    if not m or m.group(1) in "的是了都也还就":
        return None
    fitting = [
        c
        for c in _list_candidates(sentence)
        if c.text.count("、") >= 1 and all(item.startswith(m.group(1)) for item in c.text.split("、"))
    ]
    if len({c.text for c in fitting}) != 1:
        return None
    return Span(fitting[0].text, fitting[0].start, "list", 1.0)


def _items_at(listed: str, start: int = 0) -> list[tuple[int, str]]:
    """The items of a 、-joined list, each with where it starts (``start``: where the list starts)."""
    items, at = [], start
    for item in listed.split("、"):
        items.append((at, item))
        at += len(item) + 1
    return items


def _subsequence(short: str, text: str) -> bool:
    """Every character of ``short`` printed in ``text``, in order ('传统产业' in '传统优势产业')."""
    it = iter(text)
    return all(ch in it for ch in short)


def _before_deng(question: str, sentence: str, kinds: tuple[str, ...] = ()) -> Span | None:
    """'要改造的传统产业是哪几样？' over '加快煤电热材等传统优势产业的“三化”提升改造': the things printed
    before 等 and the asked noun (its characters in order, words may stand between them); an English
    question's noun is its kind ('Which traditional industries…' -> 传统产业)."""
    m = _ASKS_COPULA.search(question)
    nouns = [n for n in (re.split(r"的", m.group(1))[-1] if m else "", *kinds) if len(n) >= 4]
    found = []
    for hit in re.finditer(r"([\u4e00-\u9fff]{2,12})等([\u4e00-\u9fff]{2,10})", sentence):
        things = hit.group(1)[_lead_end(hit.group(1)) :]
        named = any(_subsequence(n, hit.group(2)) and hit.group(2)[:1] == n[:1] for n in nouns)
        if named and things not in question:
            found.append(Span(things, hit.end(1) - len(things), "list", 1.0))
    return found[0] if len(found) == 1 else None


def _list_answer(question: str, sentence: str, kinds: tuple[str, ...] = ()) -> Span | None:
    """A 哪些/哪几 question: a count (几大商圈), a printed list, the words where the wh-word stands, or
    things of the asked kind named one by one."""
    if _Q_COUNT.search(question) and not re.search(r"哪[一二三四五六七八九十两]|哪几", question):
        return _counts(question, sentence)
    other = _the_other_item(question, sentence)  # 除了风电，还有哪些: not the one named
    if other is None and re.search(r"哪一[片条座个]", question):
        other = _quoted_of_kind(question, sentence)  # 哪一片老街 asks for one: 钟楼街片区
    if other is not None:
        return other
    listed = _list(question, sentence, kinds)
    if listed is not None and listed.fit >= 1.0:
        return listed
    opened = _opened_alike(question, sentence)
    if opened is not None:
        return opened
    # "持续加大哪两方面的力度" over "持续加大项目谋划储备和招商引资力度": the words that stand where the
    # wh-word stands, as many things as the question counts
    aligned = _aligned(question, sentence)
    if aligned is not None and aligned.fit >= 1.0 and _as_many(question, aligned.text):
        return replace(aligned, kind="list")
    return (
        _suffixed(question, sentence, kinds)
        or _verb_object(question, sentence)
        or _each_quoted_verb(question, sentence)
        or _before_deng(question, sentence, kinds)
        or listed
    )


def _each_quoted_verb(question: str, sentence: str) -> Span | None:
    """'要「紧盯」的是哪两样？' over '紧盯…这个“主攻方向”，紧盯产业、城市、要素“三大支撑”': the question quotes a
    word the sentence opens as many clauses with as it counts; each clause names its thing last, in
    quotes. The answer is those names, joined by 、."""
    quoted = re.search(r"[“‘「]([\u4e00-\u9fff]{2,4})[”’」]", question)
    count = asked_count(question)
    if quoted is None or count < 2:
        return None
    word = quoted.group(1)
    objects = re.findall(rf"{re.escape(word)}([^，。；：！？]*?)(?=[，。；：！？]|$)", sentence)
    found = [re.search(r"[“‘]([^“”‘’]{2,12})[”’]$", o) for o in objects]
    names = [m.group(1) for m in found if m is not None]
    if len(objects) != count or len(names) != count:
        return None
    return Span("、".join(names), sentence.find(names[0]), "list", 1.0)


def _verb_object(question: str, sentence: str) -> Span | None:
    """'体现在哪两个地方？' over '…部署体现到实际行动上、工作实效上，…': the whole object of the question's
    verb, to the end of its clause, when it names exactly as many things as the question counts (two
    or more, each short, said alike). Certain only by that count, and only where the verb is printed
    once."""
    verb, count = _asked_verb(question), asked_count(question)
    if not verb or count < 2 or sentence.count(verb) != 1:
        return None
    m = re.search(rf"{re.escape(verb)}[在到于]?([^，。；：！？“”‘’]{{2,40}})(?=[，。；：！？]|$)", sentence)
    items = re.split(r"、|和|与|及", m.group(1)) if m else []
    if m is None or len(items) != count or not all(2 <= len(item) <= 12 for item in items):
        return None
    heads = asked_heads(question)
    if heads and not all(item.endswith((heads[0][0], heads[0][-1])) for item in items):
        return None  # a kind asked by name ('哪两个会议', '哪两项制度') is what each item is ('…坐班制')
    # said alike: the same last character or length ('实际行动上、工作实效上'), or each a thing of
    # something ('城市的宜居度和人民群众的幸福感'); not a verb's object and then another verb phrase
    # ('展现古交担当、作出古交贡献')
    alike = len({item[-1] for item in items}) == 1 or len({len(item) for item in items}) == 1
    if not alike and not all("的" in item[1:-1] for item in items):
        return None
    return Span(m.group(1), m.start(1), "list", 1.0)


def _aspects(question: str, sentence: str, kinds: tuple[str, ...]) -> Span | None:
    """ "在哪些方面…" over "在产业发展、城市建设、公共服务等方面", "立足哪几方面的条件" over "立足A、B、C，",
    "哪些方面的基础设施" over "交通、市政…等基础设施": the list of aspects, when the sentence says so."""
    listed = _list(question, sentence, kinds)
    if listed is None:
        return None
    after = sentence[listed.start + len(listed.text) :]
    if re.match(rf"[”’]?等?(?:[{_NUMERAL}]+个)?方面", after) or _verb_introduces(question, sentence, listed):
        return Span(listed.text, listed.start, "list", 1.0)
    aspect_of = re.search(r"哪(?:些|几个?)方面的([\u4e00-\u9fff]{2,6})", question)
    noun = noun_at_start(aspect_of.group(1)) if aspect_of else ""
    if len(noun) >= 2 and re.match(rf"[”’]?等?{re.escape(noun[:2])}", after):
        return Span(listed.text, listed.start, "list", 1.0)
    return None


def _shortened(question: str, text: str) -> bool:
    """The question names a thing of ``text`` by a short form of two of its characters: 奥莱 for
    奥特莱斯 (one or two characters left out between them)."""
    return any(
        re.search(rf"{re.escape(a)}[\u4e00-\u9fff]{{1,2}}{re.escape(b)}", text)
        for a, b in zip(question, question[1:])
        if re.fullmatch(r"[\u4e00-\u9fff]{2}", a + b) and not _WH_CHARS.search(a + b)
    )


_WH_CHARS = re.compile(r"[哪什么谁啥几多]")


def find_span(question: str, sentence: str, qtype: str | None = None, kinds: tuple[str, ...] = ()) -> Span | None:
    """The words of ``sentence`` that directly answer ``question``, or None when none are certain.

    Handles the shapes that can be read off the text: number, count, list,
    date, and '哪个X/什么X' things. Names and places that are the speaker's own
    (谁说…？ 哪个区…？) come from the passage's attribution, not from here.

    ``kinds``: for an English question, the Chinese words of the category noun it asks about
    (Question.kinds, from the lexicon): what a list of that kind is called by, or its items end in.
    """
    qtype = qtype or question_type(question)
    if kinds and _WHOSE.search(question):
        return _owner(sentence, kinds)
    if kinds and qtype in ("what", "name", "place") and not re.search(r"[\u4e00-\u9fff]{4}", question):
        return _english_named(sentence, kinds) or _english_one_of_kind(sentence, kinds)
    if _ASKS_NTH.search(question):
        return _nth(question, sentence)
    holder = _felt(question, sentence) or (
        _role_holder(question, sentence) if qtype in ("name", "list", "post") else None
    )
    if holder is not None:
        return holder
    if qtype == "number":
        return _number(question, sentence, kinds) or _counts(question, sentence) or _english_count(sentence, kinds)
    if qtype == "count":
        return _counts(question, sentence)
    if qtype == "date":
        m = _DATE.search(sentence)
        return Span(m.group(0), m.start(), "date", 1.0) if m else None
    if qtype == "list":
        return _list_answer(question, sentence, kinds)
    english_where = re.search(r"\bwhere\b", question, re.I) and cjk_ratio(question) < 0.5
    if qtype == "place" and (re.search(r"在哪|哪里|哪儿", question) or english_where):
        event = _EVENT_PLACE.search(sentence)  # "启动大会在阳曲召开", "奥特莱斯落户三给片区"
        before = sentence[max(0, event.start() - 12) : event.start()] if event else ""
        # what is held or settled there shares a word with the question (an English one: its own
        # Chinese words, or none to check)
        if event and (len(_bigrams(question) & _bigrams(before)) >= 1 or _shortened(question, before) or english_where):
            where = event.group("where")
            return Span(where, event.start("where"), "place", 0.9)
    if qtype == "how" and _Q_ASPECTS.search(question):
        return _aspects(question, sentence, kinds)
    if qtype in ("what", "list", "name"):
        inverted = _inverted(question, sentence)
        if inverted is not None:
            return replace(inverted, kind="list") if "、" in inverted.text else inverted
    if qtype == "name" and _ASKS_FULL_NAME.search(question):
        return _full_name(question, sentence)  # '“集聚区”，全名叫啥？': the longer name, or nothing
    if qtype in ("what", "how"):
        item = _full_name(question, sentence) or _item_of(question, sentence) or _described(question, sentence)
        if item is not None or _ASKS_FULL_NAME.search(question):
            return item
    if qtype in ("what", "place", "name"):
        return _thing(question, sentence, qtype, kinds)
    return None


_ASKS_TITLE = re.compile(r"叫什么|叫啥|名称|名字|主题|题目|口号")


def _quoted_title(question: str, sentence: str) -> Span | None:
    """'那场大讨论，主题叫什么？' over '继续深化“建设太忻经济区，阳曲争当排头兵”大讨论': the one quote of the
    sentence printed right before a word the question names (大讨论), when the question asks what it is
    called; the answer is the quote with that word, as printed."""
    if not _ASKS_TITLE.search(question):
        return None
    asked = _QUOTED.findall(question)
    found = [
        m
        for m in re.finditer(r"[“‘]([^“”‘’]{2,30})[”’]([\u4e00-\u9fff]{2})", sentence)
        if m.group(2) in question
        and m.group(2) not in _GENERIC_HEADS
        and m.group(1) not in question
        and not re.fullmatch(rf"[{_CN_NUMERAL}]大", m.group(2))  # “…”五大: a count, not a name
        and not any(term in m.group(1) for term in asked)  # the question asks about one item of it
    ]
    if len(found) != 1:
        return None
    m = found[0]
    after = re.match(r"[\u4e00-\u9fff]{2,6}", sentence[m.end(1) + 1 :])
    word = after.group(0) if after else m.group(2)
    named = next(word[:n] for n in range(len(word), 1, -1) if word[:n] in question)  # 大讨论, not 大讨
    return Span(sentence[m.start() : m.end(1) + 1 + len(named)], m.start(), "what", 1.0)


_ASKS_ONE_THING = re.compile(r"(?:个|些)?(?:什么|啥)[？?]?$")


def _item_the_question_opens(question: str, sentence: str) -> Span | None:
    """'观家峪要建个啥？' over '重点实施…董家庄森林谷、观家峪桃花源特色小镇、张家口森林公园等项目': the one
    listed item that opens with three or more of the question's characters (a place the item is
    named after), printed nowhere else in the sentence; the item is the answer, whole. Not when the
    question's other words are printed around it ('钟楼街片区改造最后想建成什么？' over '…钟楼街片区二期
    修缮保护，力争建成国家级示范步行街': the item is what the question starts from)."""
    if not _ASKS_ONE_THING.search(question) or _ASKS_OTHER.search(question):
        return None  # '除了董家庄森林谷，还要建什么？' asks for the others
    found: dict[str, int] = {}
    for listed in _list_candidates(sentence):
        for at, item in _items_at(listed.text, listed.start):
            opening = next((item[:n] for n in range(min(5, len(item) - 2), 2, -1) if item[:n] in question), "")
            if opening and sentence.count(opening) == 1 and re.fullmatch(r"[\u4e00-\u9fff]+", item):
                found[item] = at
    if len(found) != 1:
        return None
    item, at = next(iter(found.items()))
    opening = next(item[:n] for n in range(min(5, len(item) - 2), 2, -1) if item[:n] in question)
    if _bigrams(question.replace(opening, "，")) & _bigrams(sentence[:at] + "，" + sentence[at + len(item) :]):
        return None
    return Span(item, at, "what", 1.0)


_ASKS_OTHER = re.compile(
    r"(?:除了.*?|还[^，,？?。]{0,8}?|另外[\u4e00-\u9fff]{0,3}?|另一[个位项]?)"
    r"(?:什么|啥|哪个|哪一个|哪些|哪几个)([\u4e00-\u9fff]{0,6})"
)


def _names_item(question: str, item: str) -> bool:
    """The question prints the item whole, or four characters of it."""
    return (len(item) >= 2 and item in question) or any(item[k : k + 4] in question for k in range(len(item) - 3))


def _the_other_item(question: str, sentence: str) -> Span | None:
    """'跟建设动员大会一起开的，还有一个什么会？' over '召开…建设动员大会、首批重点项目推进会': in the one list of the
    sentence with items the question names (whole, or four characters of each), the other items, each
    ending as a one- or two-character asked kind does (会)."""
    m = _ASKS_OTHER.search(question)
    if not m:
        return None
    kind = re.sub(r"[呢吗啊呀]$", "", m.group(1))
    found: dict[str, int] = {}
    for listed in _list_candidates(sentence):
        if listed.start and sentence[listed.start - 1] in "”’":
            continue  # the first item is cut at a quote ('“府城游”升级版'): the list is not whole
        items = re.split(r"[、+]", listed.text)  # “承诺制+标准地+代办制”
        named = [i for i in items if _names_item(question, i)]
        others = [i for i in items if i not in named]
        # a one- or two-character kind (什么会) ends each item; a longer noun (新能源项目) names the list
        if not named or not others or (0 < len(kind) <= 2 and not all(i.endswith(kind[-1]) for i in others)):
            continue
        at = listed.start + listed.text.find(others[0])
        found["、".join(others)] = at
    if len(found) != 1:
        return None
    [(text, at)] = found.items()
    return Span(text, at, "list" if "、" in text else "what", 1.0)


_ASKS_STANDING = re.compile(r"定位|角色|身份")
_STANDS_AS = re.compile(r"([\u4e00-\u9fff]{2,6})作为([^，。；：“”‘’]{2,20}?)的([^，。；：“”‘’的]{2,16})(?=[，,。；])")


def _role_as(question: str, sentence: str) -> Span | None:
    """'阳曲在太忻经济区里给自己的定位是什么？' over '阳曲作为太忻经济区的核心区、主战场，将以…': what the
    subject the question names stands as, in the whole the question names too."""
    if not _ASKS_STANDING.search(question):
        return None
    for m in _STANDS_AS.finditer(sentence):
        subject, whole = m.group(1)[-3:], m.group(2)
        if subject[:2] in question and len(_bigrams(whole) & _bigrams(question)) >= 2:
            return Span(m.group(3), m.start(3), "what", 1.0)
    return None


def _thing(question: str, sentence: str, qtype: str, kinds: tuple[str, ...]) -> Span | None:
    """A 哪个X/什么X question: a quoted name of a one-character kind, the words where the wh-word
    stands, the named thing of the asked kind, or (什么？ with nothing else) a quoted list."""
    one_char = (
        _quoted_of_kind(question, sentence)
        or _quoted_title(question, sentence)
        or _opened_alike(question, sentence)
        or _the_other_item(question, sentence)
        or _item_the_question_opens(question, sentence)
        or _role_as(question, sentence)
    )
    if one_char is not None:
        return one_char
    aligned = _aligned(question, sentence)
    if aligned is not None and aligned.fit >= 1.0:
        return aligned
    if qtype == "name" and (aligned is not None or not _asked_nouns(question)):
        return aligned  # a person's name is the speaker's (谁说…); a named kind ('那个模式，叫什么') is read on
    # a gap between a short anchor is a guess: the named thing may be surer
    named = _named(question, sentence)
    best = max((x for x in (aligned, named) if x is not None), key=lambda x: x.fit, default=None)
    if best is not None or qtype == "place":
        return best
    quoted = _list(question, sentence, kinds)  # "发展目标是什么？" answered by a quoted list
    asked_item = set(_QUOTED.findall(question)) & set(quoted.text.split("、")) if quoted else set()
    if quoted is not None and quoted.start and sentence[quoted.start - 1] in "“‘" and not asked_item:
        one = re.search(r"哪个|哪一个", question)  # "要打造哪个载体？" asks for one thing, not a list of them
        fit = quoted.fit if quoted.fit >= 1.0 and not one else min(quoted.fit, 0.7)
        return Span(quoted.text, quoted.start, "list", fit)
    return None
