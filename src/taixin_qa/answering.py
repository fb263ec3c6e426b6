"""Extractive answers: the fact first, then who said it and the sentence it stands in, each cited.

Nothing is generated. A reply is made of words of the page:

* ``short``: the direct answer when the question asks for a number, a count,
  a list, a name, a place or a date, found verbatim in the chosen sentence
  (:mod:`taixin_qa.spans`) or, for 谁/哪个区 questions, the speaker or district
  the page prints for that passage. It is left out whenever it is not
  certain: a wrong bold answer is worse than none;
* ``sentences``: the quoted sentences, chosen across the top passages (not
  only the first), each followed by its speaker and a marker ``[n]`` that
  points at its source in ``passages``;
* ``missing``: when a question about one speaker asks for something that
  speaker's interview does not give (a follow-up "那古交呢？" after an
  investment figure), it says so first: "版面没有给出古交市的投资额".

>>> print(engine.answer("万柏林区第一年计划完成多少投资？").text)   # doctest: +SKIP
**300亿元**（杨俊民，万柏林区委书记）
“我们要……力争起步第一步一年完成300亿元投资……”（杨俊民，万柏林区委书记）[1]
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

from taixin_qa.chunking import Passage
from taixin_qa.results import Answer, AnswerSentence, SearchResult
from taixin_qa.settings import SETTINGS, Answering, Settings
from taixin_qa.spans import (
    FACT_TYPES,
    Span,
    asked_count,
    asked_heads,
    asks_full_name,
    enumerates,
    find_span,
    led_items,
    list_head,
    noun_at_start,
    question_leads,
    question_type,
)
from taixin_qa.text import side_by_side

if TYPE_CHECKING:
    from taixin_qa.index import Index
    from taixin_qa.structure import StructureAnswer
    from taixin_qa.tokenization import Tokenizer

__all__ = ["Answer", "AnswerSentence", "compose_answer", "compose_structure_answer", "source_label"]

NOT_COVERED = (
    "本版面没有涉及这个问题。本版面收录的是六位县(市、区)委书记谈太忻经济区建设的专访"
    "（尖草坪区/中北高新区、迎泽区、杏花岭区、万柏林区、阳曲县、古交市），可以问他们的目标、项目和举措。"
)
EMPTY_QUESTION = "请输入一个问题，例如：阳曲县的发展目标是什么？"

# 哪个区/哪个县/哪里的…: the answer is the speaker's own district, as printed in the header.
_ASKS_PLACE_OF_SPEAKER = re.compile(
    r"哪个(?:区|县|城区|市|地方)|哪些(?:区县|地方|区|县)|哪[几两二三四五六]个(?:区县|区|县|地方)|^哪里|哪里的|"
    r"^哪儿|是哪(?:里|儿)要|"
    r"是哪个区|which (?:district|county|city|place)",
    re.I,
)
# 谁/哪位 (not "由谁挂帅", which asks for a post inside the text): the speaker, as printed.
_ASKS_SPEAKER = re.compile(
    r"(?:谁|哪位|哪几位|哪一位|哪[两二三四五六]位|哪些)(?:书记|领导)?都?(?:说|表示|提出|提到|谈到|谈|要|用|表态|强调|把)|"
    r"是谁说|谁说的|的话|说法|接受.{0,4}(?:专访|采访)的是|"
    r"\bwho (?:said|says|talked|spoke|mentioned|described|called|compared|pledged|vowed|promised)",
    re.I,
)
_ASKS_ANY_SPEAKER = re.compile(
    r"谁|哪位|哪几位|哪一位|哪[两二三四五六]位|哪些书记|书记(?:的名字|叫什么|叫啥|姓什么)|"
    r"\bwho\b|\bwhich (?:party )?(?:secretar(?:y|ies)|officials?|leaders?)\b",
    re.I,
)
_QUOTED_TERM = re.compile(r"[“‘「'\"]([^“”‘’「」'\"]{2,30})[”’」'\"]")
# 哪些/哪几 ask for several; so does 都 ("哪些区县都谈到了…"), but not beside a singular wh-word
# ("中北大学和太原工业学院都在哪个区？": both are in one district).
_SINGULAR = re.compile(r"哪个|哪一|哪位")
_PLURAL = re.compile(rf"哪些|哪几|哪[两二三四五六]个|^(?!.*(?:{_SINGULAR.pattern})).*都")


def _balanced(sentence: str) -> str:
    """Drop a quotation mark left open or closed by sentence splitting, for reading."""
    s = sentence
    if s.count("“") > s.count("”") and s.startswith("“"):
        s = s[1:]
    if s.count("”") > s.count("“") and s.endswith("”"):
        s = s[:-1]
    return s


def source_label(passage: Passage, index: Index) -> str:
    """How a reader names a source: '裴耀军专访 第3段' (captions not counted), '李慧专访 图片说明'."""
    if passage.kind == "header":
        part = passage.id.split(":", 1)[-1]
        return f"{passage.speaker}专访 " + {"subtitle": "副题", "byline": "署名", "headline": "标题"}.get(part, part)
    if passage.kind == "caption":
        return f"{passage.speaker}专访 图片说明"
    number = 0
    for p in index.passages:
        if p.interview_id == passage.interview_id and p.kind == "paragraph":
            number += 1
            if p.id == passage.id:
                break
    return f"{passage.speaker}专访 第{number}段"


class _Candidate:
    __slots__ = ("passage", "texts", "scores", "spans", "best")

    def __init__(
        self, passage: Passage, texts: list[str], scores: list[float], spans: list[Span | None], best: int | None = None
    ):
        self.passage, self.texts, self.scores, self.spans = passage, texts, scores, spans
        self.best = best if best is not None else (int(np.argmax(scores)) if scores else -1)


@dataclass(frozen=True)
class _Ask:
    """One question being answered: what every step of the composer reads."""

    result: SearchResult
    index: Index
    question: str
    qtype: str
    tokenizer: Tokenizer
    rules: Answering

    @cached_property
    def asks_attribution(self) -> str:
        """'speaker' for 谁说…, 'place' for 哪个区…: answered by the page's attribution, not by words
        inside a sentence ('' otherwise)."""
        q, question, qtype = self.result.question, self.question, self.qtype
        named = set(q.interview_ids) | set(q.subject if q.continued else ())
        if qtype == "name" and (_ASKS_SPEAKER.search(question) or (not named and _ASKS_ANY_SPEAKER.search(question))):
            return "speaker"
        if qtype in ("place", "list", "what") and not named and _ASKS_PLACE_OF_SPEAKER.search(question):
            return "place"
        return ""

    @cached_property
    def content_tokens(self) -> set[str]:
        """The question's words less the names and places it was filtered by: that a sentence
        repeats the speaker's name says nothing about whether it answers."""
        q = self.result.question
        named = [surface for surface in q.entities if len(surface) >= 2]
        return {t for t in q.tokens if not any(t in surface or surface in t for surface in named)}

    @property
    def english_heads(self) -> tuple[str, ...]:
        """For an English question, the Chinese words its category noun stands for; () otherwise."""
        return self.result.question.kinds

    def closest_sentence(self, p: Passage) -> float | None:
        """The dense cosine of the passage's sentence closest to the question; None without sentence
        rows (a caption) or without a query vector."""
        row = self.index.row_of.get(p.id)
        if self.result.query_vector is None or row is None:
            return None
        ids = self.index.sentences_of(row)
        return float(np.max(self.index.sentence_vectors(ids) @ self.result.query_vector)) if len(ids) else None

    @cached_property
    def closest_sentences(self) -> list[tuple[float, str]]:
        """Each retrieved interview's closest sentence to the question (dense cosine), best first:
        (cosine, interview id)."""
        best: dict[str, float] = {}
        for p in self.result.passages:
            cosine = self.closest_sentence(p)
            if cosine is not None:
                best[p.interview_id] = max(best.get(p.interview_id, -1.0), cosine)
        return sorted(((c, i) for i, c in best.items()), reverse=True)

    @cached_property
    def best_sentence_cosine(self) -> float:
        """The best cosine of any sentence of the top passages: what a passage without sentence rows
        (a caption) is matched with, so that it is chosen by its rank and its words, like the others."""
        found = (self.closest_sentence(p) for p in self.result.passages[: self.rules.candidate_passages])
        return max([0.0, *(c for c in found if c is not None)])

    def candidate(self, p: Passage) -> _Candidate:
        """Every sentence of passage ``p``, scored: its own match, the passage's rank, and the answer it holds."""
        rules, top = self.rules, self.result.passages[0]
        tokens = self.content_tokens
        qvec = self.result.query_vector
        row = self.index.row_of.get(p.id)
        ids = self.index.sentences_of(row) if row is not None else np.array([], dtype=np.int64)
        texts = [self.index.sentence_text(s) for s in ids] or [p.text]
        if qvec is not None and len(ids):
            sims = [float(x) for x in self.index.sentence_vectors(ids) @ qvec]
        elif qvec is not None and row is not None:
            sims = [self.best_sentence_cosine]  # a caption has no sentence rows
        else:
            sims = [0.0] * len(texts)
        scores, spans = [], []
        # items opening with the question's verb (an English one as the page prints it) may stand in
        # several sentences of the paragraph
        leads = self.result.question.leads or question_leads(self.question)
        led = led_items(p.text, leads, asked_count(self.question)) if leads else None
        for text, sim in zip(texts, sims):
            words = set(self.tokenizer.cut_for_search(text))
            overlap = len(words & tokens) / max(1, len(self.result.question.tokens))
            span = find_span(self.question, text, self.qtype, self.result.question.kinds)
            if led is not None and (span is None or span.fit < rules.bold_fit) and led.text.split("、")[0] in text:
                span = led
            score = sim + rules.lexical_weight * overlap + rules.passage_weight * (p.score - top.score)
            if span is not None and not self.asks_attribution:
                score += rules.span_bonus * span.fit
            if self.qtype == "list" and enumerates(text):
                score += rules.enumeration_bonus
            if any(h in text for h in self.english_heads):
                score += rules.english_head_bonus
            scores.append(score)
            spans.append(span)
        return _Candidate(p, texts, scores, spans)

    def closing_paragraph(self, top: Passage) -> Passage | None:
        """The last paragraph of the best passage's interview, when the question asks how it ends
        ('在访谈最后表态时'); None otherwise."""
        if not _ASKS_CLOSING.search(self.question):
            return None
        own = [p for p in self.index.passages if p.interview_id == top.interview_id and p.kind == "paragraph"]
        return own[-1] if own else None

    def candidates(self) -> list[_Candidate]:
        """The top passages (a few, close to the best), each with its scored sentences."""
        top = self.result.passages[0]
        # A question that names a district is answered from that district's interview when one of
        # its passages is among the top ones (another interview may print the same kind of list).
        named = self.result.question.interview_ids
        leading = self.result.passages[: self.rules.candidate_passages]
        only = named if named and any(p.interview_id in named for p in leading) else None
        out = []
        for rank, p in enumerate(self.result.passages):
            if rank >= self.rules.candidate_passages or top.score - p.score > self.rules.candidate_margin:
                break
            if only is None or p.interview_id in only:
                out.append(self.candidate(p))
        last = self.closing_paragraph(top)
        if last is not None and last.id not in {c.passage.id for c in out}:
            out.insert(0, self.candidate(last))  # '李慧在访谈最后表态时…': the interview's closing words
        if asks_full_name(self.question) and not any(s and s.fit >= 1.0 for c in out for s in c.spans):
            # '那个“引领区”，完整的叫法是什么？': the list that names it short ranks first; the paragraph
            # that names it in full may stand further down, in the same interview
            more = [p for p in self.result.passages if p.interview_id == top.interview_id]
            full = [c for c in map(self.candidate, more) if any(s and s.fit >= 1.0 for s in c.spans)]
            out += [c for c in full if c.passage.id not in {o.passage.id for o in out}][:1]
        return out or [self.candidate(top)]


