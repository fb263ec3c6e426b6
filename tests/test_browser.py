"""The chat in a real browser: Debian's chromium driven by Playwright (never a downloaded browser).

Needs ``apt-get install chromium fonts-noto-cjk``; the ``browser`` fixture
(conftest.py) skips without /usr/bin/chromium, except under CI=true, where it
fails. The first test saves docs/screenshot.png. The server here runs with
``--feedback``, so the vote buttons are on.
"""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.browser]

ROOT = Path(__file__).resolve().parents[1]
SCREENSHOT = ROOT / "docs" / "screenshot.png"
ANSWER_TIMEOUT_MS = 120_000
DONE = "#tx-chat .tx-reply:not(.tx-pending)"


@pytest.fixture(scope="module")
def votes(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("feedback") / "votes.jsonl"


@pytest.fixture(scope="module")
def app_url(votes):
    from _web_server import start_app

    server = start_app("--feedback", str(votes))  # the operator turned votes on
    yield server.url
    server.stop()


def open_page(browser, url, width=1280, height=900, **kw):
    context = browser.new_context(viewport={"width": width, "height": height}, locale="en-US", **kw)
    pg = context.new_page()
    pg.dialogs = []
    pg.on("dialog", lambda d: (pg.dialogs.append(d.message), d.dismiss()))
    pg.goto(url, wait_until="domcontentloaded")
    pg.wait_for_selector("#tx-question textarea", timeout=60_000)
    return context, pg


@pytest.fixture
def page(browser, app_url):
    context, pg = open_page(browser, app_url, permissions=["clipboard-read", "clipboard-write"])
    yield pg
    context.close()


def ask(page, question: str):
    """Type a question, press Enter, wait for the reply; returns the reply's locator."""
    before = page.locator(DONE).count()
    box = page.locator("#tx-question textarea")
    box.fill(question)
    box.press("Enter")
    page.wait_for_function(f"document.querySelectorAll('{DONE}').length > {before}", timeout=ANSWER_TIMEOUT_MS)
    return page.locator(DONE).nth(before)


def test_answer_names_the_speaker_and_shows_sources(page):
    reply = ask(page, "阳曲县的发展目标是什么？")
    assert "裴耀军" in reply.locator(".tx-answer").inner_text()
    sources = reply.locator("details.tx-source")
    assert sources.count() >= 1 and "裴耀军专访 第" in sources.first.inner_text()
    reply.locator(".tx-cite").first.click()  # the [1] marker opens its source
    page.wait_for_function("document.querySelector('#tx-chat details.tx-source').open")
    assert sources.first.locator(".tx-quoted").count() == 1
    page.wait_for_timeout(300)
    SCREENSHOT.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOT))


def test_page_is_chinese_for_people_and_screen_readers(page):
    assert page.evaluate("document.documentElement.lang") == "zh-CN"
    assert page.title() == "太忻经济区 · 书记访谈问答"
    ask(page, "谁说要当排头兵？")
    labels = page.evaluate(
        "Array.from(document.querySelectorAll('#tx-chat [aria-label]')).map(e => e.getAttribute('aria-label'))"
    )
    assert any(label.startswith("回答：") for label in labels)
    assert not any("<div" in label or "message:" in label or "**" in label for label in labels), labels
    titles = page.evaluate("Array.from(document.querySelectorAll('#tx-chat [title]')).map(e => e.title)")
    assert not any(t in ("Clear", "Like", "Dislike", "Copy") for t in titles), titles


def test_question_shows_before_its_answer_and_typing_meanwhile_is_kept(page):
    question = "迎泽区要打造哪五大融合载体？"
    # Record what the chat showed the moment the placeholder appeared, however short that moment is.
    page.evaluate(
        """(q) => new MutationObserver((_, observer) => {
        const chat = document.querySelector('#tx-chat');
        if (!chat.querySelector('.tx-pending')) return;
        window.__pending = {question: chat.innerText.includes(q),
                            answers: chat.querySelectorAll('.tx-reply:not(.tx-pending)').length};
        observer.disconnect();
    }).observe(document.querySelector('#tx-chat'), {childList: true, subtree: true})""",
        question,
    )
    box = page.locator("#tx-question textarea")
    box.fill(question)
    box.press("Enter")
    page.wait_for_function("window.__pending !== undefined", timeout=ANSWER_TIMEOUT_MS)
    box.fill("那古交呢？")  # typed once the question shows, while its answer may still be coming
    page.wait_for_selector(DONE, timeout=ANSWER_TIMEOUT_MS)
    page.wait_for_timeout(300)
    assert page.evaluate("window.__pending") == {"question": True, "answers": 0}
    assert box.input_value() == "那古交呢？"


def test_last_reply_is_in_view_after_three_questions(page):
    for q in ("万柏林区第一年计划完成多少投资？", "那古交呢？", "迎泽区要打造哪五大融合载体？"):
        ask(page, q)
    page.wait_for_timeout(500)
    visible = page.evaluate("""() => {
        const replies = document.querySelectorAll('#tx-chat .tx-reply');
        const last = replies[replies.length - 1].getBoundingClientRect();
        let box = replies[replies.length - 1].parentElement;
        while (box && !(getComputedStyle(box).overflowY.match(/auto|scroll/) && box.scrollHeight > box.clientHeight))
            box = box.parentElement;
        const view = box.getBoundingClientRect();
        return last.top >= view.top - 1 && last.top < view.bottom - 40;
    }""")
    assert visible


