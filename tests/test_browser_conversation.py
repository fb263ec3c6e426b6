"""A conversation in a real browser: off-page questions are refused after on-page ones, and the
example button answers the same whatever came before.

Debian's chromium driven by Playwright (never a downloaded browser); skipped when /usr/bin/chromium
is missing, except under CI=true. Elements are found by role, placeholder and accessible label
(the screen-reader text "回答：…" each finished reply carries), not by layout classes.
"""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.browser]

ANSWER_TIMEOUT_MS = 120_000
NOT_COVERED = "本版面没有涉及这个问题"
# Finished replies: their accessible label is "回答：<text>"; a pending one says "回答：查找中".
REPLIES_JS = """() => Array.from(document.querySelectorAll('[aria-label^="回答："]'))
    .map(e => e.getAttribute('aria-label')).filter(l => l !== '回答：查找中')"""


@pytest.fixture
def page(browser, app_url):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    pg = context.new_page()
    pg.goto(app_url, wait_until="domcontentloaded")
    question_box(pg).wait_for(timeout=60_000)
    yield pg
    context.close()


def question_box(page):
    box = page.get_by_placeholder("输入问题，按回车提问")
    return box if box.count() else page.locator("textarea").first


def replies(page) -> list[str]:
    return page.evaluate(REPLIES_JS)


def wait_for_reply(page, before: int) -> str:
    page.wait_for_function(f"({REPLIES_JS})().length > {before}", timeout=ANSWER_TIMEOUT_MS)
    return replies(page)[before]


def ask(page, question: str) -> str:
    """Type a question, press Enter; the text of its reply."""
    before = len(replies(page))
    box = question_box(page)
    box.fill(question)
    box.press("Enter")
    return wait_for_reply(page, before)


def test_off_page_question_after_two_on_page_ones_is_refused(page):
    first = ask(page, "万柏林区起步第一年计划完成多少投资？")
    assert "杨俊民" in first and NOT_COVERED not in first
    second = ask(page, "那古交呢？")
    assert "古交" in second and NOT_COVERED not in second
    third = ask(page, "红烧肉怎么做？")
    assert NOT_COVERED in third
    assert "李卫平" not in third and "杨俊民" not in third


def test_example_button_answers_pei_yaojun_whatever_came_before(page):
    for q in ("万柏林区起步第一年计划完成多少投资？", "那古交呢？"):
        ask(page, q)
    before = len(replies(page))
    page.get_by_role("button", name="谁说要当排头兵？").first.click()
    reply = wait_for_reply(page, before)
    assert "裴耀军" in reply and "李卫平" not in reply and "按上一问理解为" not in reply
