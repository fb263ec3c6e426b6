"""Where a passage stood on the original page, and what we noted while rebuilding it.

The page was extracted from a multi-column layout, so its reading order is
broken; the corpus puts every paragraph back into its interview, and
``corpus check`` (:mod:`taixin_qa.integrity`) proves each paragraph is made of
whole lines of the verbatim page. This module turns that proof into something
a reader can look at: for one passage, the verbatim page, the lines to
highlight, and the reconstruction notes (a lost word, a rejoined column break,
an uncertain caption) that concern it.

>>> from taixin_qa.corpus import load_corpus
>>> loc = page_location(load_corpus("corpus"), "pei-yaojun-p03")
>>> loc.label, loc.highlight[:1]
('裴耀军专访 第3段', (76,))
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from functools import lru_cache

from taixin_qa.corpus import Article, Corpus, Interview, Paragraph, read_text
from taixin_qa.errors import TaixinError
from taixin_qa.integrity import page_line_map

__all__ = ["PageLocation", "body_number", "header_location", "page_location", "paragraph_label"]

# "第3段", "第3至5段", "第2段……第6段" in a header note: body paragraphs, captions not counted.
_PARAGRAPH_REF = re.compile(r"第(\d+)(?:至(\d+))?段")
# A quoted fragment of page text inside a note: “科教”, “全面发力太忻”.
_QUOTED = re.compile(r"“([^“”]+)”")
_MIN_QUOTED_CHARS = 4


@dataclass(frozen=True)
class PageLocation:
    """One passage on the verbatim page.

    ``page_lines`` is the whole page as extracted (``page_lines[n - 1]`` is
    line ``n``, verbatim, empty lines included) so a viewer can show the
    passage among its neighbours; ``highlight`` lists the 1-based line numbers
    the passage is made of, in reading order (several when a paragraph was
    rejoined across a column break, possibly far apart). ``notes`` are our
    reconstruction notes that concern this paragraph; ``interview_notes`` the
    ones about the interview as a whole.
    """

    passage_id: str
    interview_id: str
    speaker: str
    kind: str
    paragraph: int
    label: str
    source: str
    page_lines: tuple[str, ...]
    highlight: tuple[int, ...]
    notes: tuple[str, ...] = ()
    interview_notes: tuple[str, ...] = ()

    @property
    def first_line(self) -> int:
        """The line to scroll to (0 when the passage is not found on the page)."""
        return min(self.highlight) if self.highlight else 0

    @property
    def rejoined(self) -> bool:
        """True when the passage is made of page lines that are not consecutive on the page."""
        return any(b - a != 1 for a, b in zip(self.highlight, self.highlight[1:]))

    def excerpt(self, context: int = 2) -> list[tuple[int, str, bool]]:
        """(line number, verbatim text, highlighted?) around each highlighted line, blank lines skipped."""
        wanted: set[int] = set()
        for n in self.highlight:
            wanted.update(range(max(1, n - context), min(len(self.page_lines), n + context) + 1))
        marked = set(self.highlight)
        return [(n, self.page_lines[n - 1], n in marked) for n in sorted(wanted) if self.page_lines[n - 1].strip()]

    def to_dict(self) -> dict:
        data = asdict(self)
        data["first_line"] = self.first_line
        data["rejoined"] = self.rejoined
        return data


def paragraph_label(interview: Interview, paragraph: Paragraph) -> str:
    """How a reader names a paragraph: '裴耀军专访 第3段', or '李慧专访 图片说明'.

    Paragraphs are counted as a reader counts them, captions left out, which is
    also how our notes count them ("第2段在“科教”处中断").
    """
    if paragraph.kind == "caption":
        return f"{interview.speaker}专访 图片说明"
    return f"{interview.speaker}专访 第{body_number(interview, paragraph)}段"


def body_number(interview: Interview, paragraph: Paragraph) -> int:
    """1-based number among the interview's paragraphs, captions not counted (0 for a caption)."""
    if paragraph.kind == "caption":
        return 0
    return 1 + sum(1 for p in interview.paragraphs if p.kind == "paragraph" and p.index < paragraph.index)


def _referenced_numbers(note: str) -> set[int]:
    numbers: set[int] = set()
    for first, last in _PARAGRAPH_REF.findall(note):
        numbers.update(range(int(first), int(last or first) + 1))
    return numbers


def _quotes_only(note: str, paragraph: Paragraph, interview: Interview) -> bool:
    """The note quotes page text found in this paragraph and in no other of the interview."""
    for fragment in _QUOTED.findall(note):
        fragment = fragment.strip()
        if len(fragment) < _MIN_QUOTED_CHARS or "…" in fragment:
            continue
        holders = [p for p in interview.paragraphs if fragment in p.text]
        if holders == [paragraph]:
            return True
    return False