def test_copy_gives_plain_text(page):
    reply = ask(page, "万柏林区第一年计划完成多少投资？")
    reply.locator(".tx-copy").click()
    page.wait_for_timeout(300)
    text = page.evaluate("navigator.clipboard.readText()")
    assert "<" not in text and "杨俊民" in text and "出处：" in text and "yang-junmin-p" in text


def test_reload_keeps_the_conversation_in_the_browser(page):
    ask(page, "阳曲县的发展目标是什么？")
    page.reload(wait_until="domcontentloaded")
    page.wait_for_selector(DONE, timeout=60_000)
    assert "阳曲县的发展目标是什么？" in page.locator("#tx-chat").inner_text()
    assert "裴耀军" in page.locator(DONE).last.inner_text()
    reply = ask(page, "他还说了什么？")  # the restored conversation is the follow-up's context
    assert reply.inner_text()


def test_export_downloads_markdown_with_citations(page):
    ask(page, "万柏林区第一年计划完成多少投资？")
    with page.expect_download() as info:
        page.locator("#tx-export").click()
    text = Path(info.value.path()).read_text(encoding="utf-8")
    assert text.startswith("# ") and "**问：** 万柏林区第一年计划完成多少投资？" in text
    assert "[1] 杨俊民专访 第" in text


def test_user_html_is_shown_as_text_and_never_runs(page):
    evil = '<img src=x onerror="window.__pwned=1">'
    ask(page, evil)
    ask(page, "<script>window.__pwned=2; alert(1)</script>")
    page.wait_for_timeout(500)
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.dialogs == []
    chat = page.locator("#tx-chat")
    assert chat.locator("img[onerror], img[src='x'], script").count() == 0
    assert evil in chat.inner_text()


def test_phone_can_reach_the_filters_and_sees_them_as_chips(browser, app_url):
    context, pg = open_page(browser, app_url, width=390, height=844, is_mobile=True, has_touch=True)
    try:
        masthead = pg.locator("#tx-masthead").bounding_box()
        assert masthead["height"] < 0.15 * 844
        box = pg.locator("#tx-question textarea").bounding_box()
        send = pg.locator("#tx-send").bounding_box()
        assert box["y"] + box["height"] <= 844 and send["x"] + send["width"] <= 390
        assert pg.evaluate("document.documentElement.scrollWidth") <= 390  # nothing sticks out sideways
        pg.locator("#tx-filters").get_by_text("筛选").click()
        pg.locator("#tx-speaker input").click()
        pg.get_by_role("option", name="裴耀军（阳曲县）").click()
        pg.wait_for_function("document.querySelector('#tx-chips').innerText.includes('受访者：裴耀军')")
        chips = pg.locator("#tx-chips").bounding_box()
        assert chips["y"] < 844 * 1.5  # right by the input, not 1,200 px down the page
    finally:
        context.close()


def test_original_page_view_highlights_the_cited_lines(browser, app_url):
    context, pg = open_page(browser, app_url)
    try:
        reply = ask(pg, "迎泽区要打造哪五大融合载体？")
        reply.locator("details.tx-source summary").first.click()
        with context.expect_page() as info:
            reply.locator(".tx-links a", has_text="原版面位置").first.click()
        view = info.value
        view.wait_for_load_state()
        assert view.locator("li.hl").count() >= 1
        first = view.locator("li.hl").first.bounding_box()
        assert 0 <= first["y"] < view.viewport_size["height"]
    finally:
        context.close()


def test_a_follow_up_says_how_it_was_understood_and_can_be_asked_alone(page):
    ask(page, "万柏林区第一年计划完成多少投资？")
    reply = ask(page, "那古交呢？")
    assert "按上一问理解为：" in reply.inner_text()
    before = page.locator(DONE).count()
    reply.locator(".tx-alone").click()
    page.wait_for_function(f"document.querySelectorAll('{DONE}').length > {before}", timeout=ANSWER_TIMEOUT_MS)
    alone = page.locator(DONE).nth(before)
    assert "按上一问理解为" not in alone.inner_text()
    assert page.locator("#tx-chat").inner_text().count("那古交呢？") == 2


def test_a_vote_appends_one_line_to_the_operators_file(page, votes):
    import json

    reply = ask(page, "谁说要当排头兵？")
    assert reply.is_visible()
    before = votes.read_text(encoding="utf-8").count("\n") if votes.exists() else 0
    page.locator("#tx-chat button[aria-label='没用']").last.click()
    for _ in range(50):
        if votes.exists() and votes.read_text(encoding="utf-8").count("\n") > before:
            break
        page.wait_for_timeout(100)
    line = json.loads(votes.read_text(encoding="utf-8").splitlines()[-1])
    assert line["vote"] == "down" and line["question"] == "谁说要当排头兵？" and line["answer_ids"]