_ASKS_CLOSING = re.compile(r"(?:访谈|专访|采访|讲话|谈话)(?:的)?(?:最后|末尾|结尾)|最后(?:表态|一段|那段|说)|结尾处")


def _quote(
    c: _Candidate, rules: Answering, second: bool = False, lists: bool = False, heads: tuple[str, ...] = ()
) -> str:
    """The best sentence of a candidate, with the next one when it is only a heading-like lead,
    and (``second``) the runner-up when it scores about as well: without a direct answer the
    reader gets both readings. With ``lists`` (a 哪些 question without a direct answer), the
    passage's other sentences that name a thing of the asked kind (``heads``: 集群 for "which
    clusters", each sentence naming one) and then those that enumerate (with 、) come along, best
    first, up to ``max_sentences``."""
    i = c.best
    keep = {i}
    if len(c.texts[i]) < rules.short_sentence_chars and i + 1 < len(c.texts):
        keep.add(i + 1)
    order = sorted(range(len(c.texts)), key=lambda j: -c.scores[j])
    if second and len(c.texts) > 1 and c.scores[order[0]] - c.scores[order[1]] <= rules.second_sentence_margin:
        keep.add(order[1])
    if lists:
        for j in [j for j in order if any(h in c.texts[j] for h in heads)] + order:
            if len(keep) < rules.max_sentences and ("、" in c.texts[j] or any(h in c.texts[j] for h in heads)):
                keep.add(j)
    return _balanced("".join(c.texts[j] for j in sorted(keep)))


