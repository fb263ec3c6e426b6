"""Prove that the reconstruction holds the page, the whole page and nothing but the page.

Every non-empty line of the verbatim page (whitespace ignored) must be used
exactly once by the page text of the corpus: the article's title and
subtitle, each interview's headline, subtitle and byline, and every paragraph,
caption and caption credit. A paragraph that was cut at a column break is the
concatenation of two or more whole page lines. Everything else in the corpus
files (speaker, posts, districts, aliases, notes) is declared metadata and is
not compared.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from taixin_qa.corpus import Article, Corpus, load_corpus, read_text, sha256_file
from taixin_qa.errors import TaixinError

_SPACE = re.compile(r"\s+")


def squash(text: str) -> str:
    """Text with all whitespace removed: the form in which page and corpus are compared."""
    return _SPACE.sub("", text)


@dataclass(frozen=True)
class PageText:
    """One piece of page text as the corpus holds it, with where it lives."""

    text: str
    where: str
    key: str = ""  # what the text is, for provenance: a paragraph id, or "<interview id>:headline"


@dataclass
class IntegrityReport:
    articles: int = 0
    page_lines: int = 0
    pieces: int = 0
    characters: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        if self.ok:
            return (
                f"corpus check passed: {self.articles} article(s), {self.page_lines} page lines, "
                f"{self.characters} characters, each used exactly once in {self.pieces} pieces of page text."
            )
        head = f"corpus check FAILED with {len(self.problems)} problem(s):"
        return "\n".join([head, *(f"  - {p}" for p in self.problems)])


def page_text_of(article: Article) -> list[PageText]:
    """All page text the corpus holds for one article, labelled for error messages."""
    meta = article.path / "article.yaml"
    pieces = [PageText(article.title, f"{meta} (title)", f"{article.id}:title")] if article.title else []
    if article.subtitle:
        pieces.append(PageText(article.subtitle, f"{meta} (subtitle)", f"{article.id}:subtitle"))
    for iv in article.interviews:
        name = iv.path
        for label, value in (("headline", iv.headline), ("subtitle", iv.subtitle), ("byline", iv.byline)):
            if value:
                pieces.append(PageText(value, f"{name} ({label})", f"{iv.id}:{label}"))
        for p in iv.paragraphs:
            kind = "caption" if p.kind == "caption" else "paragraph"
            pieces.append(PageText(p.text, f"{name}, {kind} {p.index} (line {p.line})", p.id))
            if p.credit:
                pieces.append(
                    PageText(p.credit, f"{name}, credit of caption {p.index} (line {p.line})", f"{p.id}:credit")
                )
    return pieces


def _decompose(text: str, candidates: dict[str, list[int]], used: set[int]) -> list[int] | None:
    """Split ``text`` into whole page lines, each not yet used; return their numbers.

    Depth-first with the longest line first; the page has few lines, so this is cheap.
    """
    if not text:
        return []
    options = sorted((line for line in candidates if text.startswith(line)), key=len, reverse=True)
    for line in options:
        free = [n for n in candidates[line] if n not in used]
        if not free:
            continue
        used.add(free[0])
        rest = _decompose(text[len(line) :], candidates, used)
        if rest is not None:
            return [free[0], *rest]
        used.discard(free[0])
    return None


def _snippet(text: str, width: int = 24) -> str:
    return text if len(text) <= width else text[:width] + "…"


def _page_lines(article: Article) -> dict[int, str]:
    """Non-empty lines of the verbatim page, squashed, by 1-based line number."""
    return {
        number: squash(raw)
        for number, raw in enumerate(read_text(article.source_path).split("\n"), start=1)
        if squash(raw)
    }


def _lines_by_text(page_lines: dict[int, str]) -> dict[str, list[int]]:
    by_text: dict[str, list[int]] = defaultdict(list)
    for number, text in page_lines.items():
        by_text[text].append(number)
    return by_text


def page_line_map(article: Article) -> dict[str, tuple[int, ...]]:
    """Which lines of the verbatim page each piece of page text is made of, by ``PageText.key``.

    Lines are 1-based and in reading order of the piece; a paragraph rejoined
    across a column break has several. Pieces that are not whole page lines
    (damage ``corpus check`` reports) are left out. The assignment is the one
    the check makes, piece by piece in corpus order.
    """
    by_text = _lines_by_text(_page_lines(article))
    used: set[int] = set()
    found = {}
    for piece in page_text_of(article):
        numbers = _decompose(squash(piece.text), by_text, used)
        if numbers is not None:
            found[piece.key] = tuple(numbers)
    return found


def check_article(article: Article, report: IntegrityReport) -> None:
    if article.source_sha256 and sha256_file(article.source_path) != article.source_sha256:
        report.problems.append(
            f"{article.source_path}: the verbatim page has changed (sha256 differs from article.yaml). "
            "Restore the original copy; corrections belong in the interview files' notes."
        )

    page_lines = _page_lines(article)
    used_by: dict[int, str] = {}
    pieces = page_text_of(article)
    report.articles += 1
    report.page_lines += len(page_lines)
    report.pieces += len(pieces)
    report.characters += sum(len(t) for t in page_lines.values())
    by_text = _lines_by_text(page_lines)
    used: set[int] = set()
    for piece in pieces:
        text = squash(piece.text)
        numbers = _decompose(text, by_text, used)
        if numbers is not None:
            for n in numbers:
                used_by[n] = piece.where
            continue
        # Name the kind of damage: the same text used twice, or text not on the page.
        free: set[int] = set()
        again = _decompose(text, by_text, free)
        if again is not None:
            first = used_by.get(again[0], "another piece")
            report.problems.append(
                f"{piece.where}: duplicated: «{_snippet(piece.text)}» (page line {again[0]}) is already used by "
                f"{first}. Each page line belongs to exactly one place; remove the copy."
            )
        else:
            report.problems.append(
                f"{piece.where}: altered or not on the page: «{_snippet(piece.text)}» is not made of whole, "
                f"unused lines of {article.source_path.name}. Restore the page's exact wording; "
                "put our own words in a @note or the notes field."
            )
    for number, text in page_lines.items():
        if number not in used:
            report.problems.append(
                f"{article.source_path.name}, line {number}: missing: «{_snippet(text)}» appears in no corpus "
                f"file of article {article.id!r}. Add it to the interview it belongs to."
            )


def check_corpus(corpus: Corpus | Path | str) -> IntegrityReport:
    """Check every article; the report lists each problem with the file that has it."""
    if not isinstance(corpus, Corpus):
        corpus = load_corpus(corpus)
    report = IntegrityReport()
    for article in corpus.articles:
        check_article(article, report)
    return report


def require_intact(corpus: Corpus | Path | str) -> IntegrityReport:
    """Run the check and raise :class:`TaixinError` when anything is lost, duplicated or altered."""
    report = check_corpus(corpus)
    if not report.ok:
        raise TaixinError(report.summary())
    return report
