"""Quality: hit@1 / hit@3 / MRR@5 / speaker@1 / out-of-scope rejection / false refusals per strategy,
answer_contains_gold and follow-up accuracy, on the evaluation set and (full runs) the held-out set."""

from __future__ import annotations

from typing import Any

from taixin_qa.evaluation import (
    CONVERSATION_TARGETS,
    AnswerEvaluator,
    FollowUpEvaluator,
    MissingEvaluator,
    RetrievalEvaluator,
    StructureEvaluator,
    conversation_quality,
)

from common import Context, eval_set, log

STRATEGIES = ("hybrid", "bm25", "dense", "rrf")
# Where each part of the evaluation sets came from (benchmarks/README.md, "Evaluation sets"): blind
# batches were written from the corpus text without seeing any output and committed before their
# first run; once their failures were looked at, they moved to the main (tuning) set.
PARTS = {
    "main": (
        ("original (q001-q131)", 1, 131),
        ("blind batches 3-4 (q132-q211)", 132, 211),
        ("blind batch 5 (q212-q251)", 212, 251),
        ("batches 8-9 (q252-q331)", 252, 331),
        ("batch 10 (q332-q371)", 332, 371),
        ("batches 12-14 (q372-q491)", 372, 491),
        ("batches 16, 18 (q492-q571)", 492, 571),
        ("batch 17 (q572-q611)", 572, 611),
        ("batch 19 (q612-q651)", 612, 651),
        ("batch 21 (q652-q691)", 652, 691),
    ),
    "held-out": (
        ("batches 1-2 (h001-h060)", 1, 60),
        ("blind batch 6 (h181-h220)", 181, 220),
        ("blind batch 7 (h221-h260)", 221, 260),
        ("blind batch 11 (h261-h300)", 261, 300),
        ("blind batch 15 (h301-h340)", 301, 340),
        ("blind batch 20 (h381-h420)", 381, 420),
        ("blind batch 22 (h421-h460)", 421, 460),
    ),
}


def run(ctx: Context) -> dict[str, Any]:
    engine = ctx.engine
    out: dict[str, Any] = {"questions": len(ctx.questions), "followups": len(ctx.followups), "strategies": {}}
    for strategy in STRATEGIES:
        evaluator = RetrievalEvaluator(ctx.questions, strategy=strategy)
        metrics = evaluator(engine)
        metrics["not_top1"] = len(evaluator.failures)
        out["strategies"][strategy] = metrics
        log(f"quality {strategy}: hit@1 {metrics['hit@1']:.3f}")
    answers = AnswerEvaluator(ctx.questions)
    out["answer"] = answers(engine)
    out["answer_failures"] = [f["id"] for f in answers.failures]
    out["followup"] = FollowUpEvaluator(ctx.followups)(engine)
    if not ctx.quick:
        out["structure"] = StructureEvaluator(eval_set("structure"))(engine)
        out["missing"] = MissingEvaluator(eval_set("missing"), ctx.followups)(engine)
    held = [] if ctx.quick else eval_set("heldout")  # never used to tune weights
    if held:
        h: dict[str, Any] = {
            "questions": len(held),
            "answer": AnswerEvaluator(held)(engine),
            "strategies": {s: RetrievalEvaluator(held, strategy=s)(engine) for s in STRATEGIES},
            "structure": StructureEvaluator(eval_set("structure_heldout"))(engine),
            "missing": MissingEvaluator(eval_set("missing_heldout"), eval_set("heldout_followups"))(engine),
        }
        held_followups = eval_set("heldout_followups")
        if held_followups:
            h["followups"] = len(held_followups)
            h["followup"] = FollowUpEvaluator(held_followups)(engine)
        out["heldout"] = h
        out["parts"] = {
            label: _part_metrics(engine, rows)
            for which, rows in (("main", ctx.questions), ("held-out", held))
            for label, rows in _parts(rows, which)
        }
        out["conversation"] = conversation_quality(engine)  # every turn scored; held-out never tuned on
    return out


