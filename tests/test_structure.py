"""structure: questions about the page itself are answered exactly from the interview headers."""

from __future__ import annotations

import json

import pytest

from helpers import CORPUS, ROOT, FakeEncoder
from taixin_qa.build import build_index
from taixin_qa.corpus import load_corpus
from taixin_qa.engine import Engine
from taixin_qa.provenance import page_location
from taixin_qa.structure import PageStructure


@pytest.fixture(scope="module")
def page():
    return PageStructure(load_corpus(CORPUS))


def test_post_holder_is_read_from_the_subtitle_and_cited_to_it(page):
    ans = page.answer("阳曲县委书记叫啥")
    assert ans.short == "裴耀军"
    assert ans.missing is None
    [source] = ans.sources
    assert source.id == "pei-yaojun:subtitle" and source.kind == "header"
    assert source.text == "—访阳曲县委书记裴耀军"


def test_post_questions_in_everyday_wording(page):
    assert page.answer("六位受访的书记里，谁同时还担任副市长？").short == "卢俊峰"
    assert page.answer("在迎泽区当区委书记的是哪一位？").short == "李慧"
    assert page.answer("作为太忻经济区核心区的阳曲，县委书记叫什么名字？").short == "裴耀军"
    assert page.answer("作为核心区的阳曲要做什么？") is None
    date = page.answer("阳曲县委书记裴耀军接受本报专访，版面上说是什么时候？")
    assert date is not None and date.kind == "date"


def test_an_english_post_question_asks_which_district_a_secretary_heads(page):
    assert page.answer("Which district does Yang Junmin head?").short == "万柏林区委书记"
    assert page.answer("Which county is Pei Yaojun the party secretary of?").short == "阳曲县委书记"
    assert page.answer("What is Li Hui's job?").short == "迎泽区委书记"
    assert page.answer("Which district does Yang Junmin want to build into a hub?") is None  # a content question


def test_an_english_date_question_in_everyday_wording(page):
    ans = page.answer("On what date did Wanbolin's party secretary sit down with the paper for this interview?")
    assert ans is not None and ans.short == "12月13日"
    assert page.answer("What did Yang Junmin say to the paper?") is None


def test_the_six_places_and_the_count(page):
    places = page.answer("这个版面采访了哪几个区县的书记？")
    assert places.short.split("、") == ["尖草坪区", "迎泽区", "杏花岭区", "万柏林区", "阳曲县", "古交市"]
    assert len(places.sources) == 6
    assert page.answer("这版采访了几位书记？").short == "6位"
    assert page.answer("本版一共有几篇专访？").short == "6篇"


def test_reporters_from_the_bylines_and_an_unprinted_byline_is_missing(page):
    assert page.answer("谁采访了杨俊民？").short == "徐方伟"
    assert page.answer("记者徐方伟采访了谁？").short == "杨俊民、李卫平"
    ans = page.answer("李慧的专访是哪个记者采写的？")
    assert ans.short is None
    assert ans.missing == "版面没有印出李慧专访的记者署名"


def test_headlines_dates_and_posts_as_printed(page):
    assert page.answer("阳曲县那篇专访的标题是什么？").short == "当好太忻经济区建设排头兵"
    assert page.answer("李慧专访的标题是什么？").missing
    assert page.answer("杨俊民是哪天接受本报记者专访的？").short == "12月13日"
    undated = page.answer("裴耀军是哪天接受采访的？")
    assert undated.short is None and undated.missing == "版面没有印出裴耀军接受专访的具体日期"  # no day printed
    assert page.answer("裴耀军什么时候接受的采访？").short == "近日"  # when: the page's own word
    after = page.answer("李文权什么时候接受的采访？")  # '日前，…召开…大会…。会后，…接受了本报记者专访'
    assert after.short == "会后" and "只写“会后”" in after.lines[0][0]
    assert page.answer("卢俊峰有哪些职务？").short == "副市长、尖草坪区委书记、中北高新区党委书记"
    assert page.answer("陽曲縣的書記叫什麼？").short == "裴耀军"
    assert page.answer("Who is the party secretary of Gujiao?").short == "李卫平"
    assert page.answer("How many party secretaries were interviewed on this page?").short == "6位"


