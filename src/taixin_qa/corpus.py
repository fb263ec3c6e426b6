"""Load the reconstructed corpus into typed objects.

Layout of a corpus directory::

    corpus/
      source/<page>.txt              the page as extracted, verbatim, never edited
      articles/<article-id>/
        article.yaml                 page title, subtitle, which source file
        01-<interview-id>.md         one interview: YAML front matter + body
      lexicon/                       jieba words, aliases, stop words (see lexicon.py)

An interview body is a list of blocks separated by blank lines:

* a plain block is one paragraph of the interview (lines inside a block are
  joined without a space, so a paragraph cut at a column break can be kept as
  two lines or one);
* ``@caption <text>`` (optionally followed by ``@credit <text>`` on the next
  line) is a photo caption printed with the interview;
* ``@note <text>`` is an editorial note of ours (a gap, an uncertainty); it is
  not page text and is never shown as something the speaker said.

Adding another article means adding another folder under ``articles/`` and its
source page under ``source/``; nothing in the code changes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import yaml

from taixin_qa._fs import sha256_file as sha256_file  # integrity.py reads it from here
from taixin_qa.errors import TaixinError

BlockKind = Literal["paragraph", "caption"]

INTERVIEW_FIELDS = {
    "id": "interview id, unique in the corpus (ASCII, e.g. pei-yaojun)",
    "speaker": "the interviewee's name",
    "posts": "list of the posts printed for the speaker",
    "districts": "list of districts/counties the speaker answers for",
    "headline": "the interview's headline as printed, or null when it is not on the page",
    "headline_uncertain": "true when the headline's owner is uncertain",
    "subtitle": "the '—访…' line as printed",
    "byline": "the reporter credit as printed",
    "date": "interview date as printed (e.g. 12月13日)",
    "speaker_aliases": "other spellings of the speaker's name (pinyin, English)",
    "district_aliases": "other names of the districts (short forms, pinyin, English)",
    "notes": "list of editorial notes: gaps, uncertain attributions",
}
REQUIRED_INTERVIEW_FIELDS = ("id", "speaker", "posts", "districts")

ARTICLE_FIELDS = {
    "id": "article id, unique in the corpus",
    "source": "file name of the verbatim page under corpus/source/",
    "source_sha256": "sha256 of that file, so an edit to the verbatim copy is caught",
    "title": "the page title as printed",
    "subtitle": "the page subtitle as printed",
    "notes": "list of editorial notes",
}
REQUIRED_ARTICLE_FIELDS = ("id", "source")

# Longest paragraph and sentence accepted. The page's longest are 330 and 201
# characters; far longer text is a pasting accident, and a 50 MB "paragraph"
# would otherwise be split into a million sentences to embed.
MAX_PARAGRAPH_CHARS = 3000
MAX_SENTENCE_CHARS = 600
_SENTENCE_END = re.compile(r"[。！？；!?;]")


@dataclass(frozen=True)
class Paragraph:
    """One block of page text inside an interview: a paragraph or a caption.

    ``line`` is the 1-based line in the interview file where the block starts,
    so problems can be reported where a person would fix them.
    """

    id: str
    interview_id: str
    index: int
    text: str
    kind: BlockKind = "paragraph"
    credit: str | None = None
    line: int = 0


@dataclass(frozen=True)
class Note:
    """An editorial note of ours; it follows paragraph ``after`` (0 = at the top)."""

    text: str
    after: int
    line: int = 0


@dataclass(frozen=True)
class Interview:
    id: str
    article_id: str
    speaker: str
    posts: tuple[str, ...]
    districts: tuple[str, ...]
    path: Path
    paragraphs: tuple[Paragraph, ...]
    headline: str | None = None
    headline_uncertain: bool = False
    subtitle: str | None = None
    byline: str | None = None
    date: str | None = None
    speaker_aliases: tuple[str, ...] = ()
    district_aliases: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    inline_notes: tuple[Note, ...] = ()

    @property
    def role(self) -> str:
        """All posts as one string, e.g. ``副市长、尖草坪区委书记、中北高新区党委书记``."""
        return "、".join(self.posts)

    @property
    def district(self) -> str:
        return "、".join(self.districts)

    @property
    def body(self) -> tuple[Paragraph, ...]:
        """The paragraphs the speaker's interview consists of (captions left out)."""
        return tuple(p for p in self.paragraphs if p.kind == "paragraph")


