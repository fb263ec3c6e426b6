"""What every benchmark section shares: paths, timing, summaries, child processes, eval sets, the context."""

from __future__ import annotations

import json
import os
import platform
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from taixin_qa.evaluation import read_jsonl

if TYPE_CHECKING:
    from taixin_qa.engine import Engine

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "benchmarks"
EVAL = BENCH / "eval"
CHILDREN = BENCH / "children"
PY = sys.executable
CLI = str(Path(sys.executable).with_name("taixin-qa"))
FIRST_QUESTION = "阳曲县的发展目标是什么？"
SECOND_QUESTION = "万柏林区第一年计划完成多少投资？"
FIRST_SPEAKER = "裴耀军"  # who answers FIRST_QUESTION: a cold start must name him

pc = time.perf_counter


def summarize(seconds: Iterable[float]) -> dict[str, Any]:
    """p50 / p95 / mean / min / max in milliseconds.

    >>> summarize([0.001, 0.002, 0.003])["p50_ms"]
    2.0
    """
    a = np.asarray(list(seconds), dtype=float) * 1000.0
    if not a.size:
        return {"n": 0}
    return {
        "n": int(a.size),
        "p50_ms": round(float(np.percentile(a, 50)), 3),
        "p95_ms": round(float(np.percentile(a, 95)), 3),
        "mean_ms": round(float(a.mean()), 3),
        "min_ms": round(float(a.min()), 3),
        "max_ms": round(float(a.max()), 3),
    }


def time_each(fn: Callable[[Any], object], items: Iterable[Any], repeats: int = 1) -> list[float]:
    """Seconds per call of ``fn`` on each item, ``repeats`` times over."""
    items = list(items)
    out = []
    for _ in range(repeats):
        for x in items:
            t = pc()
            fn(x)
            out.append(pc() - t)
    return out


def load_avg() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def rss_mb() -> float:
    import psutil

    return float(psutil.Process().memory_info().rss) / 2**20


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')} load {load_avg()[0]:.2f}] {msg}", file=sys.stderr, flush=True)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def child(name: str) -> str:
    """Path of a child program in benchmarks/children/."""
    path = CHILDREN / f"{name}.py"
    if not path.is_file():
        raise FileNotFoundError(path)
    return str(path)


def run_result(cmd: list[str], timeout: float = 900, **kwargs: Any) -> dict[str, Any]:
    """Run a child that prints one ``RESULT {json}`` line; return that JSON (plus ``_wall_s``)."""
    t = pc()
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kwargs)
    wall = pc() - t
    if proc.returncode != 0:
        raise RuntimeError(f"child {cmd[:4]} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    line = next((ln for ln in reversed(proc.stdout.splitlines()) if ln.startswith("RESULT ")), None)
    if line is None:
        raise RuntimeError(f"child {cmd[:4]} printed no RESULT line:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    out: dict[str, Any] = json.loads(line[len("RESULT ") :])
    out["_wall_s"] = wall
    return out


def run_child(
    name: str, *args: str, timeout: float = 900, env: dict[str, str] | None = None, **kwargs: Any
) -> dict[str, Any]:
    """Run benchmarks/children/<name>.py with ``args`` in a fresh interpreter; its RESULT JSON.

    The child can ``import common`` (benchmarks/ goes on its PYTHONPATH).
    """
    env = dict(os.environ if env is None else env)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(BENCH), env.get("PYTHONPATH", "")) if p)
    return run_result([PY, child(name), *args], timeout=timeout, env=env, **kwargs)


def table_head(*columns: str) -> list[str]:
    """The first two lines of a markdown table.

    >>> table_head("what", "p50")
    ['| what | p50 |', '|---|---|']
    """
    return ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]


def inline_list(title: str, items: dict[str, float], digits: int = 3) -> list[str]:
    """A report paragraph ``title: key value, key value`` and the blank line after it."""
    return [f"{title}: " + ", ".join(f"{k} {v:.{digits}f}" for k, v in items.items()), ""]


def print_result(result: dict[str, Any]) -> None:
    """What a child program prints last: one ``RESULT {json}`` line for :func:`run_result`."""
    print("RESULT " + json.dumps(result, ensure_ascii=False), flush=True)