def _listed(passages: list[Passage], field: str) -> str:
    """The distinct ``speaker`` or ``district`` values of the paragraphs (and captions: the interview
    they are printed with), in order, joined by 、."""
    seen: list[str] = []
    for p in passages:
        value = getattr(p, field)
        if p.kind in ("paragraph", "caption") and value not in seen:
            seen.append(value)
    return "、".join(seen)


def _topic(intent: str, qtype: str) -> str:
    """What was asked, as a noun phrase for "版面没有给出…的…": '第一年计划完成多少投资' -> '投资额'."""
    if re.search(r"占地|面积", intent):
        return "占地面积"
    if re.search(r"投资多少|投资额|投多少", intent):
        return "投资额"  # '分别计划投资多少？'
    m = re.search(r"多少([\u4e00-\u9fff]{1,6})", intent)
    if m:
        word = re.split(r"[的？?，,]", m.group(1))[0]
        if word[:1] in "座支个家项所条处栋期次届倍人名位种批":
            return f"{word[1:] or '具体'}数量"
        return f"{word}额" if word.startswith("投资") else f"{word}数字"
    m = re.search(r"几[大个支项条位家所]?([\u4e00-\u9fff]{1,6})", intent)
    if m and qtype == "count":
        return f"{re.split(r'[的？?，,]', m.group(1))[0]}数量"
    m = re.search(r"哪些([\u4e00-\u9fff]{1,8})", intent)
    if m:
        return re.split(r"[的？?，,]", m.group(1))[0]
    return {"number": "具体数字", "count": "具体数量", "date": "日期"}.get(qtype, "具体内容")


def _missing(ask: _Ask) -> str | None:
    """For a follow-up about another speaker: what their interview does not give, or None.

    A question read from the conversation ("那古交呢？" after an investment figure)
    is judged, and so is a question that names one interview and asks for a
    number, count or date ("古交第一年计划完成多少投资？"), against every paragraph
    of the interviews it is about:
    a number, count or date is missing when no sentence holds one of the asked
    kind (an amount of money for 投资, an area for 占地…); a list is missing when
    the thing listed (高校, 军工企业, 新能源) is never mentioned at all.
    """
    q = ask.result.question
    subject = q.subject if q.continued else q.interview_ids
    if ask.qtype not in ("number", "count", "list", "date") or not subject:
        return None
    if not q.continued and (len(subject) != 1 or ask.qtype == "list"):
        return None  # asked on its own: only a number, count or date about one named interview
    if q.chinese_share < 0.5:
        return None  # the shapes are read from Chinese cue words ("多少投资"); an English question has none
    subject_passages = [p for p in ask.index.passages if p.interview_id in subject and p.kind == "paragraph"]
    if not subject_passages:
        return None
    if ask.qtype == "count" and not q.continued and not _counted_thing_absent(ask.question, subject_passages):
        return None  # "设了几个组长？" over 双组长, "列了几条？" over 一是…四是: a count is printed many ways
    if ask.qtype == "list":
        head = list_head(ask.question)
        if not head or any(
            head in p.text or head[:2] in p.text or (len(head) <= 3 and head[-2:] in p.text) for p in subject_passages
        ):
            return None
    else:
        for p in subject_passages:
            for s in ask.index.sentences_of(ask.index.row_of[p.id]):
                span = find_span(ask.question, ask.index.sentence_text(s), ask.qtype)
                if span is not None and span.fit >= ask.rules.bold_fit:
                    return None
    place = subject_passages[0].district.split("、")[0]
    return f"版面没有给出{place}的{_topic(q.intent or ask.question, ask.qtype)}"