@dataclass(frozen=True)
class Article:
    id: str
    path: Path
    source_path: Path
    source_sha256: str | None
    interviews: tuple[Interview, ...]
    title: str | None = None
    subtitle: str | None = None
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Corpus:
    root: Path
    articles: tuple[Article, ...]
    _by_id: dict[str, Interview] = field(default_factory=dict, repr=False, compare=False)

    @property
    def interviews(self) -> tuple[Interview, ...]:
        return tuple(iv for a in self.articles for iv in a.interviews)

    def interview(self, interview_id: str) -> Interview:
        try:
            return self._by_id[interview_id]
        except KeyError:
            raise TaixinError(f"No interview with id {interview_id!r} in {self.root}.") from None

    def lexicon_file(self, name: str) -> Path:
        """One of the corpus's word lists: ``lexicon_file("scope.yaml")`` is ``<root>/lexicon/scope.yaml``."""
        return self.root / "lexicon" / name


def read_text(path: Path) -> str:
    """Read a UTF-8 file, turning decoding problems into a clear error."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise TaixinError(f"{path}: cannot read the file ({exc.strerror}).") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise TaixinError(
            f"{path}, line {line}: the file is not valid UTF-8 (byte {exc.start}). Save it as UTF-8 and try again."
        ) from None


def _yaml_mapping(text: str, path: Path, first_line: int) -> dict:
    try:
        data = yaml.safe_load(text) if text.strip() else {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = first_line + mark.line if mark is not None else first_line
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise TaixinError(f"{path}, line {line}: the header is not valid YAML ({problem}).") from None
    if not isinstance(data, dict):
        raise TaixinError(f"{path}, line {first_line}: the header must be a YAML mapping of fields.")
    return data


def _field_lines(text: str, first_line: int) -> dict[str, int]:
    """Map each top-level key of a YAML header to its line, for error messages."""
    lines: dict[str, int] = {}
    for offset, raw in enumerate(text.splitlines()):
        if raw and not raw[0].isspace() and ":" in raw and not raw.startswith("#"):
            lines.setdefault(raw.split(":", 1)[0].strip(), first_line + offset)
    return lines


def _check_fields(data: dict, allowed: dict, required: tuple, path: Path, lines: dict, where: int) -> None:
    for key in data:
        if key not in allowed:
            known = ", ".join(allowed)
            raise TaixinError(
                f"{path}, line {lines.get(str(key), where)}: unknown field {key!r}. Known fields: {known}."
            )
    for key in required:
        if data.get(key) in (None, "", []):
            raise TaixinError(f"{path}, line {where}: the required field {key!r} is missing or empty ({allowed[key]}).")


def _string(data: dict, key: str, path: Path, lines: dict) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise TaixinError(f"{path}, line {lines.get(key, 1)}: field {key!r} must be text.")
    return value.strip()


def _strings(data: dict, key: str, path: Path, lines: dict) -> tuple[str, ...]:
    value = data.get(key)
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, (str, int)) for v in value):
        raise TaixinError(f"{path}, line {lines.get(key, 1)}: field {key!r} must be a list of text.")
    return tuple(str(v).strip() for v in value if str(v).strip())


def split_front_matter(text: str, path: Path) -> tuple[str, int, str, int]:
    """Split ``---`` front matter from the body; return (header, its first line, body, its first line)."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        raise TaixinError(f"{path}, line 1: an interview file must start with a '---' header line.")
    for i in range(1, len(lines)):
        if lines[i].strip() == "---":
            return "\n".join(lines[1:i]), 2, "\n".join(lines[i + 1 :]), i + 2
    raise TaixinError(f"{path}, line 1: the header opened with '---' is never closed by another '---' line.")


Block = list[tuple[int, str]]  # (line number, stripped text) of the lines of one block


