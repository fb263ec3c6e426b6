"""Votes on answers: off unless the operator names a file; then one JSON line per vote, and a summary.

    taixin-qa serve --feedback votes.jsonl
    taixin-qa feedback report votes.jsonl

Each line: ``{"time", "vote": "up"|"down", "question", "understood_as",
"answer_ids", "found"}``. The file is the only thing the server ever writes,
and only when the operator asked for it.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from taixin_qa.errors import TaixinError

__all__ = ["FeedbackLog", "FeedbackReport", "read_feedback"]

_MAX_TEXT = 500
_MAX_IDS = 20


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return str(value)[:_MAX_TEXT]


class FeedbackLog:
    """Appends votes to one JSON-lines file (created on the first vote)."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self._lock = threading.Lock()

    def check_writable(self) -> None:
        """Fail at start-up, not on the first vote, when the file cannot be written."""
        folder = self.path.parent if str(self.path.parent) else Path(".")
        if self.path.is_dir():
            raise TaixinError(f"--feedback {self.path}: is a folder; name a file, e.g. feedback.jsonl.")
        if not folder.is_dir():
            raise TaixinError(f"--feedback {self.path}: the folder {folder} does not exist.")
        try:
            with self.path.open("a", encoding="utf-8"):
                pass
        except OSError as exc:
            raise TaixinError(f"--feedback {self.path}: cannot write the file ({exc.strerror}).") from None

    def record(self, vote: str, question: Any, understood_as: Any, answer_ids: Any, found: Any = None) -> dict:
        """Append one vote; returns the line written."""
        if vote not in ("up", "down"):
            raise ValueError(f"vote must be 'up' or 'down', not {vote!r}")
        ids = [str(i)[:100] for i in (answer_ids or [])][:_MAX_IDS] if isinstance(answer_ids, list) else []
        line = {
            "time": datetime.now(UTC).isoformat(timespec="seconds"),
            "vote": vote,
            "question": _text(question) or "",
            "understood_as": _text(understood_as),
            "answer_ids": ids,
            "found": bool(found) if found is not None else None,
        }
        data = json.dumps(line, ensure_ascii=False) + "\n"
        with self._lock, self.path.open("a", encoding="utf-8") as f:
            f.write(data)
        return line


@dataclass
class FeedbackReport:
    """How the votes went, overall and per question."""

    votes: int = 0
    up: int = 0
    down: int = 0
    bad_lines: int = 0
    down_questions: Counter[str] = field(default_factory=Counter)
    up_questions: Counter[str] = field(default_factory=Counter)
    down_passages: Counter[str] = field(default_factory=Counter)

    def summary(self, top: int = 10) -> str:
        if not self.votes:
            return "no votes yet."
        lines = [f"{self.votes} votes: {self.up} up, {self.down} down ({100 * self.up / self.votes:.0f}% up)."]
        if self.bad_lines:
            lines.append(f"{self.bad_lines} unreadable line(s) skipped.")
        if self.down_questions:
            lines.append("Most voted down:")
            lines += [f"  {n} × {q}" for q, n in self.down_questions.most_common(top)]
        if self.down_passages:
            lines.append("Passages in answers voted down:")
            lines += [f"  {n} × {p}" for p, n in self.down_passages.most_common(top)]
        return "\n".join(lines)


def read_feedback(path: Path | str) -> FeedbackReport:
    """Summarise a feedback file written by :class:`FeedbackLog`."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise TaixinError(f"{path}: cannot read the feedback file ({exc.strerror}).") from None
    report = FeedbackReport()
    for raw in text.splitlines():
        if not raw.strip():
            continue
        try:
            item = json.loads(raw)
            vote = item["vote"]
            question = item.get("understood_as") or item.get("question") or ""
        except (ValueError, KeyError, TypeError, AttributeError):
            report.bad_lines += 1
            continue
        if vote not in ("up", "down"):
            report.bad_lines += 1
            continue
        report.votes += 1
        if vote == "up":
            report.up += 1
            report.up_questions[question] += 1
        else:
            report.down += 1
            report.down_questions[question] += 1
            report.down_passages.update(str(i) for i in item.get("answer_ids") or [])
    return report
