"""Installed works: the wheel, installed into a fresh virtual environment outside the checkout, answers.

Slow (a minute or more): it builds the wheel, makes a venv, installs torch from the pinned local wheel
and the package with its dependencies, and asks one question there. Nothing of the checkout is on
that interpreter's path; the corpus and index must come from the package data.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from helpers import ROOT

pytestmark = pytest.mark.slow

ASK = """
import json, taixin_qa
from taixin_qa.settings import Paths
ans = taixin_qa.answer("阳曲县的发展目标是什么？")
paths = Paths.from_env()
print(json.dumps({"found": ans.found, "text": ans.text, "corpus": str(paths.corpus), "index": str(paths.index),
                  "package": taixin_qa.__file__}, ensure_ascii=False))
"""


def pip(python: Path, *args: str, cwd: Path) -> None:
    # --no-compile: byte-compiling torch, gradio and the rest took more than half of this test (measured:
    # 116 s of CPU with it, 48 s without); the interpreter compiles what the one question imports.
    proc = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--no-compile", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]


def test_installed_wheel_answers_outside_the_checkout(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "--quiet", "-w", str(dist)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert built.returncode == 0, built.stderr[-3000:]
    (wheel,) = dist.glob("taixin_qa-*.whl")

    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    pip(python, "torch==2.13.0", cwd=tmp_path)  # the pinned CPU wheel, as scripts/setup.sh installs it
    pip(python, str(wheel), cwd=tmp_path)

    env = {k: v for k, v in os.environ.items() if not k.startswith(("TAIXIN_QA_", "PYTHON"))}
    env["XDG_CACHE_HOME"] = str(tmp_path / "cache")
    proc = subprocess.run([str(python), "-c", ASK], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["found"] and "裴耀军" in out["text"]
    site = str(env_dir)
    assert out["package"].startswith(site) and out["corpus"].startswith(site) and out["index"].startswith(site), out
    assert "building the index" not in proc.stderr  # the shipped index is current: nothing rebuilt