def _blocks(body: str, first_line: int) -> list[Block]:
    """The body's blocks: runs of non-blank lines, each line with its number in the file."""
    blocks: list[Block] = [[]]
    for offset, raw in enumerate(body.split("\n")):
        stripped = raw.strip()
        if stripped:
            blocks[-1].append((first_line + offset, stripped))
        elif blocks[-1]:
            blocks.append([])
    return [b for b in blocks if b]


def _caption(block: Block, path: Path) -> tuple[str, str | None]:
    """Caption text and credit of an ``@caption`` block."""
    caption = block[0][1][len("@caption") :].strip()
    credit = None
    for lineno, rest in block[1:]:
        if rest.startswith("@credit"):
            credit = rest[len("@credit") :].strip()
        elif rest.startswith("@"):
            raise TaixinError(
                f"{path}, line {lineno}: unknown marker {rest.split()[0]!r} in a caption (use '@credit <text>')."
            )
        else:
            caption += rest
    return caption, credit


def _paragraph_text(block: Block, path: Path) -> str:
    start, head = block[0]
    if head.startswith("@"):
        raise TaixinError(
            f"{path}, line {start}: unknown marker {head.split()[0]!r}. "
            "Use @caption, @credit or @note, or write plain text for a paragraph."
        )
    for lineno, rest in block[1:]:
        if rest.startswith("@"):
            raise TaixinError(
                f"{path}, line {lineno}: a marker line must start its own block (leave a blank line before it)."
            )
    return "".join(t for _, t in block)


def _parse_body(body: str, first_line: int, interview_id: str, path: Path) -> tuple[list[Paragraph], list[Note]]:
    paragraphs: list[Paragraph] = []
    notes: list[Note] = []
    for block in _blocks(body, first_line):
        start, head = block[0]
        if head.startswith("@note"):
            notes.append(
                Note(text=" ".join(t for _, t in block)[len("@note") :].strip(), after=len(paragraphs), line=start)
            )
            continue
        index = len(paragraphs) + 1
        pid = f"{interview_id}-p{index:02d}"
        if head.startswith("@caption"):
            caption, credit = _caption(block, path)
            paragraphs.append(Paragraph(pid, interview_id, index, caption, kind="caption", credit=credit, line=start))
        else:
            paragraphs.append(Paragraph(pid, interview_id, index, _paragraph_text(block, path), line=start))
    for p in paragraphs:
        _check_length(p, path)
    return paragraphs, notes


def _check_length(paragraph: Paragraph, path: Path) -> None:
    """Refuse paragraphs and sentences far longer than any printed one, naming where they start."""
    if len(paragraph.text) > MAX_PARAGRAPH_CHARS:
        raise TaixinError(
            f"{path}, line {paragraph.line}: a paragraph of {len(paragraph.text):,} characters "
            f"(at most {MAX_PARAGRAPH_CHARS:,}). Split it at its blank lines, as printed."
        )
    longest = max((len(s) for s in _SENTENCE_END.split(paragraph.text)), default=0)
    if longest > MAX_SENTENCE_CHARS:
        raise TaixinError(
            f"{path}, line {paragraph.line}: a sentence of {longest:,} characters without 。！？； "
            f"(at most {MAX_SENTENCE_CHARS:,}). Check the punctuation was copied."
        )