def _counted_thing_absent(question: str, passages: list[Passage]) -> bool:
    """The thing a 几-question counts (古交有几个商圈？ -> 商圈) is printed nowhere in the passages; False
    when the question names no such thing of two characters or more (几条, 几项), or counts time
    (几年就要见效？ asks how soon, which '一年见效' answers)."""
    if re.search(r"几个?(?:年|月|天|周|次|倍|小时)", question):
        return False
    m = re.search(r"几(?:[个大项条支座家所位名种类批路])?([\u4e00-\u9fff]{2,4})", question)
    thing = noun_at_start(m.group(1), "？?") if m else ""
    return len(thing) >= 2 and not any(thing in p.text for p in passages)


def compose_answer(
    result: SearchResult, index: Index | None, tokenizer: Tokenizer, settings: Settings = SETTINGS
) -> Answer:
    """The reply to a searched question: direct answer, cited sentences, what is missing.

    ``index``: the one the passages were ranked in (``result.index``); None when nothing was.
    """
    rules = settings.answering
    q = result.question
    notice = result.notice
    understood = q.understood_as if q.continued else None
    if q.is_empty:
        return Answer(EMPTY_QUESTION, [], False, question=q.text, notice=notice, reason="empty question")
    if not result.answerable or not result.passages:
        text = f"版面上没有这部分内容。编者注：{result.note}" if result.note else NOT_COVERED
        text = f"{notice}{text}" if notice else text
        return Answer(text, [], False, question=q.text, notice=notice, reason=result.reason, understood_as=understood)
    if index is None:
        raise ValueError("an answerable question needs the index its passages were ranked in")
    ask = _Ask(result, index, q.text, question_type(q.text), tokenizer, rules)
    short, missing, chosen = _answer_parts(ask)
    passages, cited, sentences = _cite(ask, chosen, short)
    lines = [notice] if notice else []  # the notice says how a follow-up was understood
    hedge = _hedge(ask, short, missing)
    lines += _lead_line(short, missing, chosen, sentences) or ([hedge] if hedge else [])
    lines += [f"{s.render()}[{s.source}]" for s in sentences]
    return Answer(
        "\n".join(lines),
        passages,
        True,
        sentences,
        question=q.text,
        notice=notice,
        short=short,
        missing=missing,
        hedge=hedge,
        cited=cited,
        understood_as=understood,
        reason=result.reason,
    )


def _answer_parts(ask: _Ask) -> tuple[str | None, str | None, list[_Candidate]]:
    """The direct answer, what the page lacks, and the candidates whose sentences are quoted."""
    candidates = ask.candidates()
    # 谁说…/哪个区…: the answer is a passage's attribution, so the best-ranked passage leads.
    best = candidates[0] if ask.asks_attribution else _answering_candidate(candidates, ask.rules)
    closing = ask.closing_paragraph(ask.result.passages[0])
    best = next((c for c in candidates if closing is not None and c.passage.id == closing.id), best)
    chosen = _other_speakers(ask, candidates, best)
    points = _ordinal_points(ask, best)
    chosen = points or chosen
    missing = _missing(ask)
    short = None
    each = _each_named(ask)
    if each is not None:
        short, chosen, missing = each
    elif not missing:
        short, chosen = _short(ask, best, chosen)
    if points and short:
        # '打算上马哪些方面的基础设施？' answered by one point of the series: that point is quoted, not
        # the whole series (its other points stay among the other related passages)
        chosen = [c for c in chosen if short in c.passage.text] or chosen
    if short is None:
        chosen = _with_runner_up(ask, candidates, best, chosen)
        chosen = _second_place(ask, chosen) if ask.asks_attribution else chosen
    return short, missing, chosen


def _cite(ask: _Ask, chosen: list[_Candidate], short: str | None) -> tuple[list[Passage], int, list[AnswerSentence]]:
    """The sources (cited ones first, in the order the reply uses them, then the other related
    passages), how many are cited, and the quoted sentences with their [n] markers."""
    cited: list[Passage] = []
    for c in chosen:
        if c.passage.id not in {p.id for p in cited}:
            cited.append(c.passage)
    passages = cited + [p for p in ask.result.passages if p.id not in {c.id for c in cited}]
    sentences = []
    heads = asked_heads(ask.question, ask.result.question.kinds)
    for c in chosen:
        first = short is None and c is chosen[0]
        text = _quote(c, ask.rules, second=first, lists=first and ask.qtype == "list", heads=heads)
        n = 1 + next(i for i, p in enumerate(passages) if p.id == c.passage.id)
        sentences.append(AnswerSentence(text, c.passage, source=n, start=c.passage.text.find(text)))
    return passages, len(cited), sentences


_ORDINAL = re.compile(r"^(?:[一二三四五六七八九十])是")
_ASKS_ASPECTS = re.compile(
    r"哪几方面|哪些方面|哪几个方面|几个方面|哪几点|哪些点|(?<![那这第])几[条点]|分别从|哪[两三四五六七八九]个?方面"
)


