"""Quality: hit@1 / hit@3 / MRR@5 / speaker@1 / out-of-scope rejection / false refusals per strategy,
answer_contains_gold and follow-up accuracy, on the evaluation set and (full runs) the held-out set."""

from __future__ import annotations

from typing import Any

from taixin_qa.evaluation import AnswerEvaluator, FollowUpEvaluator, RetrievalEvaluator

from common import Context, eval_set, log

STRATEGIES = ("hybrid", "bm25", "dense", "rrf")


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
    held = [] if ctx.quick else eval_set("heldout")  # never used to tune weights
    if held:
        h: dict[str, Any] = {"questions": len(held), "answer": AnswerEvaluator(held)(engine),
                             "strategies": {s: RetrievalEvaluator(held, strategy=s)(engine) for s in STRATEGIES}}
        held_followups = eval_set("heldout_followups")
        if held_followups:
            h["followups"] = len(held_followups)
            h["followup"] = FollowUpEvaluator(held_followups)(engine)
        out["heldout"] = h
    return out


def _strategy_table(strategies: dict[str, dict[str, float]]) -> list[str]:
    lines = ["| strategy | hit@1 | hit@3 | MRR@5 | speaker@1 | OOS rejection | false refusals |",
             "|---|---|---|---|---|---|---|"]
    for s, m in strategies.items():
        lines.append(f"| {s} | {m['hit@1']:.3f} | {m['hit@3']:.3f} | {m['mrr@5']:.3f} | {m['speaker@1']:.3f} | "
                     f"{m['oos_rejection']:.3f} | {m['false_refusals']:.3f} |")
    return lines


def report(result: dict[str, Any]) -> str:
    if "strategies" not in result:
        return ""
    a, f = result["answer"], result["followup"]
    lines = ["### Quality (same run)", "", *_strategy_table(result["strategies"]), "",
             f"hybrid answers: answer_contains_gold **{a['answer_contains_gold']:.3f}**, "
             f"answer_speaker@1 {a['answer_speaker@1']:.3f} ({int(a['answers'])} answers); "
             f"follow-up speaker@1 **{f['followup_speaker@1']:.3f}** ({int(f['followups'])} follow-ups). "
             f"{result['questions']} questions.", ""]
    h = result.get("heldout")
    if h:
        fu = h.get("followup", {})
        lines += [f"Held-out set ({h['questions']} questions, never used for tuning):", "",
                  *_strategy_table(h["strategies"]), "",
                  f"held-out hybrid answers: answer_contains_gold {h['answer']['answer_contains_gold']:.3f}"
                  + (f"; follow-up speaker@1 {fu['followup_speaker@1']:.3f} ({h['followups']})" if fu else ""), ""]
    return "\n".join(lines)
