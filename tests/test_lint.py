"""The tree is linted, formatted and typed: ruff and mypy, configured in pyproject.toml, pass.

They run here, as tests, so the README's one test command (and .ci/run, which runs it) covers them.
Also: no test imports another test file or conftest (shared code lives in tests/helpers.py).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import ROOT

PATHS = ["src", "tests", "benchmarks", "app.py", "setup.py", "scripts"]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, timeout=600)


def test_ruff_lint_is_clean() -> None:
    proc = run("ruff", "check", "--no-cache", *PATHS)
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-2000:]


def test_ruff_format_is_clean() -> None:
    proc = run("ruff", "format", "--check", "--no-cache", *PATHS)
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-2000:]


@pytest.mark.slow  # ~30 s without mypy's cache (a fresh clone): too long for the fast set
def test_mypy_is_clean() -> None:
    proc = run("mypy")  # files, strictness per module: [tool.mypy] in pyproject.toml
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-2000:]


def _python_files(*folders: str) -> list[Path]:
    return sorted(p for folder in folders for p in (ROOT / folder).rglob("*.py") if "__pycache__" not in p.parts)


@pytest.mark.parametrize("path", _python_files("tests"), ids=lambda p: p.name)
def test_tests_do_not_import_each_other_or_conftest(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    # Helper modules (helpers.py, the web tests' _web_server.py) are shared on purpose; tests are not.
    local = {p.stem for p in (ROOT / "tests").glob("*.py") if p.stem.startswith("test_") or p.stem == "conftest"}
    for node in ast.walk(tree):
        names = (
            [a.name for a in node.names]
            if isinstance(node, ast.Import)
            else [node.module or ""]
            if isinstance(node, ast.ImportFrom)
            else []
        )
        for name in names:
            assert name.split(".")[0] not in local, f"{path.name} imports {name}: shared code goes in tests/helpers.py"