def _ordinal_points(ask: _Ask, best: _Candidate) -> list[_Candidate] | None:
    """哪几方面…？ answered by a point of a series: every point of that series, in order, each quoted
    by its first sentence; None otherwise. A series is numbered (一是…二是…三是…, the best sentence
    opening a point) or parallel (要以更高的站位，…抓落实。/ 要以更大的力度，…抓落实。)."""
    if not _ASKS_ASPECTS.search(ask.question):
        return None
    same = [p for p in ask.index.passages if p.interview_id == best.passage.interview_id and p.kind == "paragraph"]
    if _ORDINAL.match(best.texts[best.best]):
        series = sorted(
            (p for p in same if _ORDINAL.match(p.text)), key=lambda p: "一二三四五六七八九十".index(p.text[0])
        )
    else:
        opening = _opening(best.passage.text)
        series = [p for p in same if opening is not None and _opening(p.text) == opening]
        if len(series) < 3:
            return None
    points = []
    for p in series:
        c = ask.candidate(p)
        points.append(_Candidate(c.passage, c.texts, c.scores, c.spans, best=0))
    return points if len(points) >= 2 else None


def _opening(text: str) -> tuple[str, str] | None:
    """How a paragraph opens, when its first sentence is a short heading: its first three and last
    three characters ('要以更', '抓落实'), which the points of a parallel series share."""
    first = re.split(r"(?<=[。！？])", text, maxsplit=1)[0].rstrip("。！？")
    return (first[:3], first[-3:]) if 6 <= len(first) <= 30 else None


def _other_speakers(ask: _Ask, candidates: list[_Candidate], best: _Candidate) -> list[_Candidate]:
    """The best candidate, and other speakers who answered the same question about as well (several
    secretaries said it); for 哪些/哪几 questions, a wider margin: the question asks for all of them."""
    rules, result = ask.rules, ask.result
    chosen = [best]
    plural = bool(_PLURAL.search(ask.question)) and ask.qtype in ("name", "place", "list")
    margin = rules.plural_margin if plural else rules.second_speaker_margin
    limit = rules.max_plural_speakers if plural else rules.max_sentences
    top_score = result.passages[0].score
    by_id = {c.passage.id: c for c in candidates}
    named = result.question.interview_ids  # a question that names districts asks about them only
    for p in result.passages:
        if len(chosen) >= limit:
            break
        if (
            p.kind == "paragraph"
            and (not named or p.interview_id in named)
            and top_score - p.score <= margin
            and p.interview_id not in {x.passage.interview_id for x in chosen}
        ):
            chosen.append(by_id.get(p.id) or ask.candidate(p))
    return chosen


def _second_place(ask: _Ask, chosen: list[_Candidate]) -> list[_Candidate]:
    """谁说…/哪个区… with no certain answer: the best passage of the next interview is quoted too,
    so the reader sees both speakers it may be (the reply says it could not tell)."""
    have = {c.passage.interview_id for c in chosen}
    if len(have) > 1:
        return chosen
    nxt = next((p for p in ask.result.passages if p.kind == "paragraph" and p.interview_id not in have), None)
    return [*chosen, ask.candidate(nxt)] if nxt is not None else chosen


def _with_runner_up(
    ask: _Ask, candidates: list[_Candidate], best: _Candidate, chosen: list[_Candidate]
) -> list[_Candidate]:
    """No direct answer to lead with: a close runner-up from another passage is quoted too,
    so the reader sees both places the answer may stand."""
    rules = ask.rules
    used = {c.passage.id for c in chosen}
    runners = sorted(
        (c for c in candidates if c.passage.id not in used and c.passage.kind == "paragraph"),
        key=lambda c: -c.scores[c.best],
    )
    if (
        runners
        and len(chosen) < rules.max_sentences
        and best.scores[best.best] - runners[0].scores[runners[0].best] <= rules.runner_up_margin
    ):
        return [*chosen, runners[0]]
    return chosen


_HEDGES = {
    "speaker": "不能确定是哪位书记说的，以下是最相关的原文：",
    "place": "不能确定是哪个区县，以下是最相关的原文：",
    "": "版面上没有找到可以直接作答的词句，以下是最相关的原文：",
}


def _hedge(ask: _Ask, short: str | None, missing: str | None) -> str | None:
    """A fact was asked (a number, a list, a name…) and none is certain: say so before the quotes,
    so that a related sentence is not read as the answer."""
    if short or missing or ask.qtype not in FACT_TYPES:
        return None
    return _HEDGES[ask.asks_attribution]


def _lead_line(
    short: str | None, missing: str | None, chosen: list[_Candidate], sentences: list[AnswerSentence]
) -> list[str]:
    """The reply's first line: what the page lacks, or the direct answer in bold (with who said it)."""
    if missing and short:  # '万柏林和古交分别计划投资多少？': one has it, the other not
        return [f"**{short}**", f"{missing}。"]
    if missing:
        return [f"{missing}。{sentences[0].passage.speaker}谈到的相关内容："]
    if not short:
        return []
    # A speaker or district answer is its own attribution; a span says who said it.
    said_by = {c.passage.speaker for c in chosen} | {c.passage.district for c in chosen}
    rest = short
    for label in sorted(said_by, key=len, reverse=True):  # a district label may hold 、 itself
        rest = rest.replace(label, "")
    if not rest.strip("、") or len(chosen) > 1 and "；" in short:
        return [f"**{short}**"]  # a place's answer each ('杏花岭区：五大商圈；万柏林区：三大商圈'): each quote says who
    return [f"**{short}**（{chosen[0].passage.attribution}）"]