def load_interview(path: Path, article_id: str) -> Interview:
    """Parse one interview file. Errors name the file and line."""
    text = read_text(path)
    header, header_line, body, body_line = split_front_matter(text, path)
    data = _yaml_mapping(header, path, header_line)
    lines = _field_lines(header, header_line)
    _check_fields(data, INTERVIEW_FIELDS, REQUIRED_INTERVIEW_FIELDS, path, lines, header_line)
    interview_id = _string(data, "id", path, lines)
    if not interview_id or not all(c.isascii() and (c.isalnum() or c in "-_") for c in interview_id):
        raise TaixinError(
            f"{path}, line {lines.get('id', header_line)}: the id must be ASCII letters, "
            "digits, '-' or '_' (e.g. pei-yaojun)."
        )
    posts = _strings(data, "posts", path, lines)
    districts = _strings(data, "districts", path, lines)
    if not posts or not districts:
        raise TaixinError(f"{path}, line {header_line}: 'posts' and 'districts' need at least one entry.")
    paragraphs, notes = _parse_body(body, body_line, interview_id, path)
    if not any(p.kind == "paragraph" for p in paragraphs):
        raise TaixinError(f"{path}, line {body_line}: the interview has no paragraphs after its header.")
    uncertain = data.get("headline_uncertain", False)
    if not isinstance(uncertain, bool):
        raise TaixinError(f"{path}, line {lines.get('headline_uncertain')}: headline_uncertain must be true or false.")
    return Interview(
        id=interview_id,
        article_id=article_id,
        speaker=_string(data, "speaker", path, lines) or "",
        posts=posts,
        districts=districts,
        path=path,
        paragraphs=tuple(paragraphs),
        headline=_string(data, "headline", path, lines),
        headline_uncertain=uncertain,
        subtitle=_string(data, "subtitle", path, lines),
        byline=_string(data, "byline", path, lines),
        date=_string(data, "date", path, lines),
        speaker_aliases=_strings(data, "speaker_aliases", path, lines),
        district_aliases=_strings(data, "district_aliases", path, lines),
        notes=_strings(data, "notes", path, lines),
        inline_notes=tuple(notes),
    )


def load_article(folder: Path, corpus_root: Path) -> Article:
    meta_path = folder / "article.yaml"
    if not meta_path.is_file():
        raise TaixinError(f"{folder}: an article folder needs an article.yaml (id, source, title, subtitle).")
    header = read_text(meta_path)
    data = _yaml_mapping(header, meta_path, 1)
    lines = _field_lines(header, 1)
    _check_fields(data, ARTICLE_FIELDS, REQUIRED_ARTICLE_FIELDS, meta_path, lines, 1)
    article_id = _string(data, "id", meta_path, lines) or ""
    source_path = corpus_root / "source" / (_string(data, "source", meta_path, lines) or "")
    if not source_path.is_file():
        raise TaixinError(
            f"{meta_path}, line {lines.get('source', 1)}: the source page {source_path} does not exist. "
            "Copy the verbatim page into corpus/source/."
        )
    files = sorted(p for p in folder.glob("*.md") if not p.name.startswith(("_", ".")))
    if not files:
        raise TaixinError(f"{folder}: the article has no interview files (*.md).")
    interviews = tuple(load_interview(p, article_id) for p in files)
    return Article(
        id=article_id,
        path=folder,
        source_path=source_path,
        source_sha256=_string(data, "source_sha256", meta_path, lines),
        interviews=interviews,
        title=_string(data, "title", meta_path, lines),
        subtitle=_string(data, "subtitle", meta_path, lines),
        notes=_strings(data, "notes", meta_path, lines),
    )


def load_corpus(root: Path | str) -> Corpus:
    """Load every article under ``root/articles``.

    >>> corpus = load_corpus("corpus")
    >>> [iv.speaker for iv in corpus.interviews][:2]
    ['卢俊峰', '李慧']
    """
    root = Path(root)
    articles_dir = root / "articles"
    if not articles_dir.is_dir():
        raise TaixinError(f"{root}: no 'articles' folder. Is this a taixin-qa corpus directory?")
    folders = sorted(p for p in articles_dir.iterdir() if p.is_dir() and not p.name.startswith((".", "_")))
    if not folders:
        raise TaixinError(f"{articles_dir}: no article folders.")
    articles = tuple(load_article(f, root) for f in folders)
    seen_articles: set[str] = set()
    by_id: dict[str, Interview] = {}
    for article in articles:
        if article.id in seen_articles:
            raise TaixinError(f"{article.path / 'article.yaml'}: duplicate article id {article.id!r}.")
        seen_articles.add(article.id)
        for iv in article.interviews:
            if iv.id in by_id:
                raise TaixinError(
                    f"{iv.path}, line 2: duplicate interview id {iv.id!r} (also used in {by_id[iv.id].path})."
                )
            by_id[iv.id] = iv
    return Corpus(root=root, articles=articles, _by_id=by_id)
