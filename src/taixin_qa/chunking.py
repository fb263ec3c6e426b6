"""Cut the corpus into passages: one per paragraph, never across interviews.

Each passage carries who said it. For embedding and keyword search a context
header (speaker, post, district, headline) is put in front of the text, so
"阳曲县的目标" can find a paragraph that never names 阳曲; the text shown to
users stays the paragraph as printed.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, replace

from taixin_qa._fs import sha256_text
from taixin_qa.corpus import Corpus, Interview

# Bump when the way chunks or their indexed text are made changes: every
# chunk then gets a new hash and is embedded again.
CHUNKER_VERSION = 5
MIN_SENTENCE_CHARS = 8

_SENTENCE_END = re.compile(r"(?<=[。！？；!?;])(?![”’」』）)])|(?<=[。！？!?][”’」』])")


@dataclass(frozen=True)
class Passage:
    """A piece of the page with its attribution.

    ``kind`` is ``paragraph`` (the speaker's interview text) or ``caption`` (a
    photo caption printed with the interview). Headline, subtitle and byline
    are not passages of their own: the headline travels in every chunk's
    context header, and the subtitle's facts (name, post) are in the header too.
    """

    id: str
    text: str
    speaker: str
    role: str
    district: str
    headline: str | None
    interview_id: str
    kind: str = "paragraph"
    score: float = 0.0

    @classmethod
    def in_interview(cls, interview: Interview, id: str, text: str, kind: str, score: float = 0.0) -> Passage:
        """A passage of ``interview``, attributed to its speaker, post, district and headline."""
        return cls(
            id=id,
            text=text,
            speaker=interview.speaker,
            role=interview.role,
            district=interview.district,
            headline=interview.headline,
            interview_id=interview.id,
            kind=kind,
            score=score,
        )

    def with_score(self, score: float) -> Passage:
        return replace(self, score=float(score))

    def to_dict(self) -> dict:
        return asdict(self)

    @property
    def attribution(self) -> str:
        """'裴耀军，阳曲县委书记' (for a caption: where it was printed)."""
        if self.kind == "caption":
            return f"图片说明，见{self.speaker}专访"
        return f"{self.speaker}，{self.role}"


@dataclass(frozen=True)
class Chunk:
    """A passage plus the text that is indexed for it."""

    passage: Passage
    indexed_text: str

    @property
    def sparse_text(self) -> str:
        """Text for the learned sparse channel: speaker and district only, so the
        post and headline (the same in every chunk of an interview) do not
        drown the paragraph's own terms."""
        p = self.passage
        return f"{p.speaker}（{p.district}）：{p.text}"

    @property
    def content_hash(self) -> str:
        return sha256_text(f"{CHUNKER_VERSION}\n{self.indexed_text}\n{self.sparse_text}", 32)


def context_header(iv: Interview) -> str:
    headline = f"《{iv.headline}》" if iv.headline else ""
    return f"{iv.speaker}（{iv.role}，{iv.district}）{headline}："


def interview_chunks(iv: Interview) -> list[Chunk]:
    header = context_header(iv)
    chunks = []
    for p in iv.paragraphs:
        text = p.text if p.kind == "paragraph" else p.text + (f" {p.credit}" if p.credit else "")
        passage = Passage.in_interview(iv, p.id, text, p.kind)
        chunks.append(Chunk(passage, header + text))
    return chunks


def make_chunks(corpus: Corpus) -> list[Chunk]:
    """All chunks of the corpus, in page order of the interview files."""
    return [c for iv in corpus.interviews for c in interview_chunks(iv)]


def split_sentences(text: str) -> list[str]:
    """Split Chinese text into sentences, keeping closing quotes with their sentence.

    >>> split_sentences("要以更高的站位。全力以赴，不要停！“我们要干到底。”杨俊民说。")
    ['要以更高的站位。', '全力以赴，不要停！', '“我们要干到底。”杨俊民说。']
    """
    parts = [s.strip() for s in _SENTENCE_END.split(text)]
    out: list[str] = []
    for s in parts:
        if not s:
            continue
        # "……召开。”杨俊民说。": a bare attribution belongs to the quote before it.
        if out and len(s) <= MIN_SENTENCE_CHARS:
            out[-1] += s
        else:
            out.append(s)
    return out