_ASKS_EACH = re.compile(r"各|分别|各自|两边|两地")


def _each_named(ask: _Ask) -> tuple[str, list[_Candidate], str | None] | None:
    """'杏花岭和万柏林都在做商圈，两边各要搞几个？': a count or amount for each interview the question
    names, in the question's order, each read from that interview's best-ranked sentence holding a
    certain one ('杏花岭区：五大商圈；万柏林区：三大商圈'), and which of them the page gives none for;
    None when the question does not ask each, or no named interview has one."""
    q = ask.result.question
    if len(q.interview_ids) < 2 or ask.qtype not in ("count", "number") or not _ASKS_EACH.search(ask.question):
        return None
    retrieved = {p.id for p in ask.result.passages}
    ranked = list(ask.result.passages) + [p for p in ask.index.passages if p.id not in retrieved]
    parts: list[tuple[str, _Candidate]] = []
    lacking: list[str] = []
    for iv in sorted(q.interview_ids, key=lambda i: _named_at(ask.question, ask.index.passages, i)):
        own = [p for p in ranked if p.interview_id == iv and p.kind == "paragraph"]
        place = own[0].district.split("、")[0] if own else iv
        sure = ((c, _certain(c, ask.rules)) for c in map(ask.candidate, own))
        found = next(((c, i) for c, i in sure if i is not None), None)
        if found is None:
            lacking.append(place)
            continue
        c, i = found
        parts.append((place, _Candidate(c.passage, c.texts, c.scores, c.spans, best=i)))
    if not parts:
        return None
    short = "；".join(f"{place}：{c.spans[c.best].text}" for place, c in parts)  # type: ignore[union-attr]
    missing = f"版面没有给出{'、'.join(lacking)}的{_topic(q.intent or ask.question, ask.qtype)}" if lacking else None
    return short, [c for _, c in parts], missing


def _certain(c: _Candidate, rules: Answering) -> int | None:
    """The first sentence of a candidate that holds a certain direct answer, or None."""
    return next((i for i, span in enumerate(c.spans) if span is not None and span.fit >= rules.bold_fit), None)


def _named_at(question: str, passages: list[Passage], interview_id: str) -> int:
    """Where the question first names an interview (its district without 区/县/市, or its speaker)."""
    names = {w for p in passages if p.interview_id == interview_id for w in (p.speaker, *p.district.split("、"))}
    stems = {re.sub(r"[区县市]$", "", n) for n in names if n} | names
    found = [question.find(n) for n in stems if len(n) >= 2 and n in question]
    return min(found) if found else len(question)


def _answering_candidate(candidates: list[_Candidate], rules: Answering) -> _Candidate:
    """The passage and sentence to lead with: the best-scoring sentence, unless a sentence that
    holds a certain direct answer scores within ``span_margin`` of it (the list the question asks
    for is often the sentence right after the one that matches best)."""
    best = max(candidates, key=lambda c: c.scores[c.best])
    top = best.scores[best.best]
    # only a span certain in itself moves the answer away from the best sentence: a list known only
    # by its count ("哪三方面" over any three things) is read where the match is
    holding = [
        (c.scores[i], c, i)
        for c in candidates
        for i, span in enumerate(c.spans)
        if span is not None and span.fit >= rules.move_fit
    ]
    if not holding:
        return best
    score, c, i = max(holding, key=lambda t: t[0])
    if score < top - rules.span_margin or (c is best and i == best.best):
        return best
    return _Candidate(c.passage, c.texts, c.scores, c.spans, best=i)


def _lead(result: SearchResult, best: Passage) -> float:
    """How far the best passage leads the best passage of any other interview."""
    others = [p.score for p in result.passages if p.interview_id != best.interview_id]
    return best.score - max(others) if others else 1.0


def _sentences_agree(ask: _Ask, best: Passage) -> bool:
    """The best passage's interview also prints the sentence closest to the question, clearly
    closer than any other interview's: a second measure that names the same speaker."""
    closest = ask.closest_sentences
    if len(closest) < 2 or closest[0][1] != best.interview_id:
        return False
    return closest[0][0] - closest[1][0] >= ask.rules.sentence_lead


_FEW_WORDS = 3
_WH_WORD = re.compile(r"哪|什么|谁|啥")


def _printed_in(ask: _Ask, passage: Passage) -> bool:
    """A short question (at most three words of two or more characters, wh-words and frame words
    aside) rests on those words: the passage that names the speaker prints at least one of them.
    '哪个区县要搞光伏？' led by a passage that never says 光伏 is a model's guess, not an answer. A
    longer question is a paraphrase the dense match reads as a whole; an English question has no
    Chinese words to check."""
    words = [
        t
        for t in ask.content_tokens
        if len(t) >= 2 and re.fullmatch(r"[\u4e00-\u9fff]+", t) and t not in _FRAME_WORDS and not _WH_WORD.match(t)
    ]
    return not words or len(words) > _FEW_WORDS or any(t in passage.text for t in words)


_ASKS_PAGE = re.compile(r"版面|哪[两二三几]?篇|图片")


def _read_kinds(ask: _Ask) -> tuple[str, ...]:
    """The passages whose words say who: the speakers' paragraphs, and the captions printed with their
    interviews when the question asks what the page prints ('版面上提到奥特莱斯的有两篇')."""
    return ("paragraph", "caption") if _ASKS_PAGE.search(ask.question) else ("paragraph",)