def machine_info() -> dict[str, Any]:
    import faiss

    model = platform.processor()
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, timeout=10).stdout
        model = next((ln.split(":", 1)[1].strip() for ln in out.splitlines() if ln.startswith("Model name")), model)
    except (OSError, subprocess.SubprocessError):
        pass
    mem_gb = None
    try:
        import psutil

        mem_gb = round(psutil.virtual_memory().total / 2**30, 1)
    except ImportError:
        pass
    return {
        "cpu_model": model,
        "cpus": os.cpu_count(),
        "memory_gb": mem_gb,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "faiss": getattr(faiss, "__version__", "?"),
        "platform": platform.platform(),
    }


def eval_set(name: str) -> list[dict[str, Any]]:
    """benchmarks/eval/<name>.jsonl, or [] when that file is absent."""
    path = EVAL / f"{name}.jsonl"
    return read_jsonl(path) if path.is_file() else []


def eval_questions(quick: bool) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The evaluation questions and follow-ups; in quick mode 10 in scope, 3 out of scope and 3 follow-ups."""
    questions, followups = eval_set("questions"), eval_set("followups")
    if quick:
        in_scope = [q for q in questions if not q.get("out_of_scope")][:10]
        oos = [q for q in questions if q.get("out_of_scope")][:3]
        questions, followups = in_scope + oos, followups[:3]
    return questions, followups


@dataclass
class Context:
    """What a section's ``run(ctx)`` gets: the mode, the eval set and one warm engine, made on first use."""

    quick: bool = False
    store: str = "faiss"
    questions: list[dict[str, Any]] = field(default_factory=list)
    followups: list[dict[str, Any]] = field(default_factory=list)
    _engine: Engine | None = field(default=None, repr=False)

    @classmethod
    def create(cls, quick: bool, store: str = "faiss") -> Context:
        questions, followups = eval_questions(quick)
        return cls(quick=quick, store=store, questions=questions, followups=followups)

    @property
    def texts(self) -> list[str]:
        return [q["question"] for q in self.questions]

    @property
    def engine(self) -> Engine:
        """The project's engine, opened and warmed once: first-call costs belong to cold start."""
        if self._engine is None:
            from taixin_qa.engine import Engine

            self._engine = Engine(progress=False).open()
            self._engine.answer(FIRST_QUESTION)
        return self._engine


class ExternalLoad:
    """Samples, every ``period`` s, the CPU used by processes outside this benchmark's process tree.

    Lets a reader see whether a section ran on a quiet machine (100 = one full core).
    """

    def __init__(self, period: float = 2.0) -> None:
        self.period = period
        self.samples: list[tuple[float, float, str]] = []
        self._procs: dict[int, Any] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> tuple[float, str]:
        import psutil

        me = psutil.Process()
        ours = {me.pid} | {c.pid for c in me.children(recursive=True)}
        total, top, top_name = 0.0, 0.0, ""
        seen = set()
        for proc in psutil.process_iter(["pid", "name"]):
            pid = proc.info["pid"]
            seen.add(pid)
            if pid in ours:
                continue
            known = self._procs.setdefault(pid, proc)
            try:
                pct = known.cpu_percent(None)
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue
            total += pct
            if pct > top:
                top, top_name = pct, proc.info["name"] or "?"
        for pid in set(self._procs) - seen:
            del self._procs[pid]
        return total, top_name if top >= 20 else ""

    def _run(self) -> None:
        self._sample()
        while not self._stop.wait(self.period):
            try:
                total, name = self._sample()
            except Exception:  # noqa: BLE001 - monitoring must never break a run
                continue
            self.samples.append((time.time(), total, name))

    def start(self) -> ExternalLoad:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def summary(self, since: float, until: float) -> dict[str, Any]:
        xs = [(v, n) for t, v, n in self.samples if since <= t <= until]
        if not xs:
            return {"samples": 0}
        vals = [v for v, _ in xs]
        names = sorted({n for _, n in xs if n})
        return {
            "samples": len(vals),
            "mean_pct": round(float(np.mean(vals)), 1),
            "max_pct": round(float(np.max(vals)), 1),
            "busy_share": round(sum(v >= 50 for v in vals) / len(vals), 2),
            "busy_processes": names[:6],
        }
