"""Answers as HTML for the chat, and as plain text and Markdown for copy, export and API clients.

Pure functions of an :class:`~taixin_qa.results.Answer`: no server, no engine.
Every piece of corpus and user text goes through :func:`html.escape` before any
markup is added, so a question or a paragraph can never inject markup.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Protocol

from taixin_qa.chunking import Passage
from taixin_qa.results import Answer

__all__ = [
    "PENDING",
    "answer_markdown",
    "answer_plain",
    "highlight",
    "highlight_terms",
    "passage_label",
    "render_answer",
    "render_error",
    "render_message",
    "render_pending",
    "sources_markdown",
]

PENDING = "查找中…"
OTHER_SOURCES = "其他相关段落"
COPY_BUTTON = '<button type="button" class="tx-copy" aria-label="复制这条回答（纯文本，含出处）">复制</button>'

_PARAGRAPH_NUMBER = re.compile(r"-p(\d+)$")

Label = Callable[[Passage], str]


class _Cutter(Protocol):
    def cut(self, text: str) -> Iterable[str]: ...
    def cut_for_search(self, text: str) -> Iterable[str]: ...


def passage_label(passage: Passage) -> str:
    """'裴耀军专访 第6段' from the passage id ('pei-yaojun-p06'); captions say so.

    >>> p = Passage("pei-yaojun-p06", "……", "裴耀军", "阳曲县委书记", "阳曲县", None, "pei-yaojun")
    >>> passage_label(p)
    '裴耀军专访 第6段'
    """
    if passage.kind == "caption":
        return f"{passage.speaker}专访 图片说明"
    m = _PARAGRAPH_NUMBER.search(passage.id)
    return f"{passage.speaker}专访 第{int(m.group(1))}段" if m else f"{passage.speaker}专访"


def highlight_terms(tokenizer: _Cutter, *questions: str) -> list[str]:
    """Words of the question(s) worth marking in a passage: no single characters, longest first."""
    terms: set[str] = set()
    for q in questions:
        if not q:
            continue
        for t in [*tokenizer.cut(q), *tokenizer.cut_for_search(q)]:
            t = t.strip()
            if len(t) >= 2 and not (t.isascii() and len(t) < 3):
                terms.add(t)
    return sorted(terms, key=lambda t: (-len(t), t))


def highlight(text: str, terms: Iterable[str]) -> str:
    """``text`` HTML-escaped, with each occurrence of a term wrapped in <mark>.

    Matching runs on the raw text and every piece is escaped on its own, so a
    term can never cut into an entity or smuggle markup in.
    """
    ordered = sorted({t for t in terms if t}, key=len, reverse=True)
    if not ordered:
        return html.escape(text)
    pattern = re.compile("|".join(re.escape(t) for t in ordered), re.IGNORECASE)
    out, pos = [], 0
    for m in pattern.finditer(text):
        out.append(html.escape(text[pos : m.start()]))
        out.append(f"<mark>{html.escape(m.group(0))}</mark>")
        pos = m.end()
    out.append(html.escape(text[pos:]))
    return "".join(out)


def _quoted_spans(answer: Answer, source: int) -> list[tuple[int, int]]:
    """Character ranges of ``passages[source - 1]`` that the answer quotes."""
    spans = []
    for s in answer.sentences:
        if s.source == source and s.start >= 0:
            spans.append((s.start, s.start + len(s.text)))
    return sorted(spans)


def _paragraph_html(text: str, quoted: Sequence[tuple[int, int]], terms: Sequence[str]) -> str:
    """The paragraph with the quoted sentences underlined and the question's words marked."""
    out, pos = [], 0
    for start, end in quoted:
        if start < pos or end > len(text):
            continue
        out.append(highlight(text[pos:start], terms))
        out.append(f'<span class="tx-quoted">{highlight(text[start:end], terms)}</span>')
        pos = end
    out.append(highlight(text[pos:], terms))
    return "".join(out)