def test_several_named_secretaries_get_each_their_own_date_or_holder(page):
    both = page.answer("杨俊民和李卫平是哪天接受专访的？")
    assert both.short == "杨俊民：12月13日；李卫平：12月13日" and len(both.lines) == 2
    undated = page.answer("卢俊峰和裴耀军分别是什么时候接受本报专访的？")
    assert undated.short == "卢俊峰：近日；裴耀军：近日"
    assert undated.missing == "版面没有印出卢俊峰、裴耀军接受专访的具体日期"
    assert all("只写“近日”" in text for text, _ in undated.lines)  # what the page does say, cited
    assert page.answer("阳曲和古交的书记是谁？").short == "裴耀军、李卫平"
    assert page.answer("阳曲和古交的发展目标是什么？") is None  # a content question


def test_an_office_not_printed_for_a_place_on_the_page_is_stated_as_missing(page):
    ans = page.answer("阳曲县县长是谁？")
    assert ans.short is None
    assert ans.missing == "版面没有给出阳曲县县长的名字"


@pytest.mark.parametrize(
    "question",
    [
        "忻州市委书记是谁？",
        "太原市委书记是谁？",
        "晋中市委书记是谁？",  # places not on the page
        "谁说要当排头兵？",
        "哪些书记提到了“六个一”？",
        "哪位书记说服务业是本区的基础产业？",  # content questions
        "万柏林区第一年计划完成多少投资？",
        "阳曲县推进这项工作由谁挂帅当组长？",
        "红烧肉怎么做？",
        "李慧在哪里？",
        "卢俊峰还说了什么？",  # 在, 还 frame a question about the page only when nothing else is left
    ],
)
def test_questions_that_are_not_about_the_page_structure_are_left_to_search(page, question):
    assert page.answer(question) is None


def test_every_header_source_opens_on_the_original_page(page):
    corpus = load_corpus(CORPUS)
    for question in (
        "阳曲县委书记叫啥",
        "谁采访了杨俊民？",
        "阳曲县那篇专访的标题是什么？",
        "这个版面的总标题是什么？",
    ):
        for source in page.answer(question).sources:
            loc = page_location(corpus, source.id)
            assert loc.highlight, source.id
            assert source.text.replace(" ", "") in "".join(loc.page_lines[n - 1] for n in loc.highlight).replace(
                " ", ""
            )


def _rows(name):
    path = ROOT / "benchmarks" / "eval" / f"{name}.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_structure_evaluation_set_is_answered_exactly(page):
    wrong = []
    for row in _rows("structure"):
        ans = page.answer(row["question"])
        if row["refused"]:
            ok = ans is None
        elif row["missing"]:
            ok = ans is not None and ans.short is None and bool(ans.missing)
        elif row["items"]:
            ok = ans is not None and ans.short is not None and set(ans.short.split("、")) == set(row["items"])
        else:
            ok = ans is not None and ans.short == row["short"]
        if not ok:
            wrong.append(row["id"])
    assert wrong == []


def test_photo_questions_are_answered_from_the_captions_and_cited_to_them(page):
    ans = page.answer("古交那篇专访配的图片是什么项目？")
    assert ans.short == "古交风力发电项目"
    [source] = ans.sources
    assert source.id == "li-weiping-p09" and source.kind == "caption"
    assert "供图" in ans.lines[0][0]  # the credit is shown with the caption
    assert page.answer("版面上有哪些图片？").short is None and len(page.answer("版面上有哪些图片？").sources) == 3
    none = page.answer("阳曲的图片")
    assert none.short is None and none.missing == "版面上裴耀军专访没有配图片说明"
    # Content questions that only mention a picture word stay with the search.
    assert page.answer("谁要把市委的“作战图”变成本地的“施工图”？") is None
    assert page.answer("古交风电项目的图片说明里写了哪个单位供图？") is None


def test_a_question_about_the_page_is_answered_without_an_encoder_pass(tmp_path):
    build_index(CORPUS, tmp_path / "index", encoder=FakeEncoder(), progress=False)
    encoder = FakeEncoder()
    engine = Engine(CORPUS, tmp_path / "index", encoder=encoder, auto_build=False, progress=False).open()
    ans = engine.answer("阳曲县委书记叫啥")
    assert ans.short == "裴耀军" and ans.sentences[0].passage.kind == "header"
    assert encoder.query_texts == [] and encoder.sparse_texts == []  # read from the headers alone
    engine.answer("阳曲县的发展目标是什么？")
    assert encoder.query_texts  # an ordinary question is still searched