def _notes_for(interview: Interview, paragraph: Paragraph) -> tuple[tuple[str, ...], tuple[str, ...]]:
    number = body_number(interview, paragraph)
    touching: list[str] = []
    general: list[str] = []
    for note in interview.notes:
        refs = _referenced_numbers(note)
        if (number and number in refs) or _quotes_only(note, paragraph, interview):
            touching.append(note)
        elif not refs and not any(_quotes_only(note, p, interview) for p in interview.paragraphs):
            general.append(note)
    # An @note block sits between two paragraphs (after = how many came before it): it
    # concerns both neighbours, e.g. a break between the end of one and the start of the next.
    for inline in interview.inline_notes:
        if inline.after in (paragraph.index, paragraph.index - 1):
            touching.append(inline.text)
    return tuple(touching), tuple(general)


@lru_cache(maxsize=8)
def _article_lines(article: Article) -> tuple[tuple[str, ...], dict[str, tuple[int, ...]]]:
    text = read_text(article.source_path)
    return tuple(text.split("\n")), page_line_map(article)


def page_location(corpus: Corpus, passage_id: str) -> PageLocation:
    """Where the passage ``passage_id`` (e.g. ``pei-yaojun-p03``) stands on the verbatim page.

    Header sources of :mod:`taixin_qa.structure` answers work too:
    ``pei-yaojun:byline``, ``li-weiping:headline``, ``taixin-page:title``.

    Raises :class:`TaixinError` for an id that is not in the corpus.
    """
    for article in corpus.articles:
        for interview in article.interviews:
            for paragraph in interview.paragraphs:
                if paragraph.id != passage_id:
                    continue
                lines, line_map = _article_lines(article)
                highlight = line_map.get(paragraph.id, ()) + line_map.get(f"{paragraph.id}:credit", ())
                notes, general = _notes_for(interview, paragraph)
                return PageLocation(
                    passage_id=paragraph.id,
                    interview_id=interview.id,
                    speaker=interview.speaker,
                    kind=paragraph.kind,
                    paragraph=body_number(interview, paragraph),
                    label=paragraph_label(interview, paragraph),
                    source=article.source_path.name,
                    page_lines=lines,
                    highlight=highlight,
                    notes=notes,
                    interview_notes=general,
                )
    if ":" in passage_id:
        location = _header_location(corpus, passage_id)
        if location is not None:
            return location
    raise TaixinError(
        f"No passage with id {passage_id!r} in {corpus.root}. "
        "Passage ids look like 'pei-yaojun-p03' (or 'pei-yaojun:byline' for a header)."
    )


_HEADER_LABELS = {"headline": "标题", "subtitle": "副题", "byline": "署名", "title": "版面总标题"}


def _header_location(corpus: Corpus, key: str) -> PageLocation | None:
    """A header source (``<interview>:subtitle|byline|headline`` or ``<article>:title|subtitle``)."""
    owner, part = key.split(":", 1)
    for article in corpus.articles:
        lines, line_map = _article_lines(article)
        if key not in line_map:
            continue
        if owner == article.id:
            label = "版面副题" if part == "subtitle" else _HEADER_LABELS.get(part, part)
            return PageLocation(
                passage_id=key,
                interview_id="",
                speaker="",
                kind="header",
                paragraph=0,
                label=label,
                source=article.source_path.name,
                page_lines=lines,
                highlight=line_map[key],
                notes=tuple(article.notes),
            )
        for interview in article.interviews:
            if interview.id == owner:
                touching = tuple(
                    n
                    for n in interview.notes
                    if _HEADER_LABELS.get(part, part) in n or (part == "headline" and "主标题" in n)
                )
                return PageLocation(
                    passage_id=key,
                    interview_id=owner,
                    speaker=interview.speaker,
                    kind="header",
                    paragraph=0,
                    label=f"{interview.speaker}专访 {_HEADER_LABELS.get(part, part)}",
                    source=article.source_path.name,
                    page_lines=lines,
                    highlight=line_map[key],
                    notes=touching,
                )
    return None


def header_location(corpus: Corpus, interview_id: str, part: str) -> tuple[int, ...]:
    """Page lines of an interview's ``headline``, ``subtitle`` or ``byline`` (empty when not printed)."""
    interview = corpus.interview(interview_id)
    for article in corpus.articles:
        if article.id == interview.article_id:
            return _article_lines(article)[1].get(f"{interview_id}:{part}", ())
    return ()