def _source_html(turn: str, n: int, passage: Passage, answer: Answer, terms: Sequence[str], label: Label) -> str:
    e = html.escape
    headline = f" · 《{e(passage.headline)}》" if passage.headline else ""
    interview = f"interview/{e(passage.interview_id)}#{e(passage.id)}"
    page = f"page/{e(passage.id)}"
    return (
        f'<details class="tx-source" id="{turn}-s{n}" data-n="{n}"><summary>'
        f'<span class="tx-n">[{n}]</span><b>{e(label(passage))}</b> '
        f'<span class="tx-meta">{e(passage.role)} · {e(passage.district)}{headline}</span></summary>'
        f'<p class="tx-text">{_paragraph_html(passage.text, _quoted_spans(answer, n), terms)}</p>'
        f'<p class="tx-links"><a href="{page}" target="_blank" rel="noopener">原版面位置</a>'
        f'<a href="{interview}" target="_blank" rel="noopener">整篇专访</a></p></details>'
    )


def _sentence_html(turn: str, text: str, source: int, attribution: str) -> str:
    e = html.escape
    return (
        f'<p class="tx-sentence">{e(text)}<a class="tx-cite" href="#{turn}-s{source}" data-n="{source}" '
        f'aria-label="出处 {source}">[{source}]</a><span class="tx-who">（{e(attribution)}）</span></p>'
    )


def render_answer(
    answer: Answer,
    terms: Sequence[str] = (),
    hint: str = "",
    *,
    turn: str = "tx",
    label: Label = passage_label,
    asked: str | None = None,
) -> str:
    """One chat reply as HTML.

    The direct answer in bold first (when there is one), then each quoted
    sentence with a [n] marker linked to its source and who said it; then the
    cited sources, and the other related ones under "其他相关段落". ``turn``
    makes the anchors of this reply unique in the conversation. The reply
    carries its own plain text and Markdown (hidden) for copy and export;
    ``asked`` is the question as typed, for the Markdown.
    """
    e = html.escape
    parts = [f'<div class="tx-reply{"" if answer.found else " tx-not-found"}" data-turn="{e(turn)}">', COPY_BUTTON]
    if answer.understood_as:
        parts.append(
            f'<p class="tx-understood">按上一问理解为：{e(answer.understood_as)}'
            f'<button type="button" class="tx-alone">改为单独提问</button>'
            f'<span class="tx-alone-text">{e(answer.question if asked is None else asked)}</span></p>'
        )
    if answer.notice and answer.notice not in answer.text.splitlines()[:1]:
        parts.append(f'<p class="tx-notice">{e(answer.notice)}</p>')
    if not answer.found:
        parts.extend(f'<p class="tx-plain">{e(line)}</p>' for line in plain(answer.text).splitlines() if line.strip())
        if hint:
            parts.append(f'<p class="tx-notice">{e(hint)}</p>')
    else:
        parts.append('<div class="tx-answer">')
        if answer.short:
            who = _short_attribution(answer)
            who_html = f'<span class="tx-who">（{e(who)}）</span>' if who else ""
            parts.append(f'<p class="tx-short"><strong>{e(answer.short)}</strong>{who_html}</p>')
        if answer.missing:
            parts.append(f'<p class="tx-missing">{e(answer.missing)}</p>')
        if answer.hedge:
            parts.append(f'<p class="tx-missing tx-hedge">{e(answer.hedge)}</p>')
        if answer.sentences:
            parts.extend(_sentence_html(turn, s.text, s.source, s.passage.attribution) for s in answer.sentences)
        else:
            parts.extend(f"<p>{e(line)}</p>" for line in plain(answer.text).splitlines() if line.strip())
        parts.append("</div>")
        parts.append(_sources_html(answer, terms, turn, label))
    parts.append(f'<pre class="tx-copytext" hidden>{e(answer_plain(answer, label))}</pre>')
    parts.append(f'<pre class="tx-md" hidden>{e(answer_markdown(answer, label, question=asked))}</pre>')
    parts.append("</div>")
    return "".join(parts)


def _short_attribution(answer: Answer) -> str:
    """Who said the direct answer (the first quoted sentence's speaker); nothing when the answer is that name."""
    if not answer.sentences:
        return ""
    passage = answer.sentences[0].passage
    return "" if answer.short == passage.speaker else passage.attribution


