"""provenance: a passage's lines on the verbatim page, and the notes that concern it."""

from __future__ import annotations

import pytest

from helpers import CORPUS
from taixin_qa.corpus import load_corpus
from taixin_qa.errors import TaixinError
from taixin_qa.integrity import squash
from taixin_qa.provenance import header_location, page_location


@pytest.fixture(scope="module")
def corpus():
    return load_corpus(CORPUS)


def test_every_passage_is_exactly_its_highlighted_page_lines(corpus):
    for iv in corpus.interviews:
        for p in iv.paragraphs:
            loc = page_location(corpus, p.id)
            joined = "".join(squash(loc.page_lines[n - 1]) for n in loc.highlight)
            expected = squash(p.text + (p.credit or ""))
            assert joined == expected, p.id


def test_paragraph_rejoined_across_a_column_break_highlights_both_far_apart_lines(corpus):
    loc = page_location(corpus, "yang-junmin-p04")
    assert loc.label == "杨俊民专访 第4段"
    assert loc.highlight == (70, 86)
    assert loc.rejoined
    assert loc.page_lines[85].strip() == "经济区建设。"
    assert loc.first_line == 70


def test_labels_count_paragraphs_as_a_reader_does_captions_apart(corpus):
    assert page_location(corpus, "lu-junfeng-p01").label == "卢俊峰专访 图片说明"
    assert page_location(corpus, "lu-junfeng-p02").label == "卢俊峰专访 第1段"
    assert page_location(corpus, "lu-junfeng-p02").paragraph == 1
    assert page_location(corpus, "pei-yaojun-p03").label == "裴耀军专访 第3段"


def test_notes_that_touch_a_paragraph_come_with_it(corpus):
    broken = page_location(corpus, "lu-junfeng-p03")  # ends at "科教"
    assert any(n.startswith("原文在此中断") for n in broken.notes)  # the @note block after it
    assert any("第2段在“科教”处中断" in n for n in broken.notes)  # the header note naming 第2段
    following = page_location(corpus, "lu-junfeng-p04")  # starts without a head
    assert any(n.startswith("原文在此中断") for n in following.notes)
    lost_word = page_location(corpus, "li-weiping-p07")
    assert any("大干快上" in n for n in lost_word.notes)
    caption = page_location(corpus, "lu-junfeng-p01")
    assert any("奥特莱斯落户三给片区" in n for n in caption.notes)
    plain = page_location(corpus, "li-hui-p03")
    assert plain.notes == ()
    assert any("记者署名不在版面上" in n for n in plain.interview_notes)


def test_excerpt_marks_the_highlighted_lines_among_their_neighbours(corpus):
    loc = page_location(corpus, "pei-yaojun-p03")
    rows = loc.excerpt(context=2)
    assert [n for n, _, marked in rows if marked] == [76]
    assert all(text.strip() for _, text, _ in rows)
    assert loc.to_dict()["first_line"] == 76


def test_header_lines_of_bylines_and_headlines(corpus):
    byline = header_location(corpus, "pei-yaojun", "byline")
    assert len(byline) == 1
    headline = header_location(corpus, "li-hui", "headline")
    assert headline == ()


def test_unknown_passage_id_is_a_clear_error(corpus):
    with pytest.raises(TaixinError, match="pei-yaojun-p03"):
        page_location(corpus, "nobody-p01")
