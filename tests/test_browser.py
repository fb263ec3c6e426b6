"""The chat in a real browser: Debian's chromium driven by Playwright (never a downloaded browser).

Needs ``apt-get install chromium fonts-noto-cjk``. Without /usr/bin/chromium
the tests skip, except under CI=true, where they fail. The first test saves
docs/screenshot.png.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.browser]

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[1]
SCREENSHOT = ROOT / "docs" / "screenshot.png"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ANSWER_TIMEOUT_MS = 120_000


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (CI=true: the browser tests must run; apt-get install chromium fonts-noto-cjk)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} not found: apt-get install chromium fonts-noto-cjk to run the browser tests")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed: pip install -e '.[test]'")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def app_url():
    from _web_server import start_app

    server = start_app()
    yield server.url
    server.stop()


@pytest.fixture
def page(browser, app_url):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    pg = context.new_page()
    pg.dialogs = []  # type: ignore[attr-defined]
    pg.on("dialog", lambda d: (pg.dialogs.append(d.message), d.dismiss()))  # type: ignore[attr-defined]
    pg.goto(app_url, wait_until="domcontentloaded")
    pg.wait_for_selector("#tx-question textarea", timeout=60_000)
    yield pg
    context.close()


def ask(page, question: str):
    """Type a question, press Enter, wait for the reply; returns the reply's locator."""
    before = page.locator("#tx-chat .tx-reply").count()
    box = page.locator("#tx-question textarea")
    box.fill(question)
    box.press("Enter")
    page.wait_for_function(f"document.querySelectorAll('#tx-chat .tx-reply').length > {before}",
                           timeout=ANSWER_TIMEOUT_MS)
    return page.locator("#tx-chat .tx-reply").nth(before)


def test_answer_names_the_speaker_and_shows_sources(page):
    reply = ask(page, "阳曲县的发展目标是什么？")
    assert "裴耀军" in reply.locator(".tx-answer").inner_text()
    assert "裴耀军" in page.locator("#tx-chat").inner_text()
    sources = reply.locator("details.tx-source")
    assert sources.count() >= 1
    assert reply.locator("mark").count() >= 1  # the question's words are highlighted in the sources
    sources.first.locator("summary").click()
    page.wait_for_function("document.querySelector('#tx-chat details.tx-source').open")
    assert sources.first.locator(".tx-text").is_visible()
    page.wait_for_timeout(300)
    SCREENSHOT.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=True)


def test_follow_up_question_uses_the_conversation(page):
    first = ask(page, "万柏林区第一年计划完成多少投资？")
    assert first.locator(".tx-who").count() >= 1
    reply = ask(page, "那古交呢？")
    assert "李卫平" in reply.locator(".tx-who").first.inner_text()


def test_not_covered_question_has_no_sources(page):
    reply = ask(page, "明天太原会下雨吗？")
    assert "没有涉及" in reply.inner_text()
    assert reply.locator("details").count() == 0


def test_user_html_is_shown_as_text_and_never_runs(page):
    evil = '<img src=x onerror="window.__pwned=1">'
    ask(page, evil)
    ask(page, "<script>window.__pwned=2; alert(1)</script>")
    page.wait_for_timeout(500)
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.dialogs == []  # type: ignore[attr-defined]
    chat = page.locator("#tx-chat")
    assert chat.locator("img[onerror], img[src='x'], script").count() == 0
    text = chat.inner_text()
    assert evil in text and "<script>window.__pwned=2; alert(1)</script>" in text


def test_example_button_asks_the_question(page):
    before = page.locator("#tx-chat .tx-reply").count()
    page.locator("#tx-examples button", has_text="谁说要当排头兵？").click()
    page.wait_for_function(f"document.querySelectorAll('#tx-chat .tx-reply').length > {before}",
                           timeout=ANSWER_TIMEOUT_MS)
    assert "谁说要当排头兵？" in page.locator("#tx-chat").inner_text()