def _sources_html(answer: Answer, terms: Sequence[str], turn: str, label: Label) -> str:
    if not answer.passages:
        return ""
    cited = max(0, min(answer.cited, len(answer.passages)))
    items = [_source_html(turn, n, p, answer, terms, label) for n, p in enumerate(answer.passages, 1)]
    out = ['<div class="tx-sources">']
    if cited:
        out.append(f'<p class="tx-sources-title">出处（{cited}）</p>')
        out.extend(items[:cited])
    if len(items) > cited:
        out.append(f'<p class="tx-sources-title">{OTHER_SOURCES}（{len(items) - cited}）</p>')
        out.extend(items[cited:])
    out.append("</div>")
    return "".join(out)


def _source_line(n: int, passage: Passage, label: Label) -> str:
    return f"[{n}] {label(passage)}（{passage.speaker}，{passage.role}）· {passage.id}"


_EMPHASIS = re.compile(r"\*\*(.+?)\*\*", re.DOTALL)


def plain(text: str) -> str:
    """``Answer.text`` without Markdown emphasis: "**300亿元**" becomes "300亿元"."""
    return _EMPHASIS.sub(r"\1", text)


def answer_plain(answer: Answer, label: Label = passage_label) -> str:
    """What "复制" puts on the clipboard: the answer with its speakers, then the cited sources."""
    lines = [plain(answer.text).strip()]
    cited = answer.passages[: answer.cited] if answer.found else []
    if cited:
        lines.append("")
        lines.append("出处：")
        lines.extend(_source_line(n, p, label) for n, p in enumerate(cited, 1))
    return "\n".join(lines)


def _md(text: str) -> str:
    """Text safe to put in Markdown: markup characters escaped, so a quote stays a quote."""
    return re.sub(r"([\\`*_\[\]<>#|])", r"\\\1", text)


def sources_markdown(answer: Answer, label: Label = passage_label) -> list[str]:
    """The cited sources as Markdown footnote lines: ``[1]: 裴耀军专访 第6段（…）：“…”``."""
    out = []
    for n, p in enumerate(answer.passages[: answer.cited], 1):
        out.append(f"[{n}] {_md(label(p))}（{_md(p.speaker)}，{_md(p.role)}）：“{_md(p.text)}”")
    return out


def answer_markdown(answer: Answer, label: Label = passage_label, *, question: str | None = None) -> str:
    """The answer as Markdown with its citations: bold direct answer, quoted sentences with [n], sources."""
    lines: list[str] = []
    if question is not None:
        lines += [f"**问：** {_md(question)}", ""]
    if answer.understood_as:
        lines += [f"*按上一问理解为：{_md(answer.understood_as)}*", ""]
    if not answer.found:
        lines.append(_md(answer.text.strip()))
        return "\n".join(lines)
    if answer.notice:
        lines += [_md(answer.notice), ""]
    if answer.short:
        who = _short_attribution(answer)
        lines += [f"**{_md(answer.short)}**" + (f"（{_md(who)}）" if who else ""), ""]
    if answer.missing:
        lines += [_md(answer.missing), ""]
    if answer.hedge:
        lines += [_md(answer.hedge), ""]
    if answer.sentences:
        lines += [f"> {_md(s.text)} [{s.source}]（{_md(s.passage.attribution)}）" for s in answer.sentences]
    else:
        lines.append(_md(answer.text.strip()))
    sources = sources_markdown(answer, label)
    if sources:
        lines += ["", "出处：", ""] + [f"{line}  " for line in sources]
    return "\n".join(lines)


def render_message(text: Any) -> str:
    """A plain message (user question, error) as safe HTML."""
    return "<br>".join(html.escape(line) for line in str(text).splitlines()) or "&nbsp;"


def render_pending() -> str:
    """The placeholder shown under a question while it is being answered."""
    return f'<div class="tx-reply tx-pending" role="status" aria-live="polite">{PENDING}</div>'


def render_error(text: str, asked: str | None = None) -> str:
    """A refusal or error as a reply: escaped, with plain text for copy and Markdown for export."""
    e = html.escape
    md = f"**问：** {_md(asked)}\n\n{_md(text)}" if asked is not None else _md(text)
    return (
        f'<div class="tx-reply tx-error">{COPY_BUTTON}<p class="tx-plain">{render_message(text)}</p>'
        f'<pre class="tx-copytext" hidden>{e(text)}</pre><pre class="tx-md" hidden>{e(md)}</pre></div>'
    )