def _holders(ask: _Ask, plural: bool) -> list[_Candidate] | None:
    """Who printed the question's own words: the retrieved paragraphs holding its quoted terms
    (哪些书记提到了“六个一”？) or, failing those, its longest run of at least six characters found
    word for word on the page in at most three interviews (谁谈到了提升太原首位度和影响力？).
    None when the question quotes nothing the retrieved paragraphs print."""
    result = ask.result
    terms = _QUOTED_TERM.findall(ask.question)
    if not terms:
        # one asked: a page word says who; several asked: their topic words do (_mentioners), which
        # reads a word printed in parts too ('生态…文旅')
        phrase = _verbatim_phrase(ask.question, ask.index.passages) or (None if plural else _page_word(ask))
        if phrase is None:
            return None
        terms = [phrase]
    # the words are printed or not: every paragraph of the page is read, the retrieved ones first;
    # a caption too when the question asks what the page prints ('版面上提到奥特莱斯的有两篇')
    kinds = _read_kinds(ask)
    retrieved = {p.id for p in result.passages}
    ranked = list(result.passages) + [p for p in ask.index.passages if p.id not in retrieved]
    group: list[_Candidate] = []
    for p in ranked:
        if (
            p.kind in kinds
            and all(t in p.text for t in terms)
            and p.interview_id not in {c.passage.interview_id for c in group}
        ):
            group.append(ask.candidate(p))
    return group or None


# Words that frame a 哪些区县/哪些书记 question rather than name its topic.
_FRAME_WORDS = frozenset(
    {"区县", "县区", "地方", "城区", "书记", "领导", "谈到", "提到", "说到", "讲到", "谈及", "提及", "打算", "计划"}
    | {"准备", "提出", "表示", "强调", "想要", "都有", "一起", "讲话", "谈话", "访谈", "专访", "采访", "版面", "分别"}
)


