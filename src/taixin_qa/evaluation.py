"""Measure retrieval quality on the evaluation set; the same numbers feed tests, benchmarks and the README.

An evaluator is a plain object; calling it with an engine returns a dict of
metrics::

    >>> from taixin_qa.engine import default_engine
    >>> metrics = RetrievalEvaluator.from_file()(default_engine())   # benchmarks/eval/questions.jsonl
    >>> sorted(metrics)[:3], metrics["hit@3"] > 0.9
    (['false_refusals', 'hit@1', 'hit@3'], True)
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
    def from_file(cls, path: Path | str = EVAL_DIR / "questions.jsonl", **kwargs: Any) -> RetrievalEvaluator:
        return cls(read_jsonl(path), **kwargs)

    def __call__(self, engine: Engine) -> dict[str, float]:
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
                self.failures.append(
                    {
                        "id": q["id"],
                        "question": q["question"],
                        "rank": rank,
                        "refused": not result.answerable,
                        "top": ids[:3],
                        "gold": sorted(gold),
                    }
                )
        rejected = 0.0
        for q in out_scope:
            result = engine.search(q["question"], k=self.k, strategy=self.strategy)
            if not result.answerable:
                rejected += 1
            else:
                self.failures.append(
                    {
                        "id": q["id"],
                        "question": q["question"],
                        "out_of_scope": True,
                        "top": [p.id for p in result.passages[:3]],
                    }
                )
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
    def from_file(cls, path: Path | str = EVAL_DIR / "followups.jsonl") -> FollowUpEvaluator:
        return cls(read_jsonl(path))

    def __call__(self, engine: Engine) -> dict[str, float]:
        right = 0
        for conv in self.conversations:
            history = [turn[0] if isinstance(turn, list) else turn for turn in conv["history"]]
            hits = engine.retrieve(conv["question"], k=1, history=history)
            if hits and hits[0].interview_id in set(conv["gold_interviews"]):
                right += 1
        return {
            "followups": float(len(self.conversations)),
            "followup_speaker@1": right / max(1, len(self.conversations)),
        }


# Question types (benchmarks/eval: ``qtype``) whose answer is a span a reader can be handed
# directly: these should get a bold direct answer (``Answer.short``).
FACT_TYPES = ("number", "count", "list", "name", "place", "date")


def _squash(text: str | None) -> str:
    return "".join((text or "").split())


def holds_span(text: str | None, span: str | list[str]) -> bool:
    """True when ``text`` holds the gold span (every part of it, for a list of spans), whitespace ignored."""
    spans = span if isinstance(span, list) else [span]
    body = _squash(text)
    return bool(body) and all(_squash(s) in body for s in spans)


@dataclass
class AnswerEvaluator:
    """The answer as a reader gets it: direct answer, reply, citation.

    Over the in-scope questions of an evaluation file (each with its exact gold
    ``span`` and question type ``qtype``):

    * ``short_holds_span``: share of fact questions (:data:`FACT_TYPES`) whose
      direct answer (``Answer.short``) equals or contains the gold span;
    * ``wrong_bold``: share of all in-scope questions given a direct answer that
      does not hold the gold span (a wrong bold answer is worse than none);
    * ``reply_holds_span``: share whose whole reply text holds the gold span;
    * ``answer_contains_gold``: the same with the older, longer ``answer`` field;
    * ``first_cited_gold``: share whose first answer sentence cites a gold
      paragraph (or, for an answer read from the headers, a gold interview's header);
    * ``answer_speaker@1``: share whose first sentence comes from a gold interview;
    * ``false_missing``: share told the page lacks what they ask (it does not).

    Over the off-page questions of the file, the reply as a reader gets it:

    * ``offpage_declined``: share whose reply says the page does not answer — refused,
      "版面没有给出…" (``Answer.missing``), or "no direct answer found" (``Answer.hedge``)
      with no bold answer; the retrieval measure ``oos_rejection`` counts refusals only;
    * ``offpage_bold``: share given a bold direct answer (the worst reply to such a question).
    """

    questions: list[dict]
    failures: list[dict] = field(default_factory=list)

    @classmethod
    def from_file(cls, path: Path | str = EVAL_DIR / "questions.jsonl") -> AnswerEvaluator:
        return cls(read_jsonl(path))

    def __call__(self, engine: Engine) -> dict[str, float]:
        self.failures = []
        scored = [q for q in self.questions if not q.get("out_of_scope") and (q.get("span") or q.get("answer"))]
        facts = [q for q in scored if q.get("qtype") in FACT_TYPES]
        contains = reply = short_ok = wrong = bolded = cited = speaker = told_missing = 0
        for q in scored:
            ans = engine.answer(q["question"])
            told_missing += bool(ans.missing)
            span = q.get("span") or q["answer"]
            if q.get("answer") is None or holds_span(ans.text, q["answer"]):
                contains += 1
            if holds_span(ans.text, span):
                reply += 1
            problem = ""
            if ans.short:
                bolded += 1
                if holds_span(ans.short, span):
                    short_ok += q in facts
                else:
                    wrong += 1
                    problem = "wrong bold"
            elif q in facts:
                problem = "no direct answer"
            first = ans.sentences[0].passage if ans.sentences else None
            if first is not None and (
                first.id in set(q["gold_paragraphs"])
                or (first.kind == "header" and first.interview_id in set(q["gold_interviews"]))
            ):
                cited += 1
            elif not problem:
                problem = "first citation not gold"
            if first is not None and first.interview_id in set(q["gold_interviews"]):
                speaker += 1
            if not holds_span(ans.text, span) and not problem:
                problem = "reply lacks span"
            if problem:
                failure = {"id": q["id"], "question": q["question"], "problem": problem, "gold": span}
                self.failures.append({**failure, "short": ans.short, "answer": ans.text[:160]})
        n, nf = max(1, len(scored)), max(1, len(facts))
        return {
            "answers": float(len(scored)),
            "fact_questions": float(len(facts)),
            "short_holds_span": short_ok / nf,
            "wrong_bold": wrong / n,
            "bold_rate": bolded / n,
            "reply_holds_span": reply / n,
            "answer_contains_gold": contains / n,
            "first_cited_gold": cited / n,
            "answer_speaker@1": speaker / n,
            "false_missing": told_missing / n,
            **self._offpage(engine),
        }

    def _offpage(self, engine: Engine) -> dict[str, float]:
        """How the off-page questions are answered: declined (refused, missing, or hedged without a
        bold answer), or given a bold answer."""
        offpage = [q for q in self.questions if q.get("out_of_scope")]
        declined = bold = 0
        for q in offpage:
            ans = engine.answer(q["question"])
            bold += bool(ans.short)
            declined += not ans.found or bool(ans.missing) or (bool(ans.hedge) and not ans.short)
        n = max(1, len(offpage))
        return {"offpage_questions": float(len(offpage)), "offpage_declined": declined / n, "offpage_bold": bold / n}


@dataclass
class StructureEvaluator:
    """Questions about the page itself (benchmarks/eval/structure*.jsonl), scored exactly.

    A row expects one of: ``short`` (the direct answer, equal), ``items`` (the
    direct answer's 、-separated items, as a set), ``missing`` (no direct answer,
    and ``Answer.missing`` says what the page does not print) or ``refused``
    (the page does not cover it: ``found`` is False). ``cited_header`` is the
    share of answered rows whose first source belongs to a gold interview.
    """

    questions: list[dict]
    failures: list[dict] = field(default_factory=list)

    @classmethod
    def from_file(cls, path: Path | str = EVAL_DIR / "structure.jsonl") -> StructureEvaluator:
        return cls(read_jsonl(path))

    @staticmethod
    def exact(row: dict, ans: Any) -> bool:
        if row.get("refused"):
            return not ans.found
        if row.get("missing"):
            return ans.found and ans.short is None and bool(ans.missing)
        if row.get("items"):
            return ans.short is not None and set(ans.short.split("、")) == set(row["items"])
        return ans.short == row.get("short")

    def __call__(self, engine: Engine) -> dict[str, float]:
        self.failures = []
        exact = cited = with_gold = 0
        for row in self.questions:
            ans = engine.answer(row["question"])
            ok = self.exact(row, ans)
            exact += ok
            if row.get("gold_interviews") and ans.sentences:
                with_gold += 1
                cited += ans.sentences[0].passage.interview_id in set(row["gold_interviews"])
            if not ok:
                self.failures.append(
                    {
                        "id": row["id"],
                        "question": row["question"],
                        "short": ans.short,
                        "missing": ans.missing,
                        "found": ans.found,
                        "answer": ans.text[:120],
                    }
                )
        n = max(1, len(self.questions))
        return {
            "structure_questions": float(len(self.questions)),
            "structure_exact": exact / n,
            "structure_cited_header": cited / max(1, with_gold),
        }


@dataclass
class MissingEvaluator:
    """ "Same question about another speaker who has no answer" (benchmarks/eval/missing*.jsonl).

    ``stated_missing``: share of follow-ups whose answer says what the page lacks
    (``Answer.missing`` names the place or person asked about) and gives no
    direct answer. ``false_missing``: with ``followups``, the share of ordinary
    follow-ups that have an answer on the page but are told it is missing.
    """

    questions: list[dict]
    followups: list[dict] = field(default_factory=list)
    failures: list[dict] = field(default_factory=list)

    @classmethod
    def from_file(
        cls, path: Path | str = EVAL_DIR / "missing.jsonl", followups: Path | str | None = EVAL_DIR / "followups.jsonl"
    ) -> MissingEvaluator:
        return cls(read_jsonl(path), read_jsonl(followups) if followups else [])

    def __call__(self, engine: Engine) -> dict[str, float]:
        self.failures = []
        stated = 0
        for row in self.questions:
            history = [turn[0] if isinstance(turn, list) else turn for turn in row["history"]]
            ans = engine.answer(row["question"], history=history)
            ok = bool(ans.missing) and row["place"] in (ans.missing or "") and ans.short is None
            stated += ok
            if not ok:
                self.failures.append(
                    {
                        "id": row["id"],
                        "question": row["question"],
                        "missing": ans.missing,
                        "short": ans.short,
                        "answer": ans.text[:120],
                    }
                )
        answered = [f for f in self.followups if f.get("answer")]
        false = 0
        for row in answered:
            history = [turn[0] if isinstance(turn, list) else turn for turn in row["history"]]
            if engine.answer(row["question"], history=history).missing:
                false += 1
                self.failures.append({"id": row["id"], "question": row["question"], "false_missing": True})
        return {
            "missing_followups": float(len(self.questions)),
            "stated_missing": stated / max(1, len(self.questions)),
            "false_missing": false / max(1, len(answered)),
        }


HISTORY_SHAPES = ("messages", "api", "gradio6", "pairs")


def _history_item(shape: str, question: str, answer: Any) -> list[Any]:
    """One earlier turn, in one of the history shapes a client may send."""
    if shape == "questions":
        return [question]
    if shape == "api":
        return [answer.to_dict()]
    if shape == "pairs":
        return [[question, answer.text]]
    if shape == "gradio6":
        return [
            {"role": "user", "content": [{"type": "text", "text": question}]},
            {"role": "assistant", "content": [{"type": "text", "text": answer.text}]},
        ]
    return [{"role": "user", "content": question}, {"role": "assistant", "content": answer.text}]


@dataclass
class ConversationEvaluator:
    """Every turn of every conversation scored, with the engine's own answers as the history.

    A conversation is ``{"id", "turns": [...], "history_shape"?}``; a turn is
    ``{"q", "cat", "found": true|false|null, "interviews": [...], "paragraphs"?,
    "continued"?, "mentions"?, "speaker"?, "district"?}``. A turn is right when
    the page's verdict matches ``found`` (null: either), an answer's first
    source is one of ``interviews``, it mentions every name in ``mentions``, and
    it was read from the conversation exactly when ``continued`` says so
    (``Answer.understood_as`` is set; not checked for turns the page should refuse). Histories are sent in the shape the
    conversation names, else in turn as messages, API answers, Gradio 6
    content parts and (question, answer) pairs.

    Returns shares (0..1): ``turns_right``; ``offpage_refused`` (turns the page
    does not cover, after at least one turn); ``followups_continued`` (turns
    that should continue: continued and from the right interview);
    ``false_refusals_with_history`` (covered turns after at least one turn
    that were refused); ``wrongly_continued``; ``paragraph@3``; and
    ``right/<category>`` with ``turns/<category>`` counts per category.
    """

    conversations: list[dict]
    k: int = 5
    failures: list[dict] = field(default_factory=list)

    @classmethod
    def from_file(cls, path: Path | str = EVAL_DIR / "conversations.jsonl", **kwargs: Any) -> ConversationEvaluator:
        return cls(read_jsonl(path), **kwargs)

    @staticmethod
    def _top_interview(ans: Any) -> str | None:
        if ans.sentences:
            return ans.sentences[0].passage.interview_id
        return ans.passages[0].interview_id if ans.passages else None

    def __call__(self, engine: Engine) -> dict[str, float]:
        self.failures = []
        counts: dict[str, list[int]] = {}
        for n, conv in enumerate(self.conversations):
            shape = conv.get("history_shape") or HISTORY_SHAPES[n % len(HISTORY_SHAPES)]
            history: list[Any] = []
            for i, turn in enumerate(conv["turns"]):
                ans = engine.answer(
                    turn["q"],
                    history=list(history),
                    k=self.k,
                    speaker=turn.get("speaker"),
                    district=turn.get("district"),
                )
                self._score_turn(conv["id"], i, turn, ans, counts)
                history.extend(_history_item(shape, turn["q"], ans))
        out: dict[str, float] = {
            "conversations": float(len(self.conversations)),
            "turns": float(counts.get("turns_right", [0, 0])[1]),
        }
        for key, (ok, total) in sorted(counts.items()):
            out[key] = ok / total if total else 0.0
            if key.startswith("right/"):
                out["turns/" + key[len("right/") :]] = float(total)
        return out

    def _score_turn(self, conv_id: str, i: int, turn: dict[str, Any], ans: Any, counts: dict[str, list[int]]) -> None:
        """Tally turn ``i`` of a conversation into ``counts`` (right, [total]); a wrong turn joins the failures."""

        def tally(key: str, ok: bool) -> None:
            c = counts.setdefault(key, [0, 0])
            c[0] += int(ok)
            c[1] += 1

        continued = ans.understood_as is not None
        top = self._top_interview(ans)
        expected = turn.get("found")
        speaker_ok = top in set(turn.get("interviews") or [])
        mentions_ok = all(m in ans.text for m in turn.get("mentions") or [])
        if expected is False:
            verdict_ok = not ans.found
        elif expected is True:
            verdict_ok = ans.found and speaker_ok and mentions_ok
        else:
            verdict_ok = not ans.found or speaker_ok
        # A refusal may say how it read the question; whether it was read in context only
        # matters for turns the page answers.
        continued_ok = continued == bool(turn.get("continued", False)) if i and expected is not False else True
        right = verdict_ok and continued_ok
        tally("turns_right", right)
        tally(f"right/{turn.get('cat', 'other')}", right)
        if i and expected is False:
            tally("offpage_refused", not ans.found)
        if i and expected is True:
            tally("false_refusals_with_history", not ans.found)
        if i and turn.get("continued"):
            tally("followups_continued", continued and (speaker_ok or (expected is None and not ans.found)))
        if i and not turn.get("continued", False) and expected is not False:
            tally("wrongly_continued", continued)
        if ans.found and turn.get("paragraphs"):
            tally("paragraph@3", any(p.id in set(turn["paragraphs"]) for p in ans.passages[:3]))
        if not right:
            self.failures.append(
                {
                    "id": conv_id,
                    "turn": i,
                    "question": turn["q"],
                    "cat": turn.get("cat"),
                    "expected_found": expected,
                    "found": ans.found,
                    "top": top,
                    "expected": turn.get("interviews"),
                    "continued": continued,
                    "understood_as": ans.understood_as,
                    "reason": ans.reason,
                }
            )


# What issue 9 asks of conversations; ``false_refusals_with_history`` is a maximum, the rest minimums.
CONVERSATION_TARGETS = {
    "turns_right": 0.97,
    "offpage_refused": 0.95,
    "followups_continued": 0.97,
    "false_refusals_with_history": 0.02,
}


def conversation_quality(engine: Engine, eval_dir: Path | str = EVAL_DIR) -> dict[str, dict[str, float]]:
    """Both conversation sets, for the benchmark: ``{"main": metrics, "heldout": metrics}``.

    The metrics are :class:`ConversationEvaluator`'s (per category under ``right/<cat>``);
    compare them with :data:`CONVERSATION_TARGETS`.
    """
    eval_dir = Path(eval_dir)
    return {
        "main": ConversationEvaluator.from_file(eval_dir / "conversations.jsonl")(engine),
        "heldout": ConversationEvaluator.from_file(eval_dir / "conversations-heldout.jsonl")(engine),
    }
