"""Measure retrieval quality on the evaluation set; the same numbers feed tests, benchmarks and the README.

An evaluator is a plain object; calling it with an engine returns a dict of
metrics::

    >>> RetrievalEvaluator.from_file("benchmarks/eval/questions.jsonl")(engine)
    {'hit@1': 0.9, 'hit@3': 0.97, ...}
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from taixin_qa.errors import TaixinError

if TYPE_CHECKING:
    from taixin_qa.engine import Engine

EVAL_DIR = Path(__file__).resolve().parents[2] / "benchmarks" / "eval"


def read_jsonl(path: Path | str) -> list[dict]:
    path = Path(path)
    rows = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise TaixinError(f"{path}: cannot read the evaluation file ({exc.strerror}).") from None
    for n, line in enumerate(lines, start=1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except ValueError:
                raise TaixinError(f"{path}, line {n}: not valid JSON.") from None
    return rows


@dataclass
class RetrievalEvaluator:
    """hit@1, hit@3, MRR@5, top-1 speaker accuracy, out-of-scope rejection and false refusals."""

    questions: list[dict]
    k: int = 5
    strategy: str | None = None
    failures: list[dict] = field(default_factory=list)

    @classmethod
    def from_file(cls, path: Path | str = EVAL_DIR / "questions.jsonl", **kwargs: Any) -> "RetrievalEvaluator":
        return cls(read_jsonl(path), **kwargs)

    def __call__(self, engine: "Engine") -> dict[str, float]:
        self.failures = []
        in_scope = [q for q in self.questions if not q.get("out_of_scope")]
        out_scope = [q for q in self.questions if q.get("out_of_scope")]
        hit1 = hit3 = rr = speaker1 = refused = 0.0
        for q in in_scope:
            result = engine.search(q["question"], k=self.k, history=q.get("history"), strategy=self.strategy)
            ids = [p.id for p in result.passages]
            gold = set(q["gold_paragraphs"])
            if not result.answerable:
                refused += 1
            rank = next((i + 1 for i, pid in enumerate(ids) if pid in gold), None)
            if rank == 1:
                hit1 += 1
            if rank is not None and rank <= 3:
                hit3 += 1
            if rank is not None:
                rr += 1.0 / rank
            if result.passages and result.passages[0].interview_id in set(q["gold_interviews"]):
                speaker1 += 1
            if rank != 1:
                self.failures.append({"id": q["id"], "question": q["question"], "rank": rank,
                                      "refused": not result.answerable, "top": ids[:3],
                                      "gold": sorted(gold)})
        rejected = 0.0
        for q in out_scope:
            result = engine.search(q["question"], k=self.k, strategy=self.strategy)
            if not result.answerable:
                rejected += 1
            else:
                self.failures.append({"id": q["id"], "question": q["question"], "out_of_scope": True,
                                      "top": [p.id for p in result.passages[:3]]})
        n, m = max(1, len(in_scope)), max(1, len(out_scope))
        return {
            "questions": float(len(self.questions)),
            "hit@1": hit1 / n,
            "hit@3": hit3 / n,
            "mrr@5": rr / n,
            "speaker@1": speaker1 / n,
            "oos_rejection": rejected / m,
            "false_refusals": refused / n,
        }


@dataclass
class FollowUpEvaluator:
    """Share of follow-up questions whose top passage comes from the right interview."""

    conversations: list[dict]

    @classmethod
    def from_file(cls, path: Path | str = EVAL_DIR / "followups.jsonl") -> "FollowUpEvaluator":
        return cls(read_jsonl(path))

    def __call__(self, engine: "Engine") -> dict[str, float]:
        right = 0
        for conv in self.conversations:
            history = [turn[0] if isinstance(turn, list) else turn for turn in conv["history"]]
            hits = engine.retrieve(conv["question"], k=1, history=history)
            if hits and hits[0].interview_id in set(conv["gold_interviews"]):
                right += 1
        return {"followups": float(len(self.conversations)),
                "followup_speaker@1": right / max(1, len(self.conversations))}


@dataclass
class AnswerEvaluator:
    """How often the extractive answer contains the gold answer span, and names the right speaker first."""

    questions: list[dict]
    failures: list[dict] = field(default_factory=list)

    @classmethod
    def from_file(cls, path: Path | str = EVAL_DIR / "questions.jsonl") -> "AnswerEvaluator":
        return cls(read_jsonl(path))

    def __call__(self, engine: "Engine") -> dict[str, float]:
        self.failures = []
        scored = [q for q in self.questions if not q.get("out_of_scope") and q.get("answer")]
        contains = speaker = 0
        for q in scored:
            ans = engine.answer(q["question"])
            squashed = "".join(ans.text.split())
            if "".join(q["answer"].split()) in squashed:
                contains += 1
            else:
                self.failures.append({"id": q["id"], "question": q["question"], "gold": q["answer"],
                                      "answer": ans.text[:120]})
            if ans.sentences and ans.sentences[0].passage.interview_id in set(q["gold_interviews"]):
                speaker += 1
        n = max(1, len(scored))
        return {"answers": float(len(scored)), "answer_contains_gold": contains / n,
                "answer_speaker@1": speaker / n}
