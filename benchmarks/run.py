#!/usr/bin/env python
"""Performance benchmarks of taixin-qa, in one command.

    python benchmarks/run.py                  # full run (~10-15 min on 2 cores)
    python benchmarks/run.py --quick          # smoke run: tiny sizes, few repeats (about 1 min of CPU)
    python benchmarks/run.py --only latency,scale --out /tmp/r.json

Each section is a module in benchmarks/sections/ (listed, in order, in sections.SECTIONS); its numbers
go to the results JSON under its name. Latencies are p50 / p95 over all queries x repeats, because
other processes may share the two cores; the load average and other processes' CPU are recorded
per section.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import traceback
from pathlib import Path
from typing import Any

import report
import sections
from common import BENCH, Context, ExternalLoad, load_avg, log, machine_info, pc


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument(
        "--quick", action="store_true", help="tiny sizes and few repeats (about 1 min of CPU), for a smoke test"
    )
    ap.add_argument("--only", default=None, help=f"comma-separated subset of {','.join(sections.SECTIONS)}")
    ap.add_argument(
        "--store", default="faiss", help="the store the engine sections use: faiss (default) or milvus[:PATH or URI]"
    )
    ap.add_argument("--out", type=Path, default=BENCH / "results.json", help="results JSON (default %(default)s)")
    ap.add_argument("--plot", type=Path, default=None, help="latency plot (default: latency.png beside --out)")
    ap.add_argument(
        "--update",
        action="store_true",
        help="keep the other sections of an existing --out file (re-measure only --only sections)",
    )
    args = ap.parse_args(argv)
    if args.store.split(":", 1)[0] not in ("faiss", "milvus"):
        ap.error(f"--store: faiss or milvus[:PATH], not {args.store!r}")
    if args.only is not None:
        args.sections = [s.strip() for s in args.only.split(",") if s.strip()]
        unknown = set(args.sections) - set(sections.SECTIONS)
        if unknown:
            ap.error(f"unknown section(s): {', '.join(sorted(unknown))}")
    return args


def default_sections(ctx: Context) -> list[str]:
    """Every section whose ``applies(ctx)`` (if it has one) says yes."""
    out = []
    for name in sections.SECTIONS:
        applies = getattr(sections.load(name), "applies", None)
        if applies is None or applies(ctx):
            out.append(name)
    return out


def keep_old(results: dict[str, Any], out: Path, quick: bool, measured: list[str]) -> None:
    """``--update``: carry over the sections of an earlier results file that this run does not measure."""
    old = json.loads(out.read_text(encoding="utf-8"))
    if old.get("quick") != quick:
        raise SystemExit("--update: the existing results were made with a different --quick setting")
    for name in sections.SECTIONS:
        if name not in measured and name in old:
            results[name] = old[name]
            old_sec = old.get("sections", {}).get(name, {})
            results["sections"][name] = {
                **old_sec,
                "from_run_started": old_sec.get("from_run_started") or old.get("started"),
            }
            if name in old.get("errors", {}):
                results["errors"][name] = old["errors"][name]


def run_section(name: str, ctx: Context, results: dict[str, Any], monitor: ExternalLoad) -> None:
    log(f"section {name} ...")
    t, t_wall, load0 = pc(), time.time(), load_avg()
    results["errors"].pop(name, None)
    try:
        results[name] = sections.load(name).run(ctx)
    except Exception as exc:  # noqa: BLE001 - report, keep the other sections
        results[name] = {"error": f"{type(exc).__name__}: {exc}"}
        results["errors"][name] = traceback.format_exc()
        log(f"section {name} FAILED: {exc}")
    ext = monitor.summary(t_wall, time.time())
    results["sections"][name] = {
        "seconds": round(pc() - t, 1),
        "load_avg_before": load0,
        "load_avg_after": load_avg(),
        "other_processes_cpu": ext,
    }
    if ext.get("samples"):
        log(
            f"section {name}: {results['sections'][name]['seconds']:.0f} s; other processes used "
            f"{ext['mean_pct']:.0f}% CPU on average (max {ext['max_pct']:.0f}%)"
        )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    ctx = Context.create(args.quick, args.store)
    wanted = args.sections if args.only is not None else default_sections(ctx)
    plot_path = args.plot or args.out.with_name("latency.png")
    started = pc()
    results: dict[str, Any] = {
        "quick": args.quick,
        "store": args.store,
        "started": time.strftime("%Y-%m-%d %H:%M:%S"),
        "machine": machine_info(),
        "load_avg_start": load_avg(),
        "sections": {},
        "errors": {},
    }
    if args.update and args.out.is_file():
        keep_old(results, args.out, args.quick, wanted)
    monitor = ExternalLoad().start()
    for name in sections.SECTIONS:
        if name in wanted:
            run_section(name, ctx, results, monitor)
    monitor.stop()
    results["targets"] = report.targets(results)
    results["load_avg_end"] = load_avg()
    results["total_seconds"] = round(pc() - started, 1)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    try:
        report.plot(results, plot_path)
        results["plot"] = str(plot_path)
    except Exception as exc:  # noqa: BLE001 - the numbers matter more than the picture
        results["errors"]["plot"] = traceback.format_exc()
        log(f"plot failed: {exc}")
    args.out.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    print(report.markdown(results))
    print(
        f"\nresults: {args.out}  plot: {plot_path}  total {results['total_seconds']:.0f} s  "
        f"load avg start {results['load_avg_start']} end {results['load_avg_end']}"
    )
    for name, tb in results["errors"].items():
        print(f"\nERROR in {name}:\n{tb}", file=sys.stderr)
    return 1 if results["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
