"""Helpers for the web tests: a fake engine and answers (no model), and ``python app.py`` on a free port."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

from helpers import free_port
from taixin_qa.chunking import Passage
from taixin_qa.results import Answer, AnswerSentence, SearchResult

ROOT = Path(__file__).resolve().parents[1]
READY = "Running on local URL:"
EVIL = '<img src=x onerror="window.__pwned=1"><script>alert(1)</script>'
QUOTE = "阳曲将努力实现“一年见效、三年成形”。"


def passage(text="目标明确。" + QUOTE + "其余内容。", **kw) -> Passage:
    base = dict(
        id="pei-yaojun-p06",
        text=text,
        speaker="裴耀军",
        role="阳曲县委书记",
        district="阳曲县",
        headline="当好太忻经济区建设排头兵",
        interview_id="pei-yaojun",
        kind="paragraph",
        score=2.0862,
    )
    base.update(kw)
    return Passage(**base)


def found_answer(*passages: Passage, short: str | None = None, understood_as: str | None = None) -> Answer:
    ps = list(passages) or [passage(), passage(id="pei-yaojun-p02", text="第二段。")]
    p = ps[0]
    sentence = AnswerSentence(QUOTE, p, source=1, start=p.text.find(QUOTE))
    return Answer(
        sentence.render(),
        ps,
        True,
        [sentence],
        question="阳曲县的发展目标是什么?",
        short=short,
        cited=1,
        understood_as=understood_as,
    )


@dataclass
class FakeInterview:
    speaker: str
    districts: tuple[str, ...]

    @property
    def district(self) -> str:
        return "、".join(self.districts)


class FakeEngine:
    def __init__(self, answer=None, error: Exception | None = None):
        self.corpus = SimpleNamespace(
            interviews=[FakeInterview("裴耀军", ("阳曲县",)), FakeInterview("李卫平", ("古交市",))]
        )
        self.tokenizer = SimpleNamespace(cut=lambda q: [q[:2]], cut_for_search=lambda q: [])
        self._answer, self._error = answer or found_answer(), error
        self.calls: list[dict] = []

    def answer(self, question, history=None, k=5, speaker=None, district=None):
        self.calls.append(dict(question=question, history=list(history or []), k=k, speaker=speaker, district=district))
        if self._error:
            raise self._error
        return self._answer

    def search(self, question, k=5, speaker=None, district=None, history=None):
        self.calls.append(dict(question=question, k=k, history=list(history or [])))
        return SearchResult(cast(Any, SimpleNamespace(text=question)), [passage()], True, reason="test")

    def resolve(self, field_name, value):
        table = {"裴耀军": "pei", "阳曲县": "pei", "李卫平": "li", "古交市": "li"}
        return {table[value]}


@dataclass
class AppServer:
    proc: subprocess.Popen
    port: int
    lines: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    @property
    def log(self) -> str:
        return "".join(self.lines)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


def start_app(*args: str, timeout: float = 300.0, env: dict[str, str] | None = None) -> AppServer:
    """``python app.py --port <free> [args]`` from the repo root, host left to its default; waits until it serves."""
    port = free_port()
    environ = {k: v for k, v in os.environ.items() if k not in ("TAIXIN_QA_HOST", "TAIXIN_QA_PORT")}
    environ.update({"PYTHONUNBUFFERED": "1", "GRADIO_ANALYTICS_ENABLED": "False", **(env or {})})
    proc = subprocess.Popen(
        [sys.executable, "app.py", "--port", str(port), *args],
        cwd=ROOT,
        env=environ,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        encoding="utf-8",
    )
    server = AppServer(proc, port)

    def drain() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            server.lines.append(line)

    threading.Thread(target=drain, daemon=True).start()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"app.py exited with {proc.returncode}:\n{server.log}")
        if READY in server.log:
            return server
        time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"app.py did not start within {timeout:.0f}s:\n{server.log}")
