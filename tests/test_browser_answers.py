"""Answers in a real browser (Debian's chromium via Playwright): the direct answer in bold, and the first
citation opening the original page with its lines highlighted.

Elements are found by what they show and link to (a bold list, a link to ``page/<passage id>``),
not by layout, so a restyled chat still passes when it still does the job.
"""

from __future__ import annotations

from urllib.parse import urljoin

import pytest

from helpers import CORPUS
from taixin_qa.corpus import load_corpus
from taixin_qa.provenance import page_location

pytestmark = [pytest.mark.slow, pytest.mark.browser]

ANSWER_TIMEOUT_MS = 120_000
REPLY = "#tx-chat .tx-reply:not(.tx-pending)"
EXAMPLE = "迎泽区要打造哪五大融合载体？"
FIVE_CARRIERS = "核心区、承载区、集聚区、引领区、休闲区"


@pytest.fixture
def context(browser):
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    yield ctx
    ctx.close()


def ask_example(page) -> object:
    """Click the example button (or type the question when no such button is shown) and wait for the reply."""
    before = page.locator(REPLY).count()
    button = page.get_by_role("button", name=EXAMPLE)
    if button.count():
        button.first.click()
    else:
        box = page.locator("#tx-question textarea")
        box.fill(EXAMPLE)
        box.press("Enter")
    page.wait_for_function(f"document.querySelectorAll('{REPLY}').length > {before}", timeout=ANSWER_TIMEOUT_MS)
    return page.locator(REPLY).nth(before)


def test_example_answer_leads_with_the_five_carriers_in_bold_and_its_citation_opens_the_page(context, app_url):
    page = context.new_page()
    page.goto(app_url, wait_until="domcontentloaded")
    page.wait_for_selector("#tx-question textarea", timeout=60_000)
    reply = ask_example(page)

    bold = [t.strip() for t in reply.locator("strong, b").all_inner_texts()]
    assert FIVE_CARRIERS in bold, bold
    text = reply.inner_text()
    assert text.index(FIVE_CARRIERS) < text.index("李慧")  # the fact first, then who said it
    assert "[1]" in text

    # The first cited source links to its place on the original page.
    links = reply.locator("a[href*='page/']")
    assert links.count() >= 1
    href = links.first.get_attribute("href")
    passage_id = href.rstrip("/").split("page/", 1)[1].split("#")[0]
    expected = page_location(load_corpus(CORPUS), passage_id)
    assert expected.highlight

    original = context.new_page()
    original.goto(urljoin(page.url, href), wait_until="load")
    marked = original.locator(".hl")
    assert marked.count() == len(expected.highlight)
    ids = [marked.nth(i).get_attribute("id") for i in range(marked.count())]
    assert ids == [f"L{n}" for n in sorted(expected.highlight)]
    shown = "".join(marked.all_inner_texts())
    assert "五大融合载体" in shown or FIVE_CARRIERS.split("、")[0] in shown
    # Scrolled to the first highlighted line: it is inside the window.
    box = marked.first.bounding_box()
    assert box is not None and 0 <= box["y"] < original.viewport_size["height"]