def _parts(rows: list[dict], which: str) -> list[tuple[str, list[dict]]]:
    """The rows of each part of an evaluation set (PARTS), by id number."""
    out = []
    for label, lo, hi in PARTS[which]:
        part = [r for r in rows if lo <= int(r["id"][1:]) <= hi]
        if part:
            out.append((f"{which}: {label}", part))
    return out


def _part_metrics(engine: Any, rows: list[dict]) -> dict[str, float]:
    """Retrieval and answer measures of one part of a set."""
    r = RetrievalEvaluator(rows, strategy="hybrid")(engine)
    return {**AnswerEvaluator(rows)(engine), **{k: r[k] for k in ("hit@1", "hit@3", "oos_rejection", "questions")}}


def _part_lines(parts: dict[str, dict[str, float]]) -> list[str]:
    lines = [
        "| part | questions | hit@1 | hit@3 | off-page refused | off-page reply declines / bold "
        "| direct answer holds span (fact qs) | wrong bold | reply holds span | first citation gold |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for label, m in parts.items():
        lines.append(
            f"| {label} | {m['questions']:.0f} | {m['hit@1']:.3f} | {m['hit@3']:.3f} | {m['oos_rejection']:.3f} | "
            f"{_offpage(m)} | "
            f"{m['short_holds_span']:.3f} ({m['fact_questions']:.0f}) | {m['wrong_bold']:.3f} | "
            f"{m['reply_holds_span']:.3f} | {m['first_cited_gold']:.3f} |"
        )
    return lines


def _offpage(m: dict[str, float]) -> str:
    """Off-page replies that decline / that bold an answer (results from before these were measured: —)."""
    if "offpage_declined" not in m:
        return "—"
    return f"{m['offpage_declined']:.3f} / {m['offpage_bold']:.3f} ({m['offpage_questions']:.0f})"


def _conversation_lines(conv: dict[str, dict[str, float]]) -> list[str]:
    """Per category: turns right / turns, for the main and the held-out conversation set (issue 9)."""
    cats = sorted({k.split("/", 1)[1] for m in conv.values() for k in m if k.startswith("turns/")})
    lines = [
        "| conversation set | turns right | off-page refused | follow-ups continued | false refusals "
        "| " + " | ".join(cats) + " |",
        "|---" * (5 + len(cats)) + "|",
    ]
    for label, m in conv.items():
        per = [f"{m.get('right/' + c, 0) * m.get('turns/' + c, 0):.0f}/{m.get('turns/' + c, 0):.0f}" for c in cats]
        lines.append(
            f"| {label} ({m['conversations']:.0f} conv., {m['turns']:.0f} turns) | {m['turns_right']:.3f} | "
            f"{m['offpage_refused']:.3f} | {m['followups_continued']:.3f} | "
            f"{m['false_refusals_with_history']:.3f} | " + " | ".join(per) + " |"
        )
    return lines


def _strategy_table(strategies: dict[str, dict[str, float]]) -> list[str]:
    lines = [
        "| strategy | hit@1 | hit@3 | MRR@5 | speaker@1 | OOS rejection | false refusals |",
        "|---|---|---|---|---|---|---|",
    ]
    for s, m in strategies.items():
        lines.append(
            f"| {s} | {m['hit@1']:.3f} | {m['hit@3']:.3f} | {m['mrr@5']:.3f} | {m['speaker@1']:.3f} | "
            f"{m['oos_rejection']:.3f} | {m['false_refusals']:.3f} |"
        )
    return lines


def _answer_lines(label: str, result: dict[str, Any]) -> list[str]:
    """Direct answers, replies, citations, page-structure and "missing" follow-ups (issue 10 targets)."""
    a = result.get("answer", {})
    if "short_holds_span" not in a:
        return []
    row = (
        f"| {label} | {a['short_holds_span']:.3f} ({int(a['fact_questions'])}) | {a['wrong_bold']:.3f} | "
        f"{a['reply_holds_span']:.3f} | {a['first_cited_gold']:.3f}"
    )
    st, mi = result.get("structure"), result.get("missing")
    row += f" | {st['structure_exact']:.3f} ({int(st['structure_questions'])})" if st else " | "
    row += (
        f" | {mi['stated_missing']:.3f} ({int(mi['missing_followups'])}), false {mi['false_missing']:.3f} |"
        if mi
        else " | |"
    )
    row += f" {_offpage(a)} |"
    head = [
        "| set | direct answer holds gold span (fact qs) | wrong bold | reply holds span | first citation gold "
        "| structure exact | missing stated | off-page reply declines / bold |",
        "|---|---|---|---|---|---|---|---|",
    ]
    return [*(head if label == "main" else []), row]


def report(result: dict[str, Any]) -> str:
    if "strategies" not in result:
        return ""
    a, f = result["answer"], result["followup"]
    lines = [
        "### Quality (same run)",
        "",
        *_strategy_table(result["strategies"]),
        "",
        f"hybrid answers: answer_contains_gold **{a['answer_contains_gold']:.3f}**, "
        f"answer_speaker@1 {a['answer_speaker@1']:.3f} ({int(a['answers'])} answers); "
        f"follow-up speaker@1 **{f['followup_speaker@1']:.3f}** ({int(f['followups'])} follow-ups). "
        f"{result['questions']} questions.",
        "",
    ]
    if result.get("conversation"):
        lines += [
            "Conversations, every turn scored (per category: turns right / turns):",
            "",
            *_conversation_lines(result["conversation"]),
            "",
        ]
    h = result.get("heldout")
    table = _answer_lines("main", result) + (_answer_lines("held-out", h) if h else [])
    lines += [*table, ""] if table else []
    if result.get("parts"):
        lines += ["By part of each set (see PARTS in sections/quality.py):", "", *_part_lines(result["parts"]), ""]
    if h:
        fu = h.get("followup", {})
        lines += [
            f"Held-out set ({h['questions']} questions, never used for tuning):",
            "",
            *_strategy_table(h["strategies"]),
            "",
            f"held-out hybrid answers: answer_contains_gold {h['answer']['answer_contains_gold']:.3f}"
            + (f"; follow-up speaker@1 {fu['followup_speaker@1']:.3f} ({h['followups']})" if fu else ""),
            "",
        ]
    return "\n".join(lines)


def targets(result: dict[str, Any]) -> list[dict[str, Any]]:
    """Issue 9's conversation targets and issue 10's answer targets, for the main and the held-out set."""
    rows: list[dict[str, Any]] = []
    for label, m in (result.get("conversation") or {}).items():
        for key, bound in CONVERSATION_TARGETS.items():
            at_most = key.startswith("false_")
            rows.append(
                {
                    "target": f"conversations {label}: {key} {'≤' if at_most else '≥'} {bound:.0%}",
                    "measured": f"{m[key]:.1%}",
                    "met": m[key] <= bound if at_most else m[key] >= bound,
                }
            )
    for label, r in (("main", result), ("held-out", result.get("heldout") or {})):
        a, st, mi = r.get("answer", {}), r.get("structure"), r.get("missing")
        if "short_holds_span" not in a:
            continue
        rows += [
            {
                "target": f"{label}: direct answer holds gold span ≥ 85% of fact questions, wrong bold ≤ 3%",
                "measured": f"{a['short_holds_span']:.1%}, wrong bold {a['wrong_bold']:.1%}",
                "met": a["short_holds_span"] >= 0.85 and a["wrong_bold"] <= 0.03,
            },
            {
                "target": f"{label}: reply holds gold span ≥ 97%",
                "measured": f"{a['reply_holds_span']:.1%}",
                "met": a["reply_holds_span"] >= 0.97,
            },
            {
                "target": f"{label}: first answer sentence cites a gold passage ≥ 95%",
                "measured": f"{a['first_cited_gold']:.1%}",
                "met": a["first_cited_gold"] >= 0.95,
            },
        ]
        if st:
            rows.append(
                {
                    "target": f"{label}: page-structure questions exact 100%",
                    "measured": f"{st['structure_exact']:.1%}",
                    "met": st["structure_exact"] >= 1.0,
                }
            )
        if mi:
            rows.append(
                {
                    "target": f"{label}: 'missing' follow-ups stated as missing ≥ 90%",
                    "measured": f"{mi['stated_missing']:.1%} (false {mi['false_missing']:.1%})",
                    "met": mi["stated_missing"] >= 0.9,
                }
            )
    return rows
