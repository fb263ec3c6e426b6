"""Fixtures: a fake encoder that counts its work, a copy of the corpus to edit or damage, the web server
and a headless browser.

Shared helpers live in helpers.py; tests import them from there, not from this file.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from _web_server import AppServer, start_app
from helpers import CORPUS, FakeEncoder


@pytest.fixture
def fake_encoder() -> FakeEncoder:
    return FakeEncoder()


@pytest.fixture
def corpus_copy(tmp_path: Path) -> Path:
    """A private copy of the shipped corpus, safe to edit or damage."""
    target = tmp_path / "corpus"
    shutil.copytree(CORPUS, target)
    return target


# -- the web tests: the real server and a headless browser ------------------------------------

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _browser_unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (CI=true: the browser tests must run; apt-get install chromium fonts-noto-cjk)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def app_server() -> Iterator[AppServer]:
    """``python app.py`` on a free port with its defaults, one per test module; stopped afterwards."""
    server = start_app()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def app_url(app_server: AppServer) -> str:
    """The address of :func:`app_server` (a module may override it with a differently started server)."""
    return app_server.url


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Debian's chromium through Playwright, headless; skipped where it is missing (failed under CI=true)."""
    if not CHROMIUM.exists():
        _browser_unavailable(f"{CHROMIUM} not found: apt-get install chromium fonts-noto-cjk to run the browser tests")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _browser_unavailable("playwright is not installed: pip install -e '.[test]'")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()