def _topic_parts(ask: _Ask) -> list[list[str]] | None:
    """The question's topic words, each as the parts a paragraph must print: '商圈' -> ['商圈'];
    '生态文旅' (printed whole in two interviews, as 生态…文旅 in a third) -> ['生态', '文旅'].
    Words printed in every interview say nothing about who; None when no topic is left, or when
    the words not on the page even in parts (a paraphrase) outnumber the printed topic words."""
    paragraphs = [p for p in ask.index.passages if p.kind in _read_kinds(ask)]
    everywhere = len({p.interview_id for p in paragraphs})
    words = [t for t in ask.result.question.tokens if len(t) >= 2 and re.fullmatch(r"[\u4e00-\u9fff]+", t)]
    words = [
        t
        for t in words
        if t not in _FRAME_WORDS
        and not re.fullmatch(r"[两二三四五六几]+[个篇位家]|[这那哪][几些]", t)  # 两篇, 这几: the count asked
        and not any(t != u and t in u for u in words)
    ]
    parts, unprinted = [], 0
    for word in words:
        need = [word[: len(word) // 2], word[len(word) // 2 :]] if len(word) >= 4 else [word]
        holders = {p.interview_id for p in paragraphs if all(x in p.text for x in need)}
        unprinted += not holders
        if holders and len(holders) < everywhere:
            parts.append(need)
    # a paraphrase may frame its topic in words of its own ('在谈自身情况时提到了忻州'): the printed
    # topic words still say who, when they are at least half of them
    if unprinted and (unprinted > len(parts) or not parts):
        return None
    return parts or None


def _mentioners(ask: _Ask) -> list[_Candidate] | None:
    """哪些区县谈到了商圈建设？: the interviews that print the question's topic words in one paragraph,
    when there are two or more (read in every paragraph, the retrieved ones first)."""
    parts = _topic_parts(ask)
    if parts is None:
        return None

    kinds = _read_kinds(ask)

    def prints(p: Passage) -> bool:
        return p.kind in kinds and all(all(x in p.text for x in need) for need in parts)

    mentioning = {p.interview_id for p in ask.index.passages if prints(p)}
    if len(mentioning) < 2:
        return None
    # the words are printed or not: every paragraph is read, the retrieved ones first
    retrieved = {p.id for p in ask.result.passages}
    ranked = list(ask.result.passages) + [p for p in ask.index.passages if p.id not in retrieved]
    group: list[_Candidate] = []
    for p in ranked:
        if prints(p) and p.interview_id not in {c.passage.interview_id for c in group}:
            group.append(ask.candidate(p))
    return group


def _page_word(ask: _Ask) -> str | None:
    """'谁提到了奥特莱斯？': the question's longest word of four characters or more that the speakers'
    paragraphs print in one to three interviews (a picture caption is the paper's words, not theirs);
    two words side by side in the question count as one ('中心城区', cut 中心 城区)."""
    content = ask.result.question.content
    joined = side_by_side(content, ask.question)
    words = sorted((w for w in (*content, *joined) if len(w) >= 4), key=len, reverse=True)
    for word in words:
        if 1 <= len(_printed_by(ask.index.passages, word)) <= _MAX_PHRASE_INTERVIEWS:
            return word
    # a shorter word only one interview prints ('哪个区说自己路网密？': 路网)
    short = [w for w in content if 2 <= len(w) < 4 and re.fullmatch(r"[\u4e00-\u9fff]+", w) and w not in _FRAME_WORDS]
    only = [w for w in short if len(_printed_by(ask.index.passages, w)) == 1]
    return only[0] if len(only) == 1 else None


def _printed_by(passages: list[Passage], words: str) -> set[str]:
    """The interviews whose paragraphs print ``words`` (a caption is the paper's words, not theirs)."""
    return {p.interview_id for p in passages if p.kind == "paragraph" and words in p.text}


_MIN_PHRASE = 6
_MAX_PHRASE_INTERVIEWS = 3


def _verbatim_phrase(question: str, passages: list[Passage]) -> str | None:
    """The longest run of the question (>= 6 characters) printed word for word in 1-3 interviews."""
    runs = re.findall(rf"[\u4e00-\u9fff0-9A-Za-z+]{{{_MIN_PHRASE},}}", question[:80])
    for n in range(max((len(r) for r in runs), default=0), _MIN_PHRASE - 1, -1):
        for run in runs:
            for i in range(len(run) - n + 1):
                piece = run[i : i + n]
                holders = _printed_by(passages, piece)
                if holders:
                    return piece if len(holders) <= _MAX_PHRASE_INTERVIEWS else None
    return None


def _short(ask: _Ask, best: _Candidate, chosen: list[_Candidate]) -> tuple[str | None, list[_Candidate]]:
    """The direct answer, and the candidates it rests on (several for 哪些书记/哪些区县)."""
    result, question, rules = ask.result, ask.question, ask.rules
    q = result.question
    named = set(q.interview_ids) | set(q.subject if q.continued else ())
    plural = bool(_PLURAL.search(question))
    asks_speaker = ask.asks_attribution == "speaker"
    if ask.asks_attribution:
        group = _holders(ask, plural)
        if group is None and plural:
            group = _mentioners(ask)
        if group is not None and not plural and q.place_kind:
            # 哪个县提出要打响“太忻”品牌？: every interview quotes 太忻; one is a 县
            group = [c for c in group if c.passage.interview_id in q.place_kind] or None
        holders = {c.passage.interview_id for c in group} if group is not None else set()
        if group is not None and not plural and q.singled_out and not q.singled_out & holders:
            # 三给片区那个奥特莱斯，落在哪位书记的辖区里？: 奥特莱斯 is printed in another interview's words,
            # but 三给片区 (a caption of this one) singles out where it stands
            group = None
        if group is not None and len(group) > _MAX_PHRASE_INTERVIEWS and _SINGULAR.search(question):
            group = None  # 哪个区/哪位书记 asks for one: words most interviews print do not tell which
        if group is not None:
            if plural and len(group) < 2:
                return None, chosen
            passages = [c.passage for c in group]
            return _listed(passages, "speaker" if asks_speaker else "district"), group
        if plural:
            return None, chosen
        if named and best.passage.interview_id not in named:
            return None, chosen
        owner = q.singled_out == {best.passage.interview_id}  # '培育五大商圈…，这是哪个区的规划？'
        if q.singled_out and not owner:
            return None, chosen  # the question names a thing of another interview (or of several)
        if not owner and _lead(result, best.passage) < rules.speaker_margin and not _sentences_agree(ask, best.passage):
            return None, chosen
        if not _printed_in(ask, best.passage):
            return None, chosen
        return (best.passage.speaker if asks_speaker else best.passage.district), chosen
    span = best.spans[best.best]
    if span is None or len(span.text) > rules.max_short_chars or span.fit < rules.bold_fit:
        return None, chosen
    if _asks_two_kinds(question) and span.kind != "count":
        return None, chosen  # '具体都投到哪些项目、各投多少？': one span answers one of the two
    if q.singled_out and best.passage.interview_id not in q.singled_out:
        return None, chosen  # the question's words belong to another interview than the answer's
    if q.chinese_share < 0.5 and span.kind not in ("number", "list", "owner", "english", "place"):
        # An English question's words cannot be matched against the words around a name or a list;
        # a list is certain only by the question's numbers (1-, 3-, 5- and 10-year) or as the goal
        # to be achieved (努力实现…); a place only as where something is held or settled (落户…).
        return None, chosen
    return span.text, chosen


# What a question asks, by kind: a thing or things, an amount, a time.
_ASK_KINDS = (
    re.compile(r"哪些|哪几|什么|啥"),
    re.compile(r"多少|多大|多远|多长|多久|几"),
    re.compile(r"什么时候|哪年|何时|哪天"),
)


def _asks_two_kinds(question: str) -> bool:
    """'具体都投到哪些项目、各投多少？', '规划了多大面积，预计哪年建成？': two asks of different kinds in two
    clauses of one question; a single span can answer only one of them."""
    parts = [p for p in re.split(r"[，,、；;]", question) if p.strip("？?。 ")]
    kinds = {
        i for p in parts for i, k in enumerate(_ASK_KINDS) if k.search(p) and not (i == 0 and _ASK_KINDS[2].search(p))
    }
    return len(parts) >= 2 and len(kinds) >= 2 and sum(any(k.search(p) for k in _ASK_KINDS) for p in parts) >= 2


def compose_structure_answer(
    found: StructureAnswer, question: str, understood_as: str | None = None, notice: str = ""
) -> Answer:
    """The reply to a question about the page itself, cited to the headers it was read from."""
    passages = found.sources
    sentences = [
        AnswerSentence(text, p, source=1 + passages.index(p), start=p.text.find(text)) for text, p in found.lines
    ]
    lines = [notice] if notice else []
    if found.short:
        lines.append(f"**{found.short}**")
    if found.missing:  # with a short answer too: '**近日**', and that no date is printed
        lines.append(f"{found.missing}。")
    lines += [f"{s.text}[{s.source}]" for s in sentences]
    return Answer(
        "\n".join(lines),
        passages,
        True,
        sentences,
        question=question,
        notice=notice,
        short=found.short,
        missing=found.missing,
        cited=len(passages),
        understood_as=understood_as,
        reason=f"a question about the page itself ({found.kind}), read from the headers",
    )
