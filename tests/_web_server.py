"""Start the server (``python app.py``) on a free port for the server, API, browser and load tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
READY = "Running on local URL:"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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
    proc = subprocess.Popen([sys.executable, "app.py", "--port", str(port), *args], cwd=ROOT, env=environ,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, encoding="utf-8")
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
