"""The reconstructed interviews: loading, attribution decisions, and malformed files."""

from __future__ import annotations

import pytest

from helpers import CORPUS, interview_file
from taixin_qa.corpus import load_corpus
from taixin_qa.errors import TaixinError


@pytest.fixture(scope="module")
def corpus():
    return load_corpus(CORPUS)


def test_six_interviews_with_their_speakers_posts_and_districts(corpus):
    found = {iv.speaker: (iv.role, iv.district) for iv in corpus.interviews}
    assert found == {
        "卢俊峰": ("副市长、尖草坪区委书记、中北高新区党委书记", "尖草坪区、中北高新区"),
        "李慧": ("迎泽区委书记", "迎泽区"),
        "李文权": ("杏花岭区委书记", "杏花岭区"),
        "杨俊民": ("万柏林区委书记", "万柏林区"),
        "裴耀军": ("阳曲县委书记", "阳曲县"),
        "李卫平": ("古交市委书记", "古交市"),
    }


def test_page_title_and_subtitle_are_article_metadata(corpus):
    article = corpus.articles[0]
    assert article.title == "聚焦“一群两区”建设 全方位推动高质量发展"
    assert article.subtitle == "—县(市、区)委书记谈太忻经济区建设"


def test_paragraphs_cut_at_column_breaks_are_rejoined(corpus):
    yang = corpus.interview("yang-junmin")
    texts = [p.text for p in yang.body]
    assert any(t.endswith("“1+3+3”模式全面发力太忻经济区建设。") for t in texts)
    assert any("接受本报记者专访时表示。" in t for t in texts)
    li = corpus.interview("li-weiping")
    assert any("全面开启古交“二次创业”" in p.text for p in li.body)


def test_paragraphs_standing_in_another_interview_are_moved_to_their_speaker(corpus):
    # The 阳曲 interview is printed inside the 万柏林 one; the three
    # "要…" paragraphs printed after 李文权's lead belong to 卢俊峰.
    pei = [p.text for p in corpus.interview("pei-yaojun").body]
    assert pei[0].startswith("“建设太忻经济区，对于阳曲来讲")
    assert len(pei) == 6
    lu = [p.text for p in corpus.interview("lu-junfeng").body]
    assert any(t.startswith("要精准谋划，全员上阵。") for t in lu)
    assert lu[-1].startswith("卢俊峰说：“我们要大干快上")
    assert not any("要精准谋划" in p.text for p in corpus.interview("li-wenquan").body)


def test_captions_are_kept_with_credit_and_interview(corpus):
    captions = {
        p.text: (p.credit, p.interview_id) for iv in corpus.interviews for p in iv.paragraphs if p.kind == "caption"
    }
    assert captions == {
        "奥特莱斯落户三给片区。": (None, "lu-junfeng"),
        "迎泽区高标准推进智慧产业园建设。": ("(迎泽区新闻中心提供)", "li-hui"),
        "古交风力发电项目": ("(古交市新时代文明实践中心供图)", "li-weiping"),
    }


def test_gaps_and_uncertainties_are_recorded_not_filled(corpus):
    li_wenquan = corpus.interview("li-wenquan")
    assert li_wenquan.headline_uncertain
    assert any("五个方面" in n.text for n in li_wenquan.inline_notes)
    assert corpus.interview("li-hui").headline is None
    lu = corpus.interview("lu-junfeng")
    cut = next(p for p in lu.body if p.text.endswith("科教"))
    assert any(n.after == cut.index for n in lu.inline_notes)


def test_bylines_and_dates_as_printed(corpus):
    assert corpus.interview("lu-junfeng").byline == "记者 王勇 文/摄"
    assert corpus.interview("pei-yaojun").byline == "记者 李杰华"
    assert corpus.interview("yang-junmin").date == "12月13日"
    assert corpus.interview("li-hui").byline is None


def _replace(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_bad_yaml_header_names_file_and_line(corpus_copy):
    path = interview_file(corpus_copy, "pei-yaojun")
    _replace(path, "posts: [阳曲县委书记]", "posts: [阳曲县委书记")
    with pytest.raises(TaixinError) as err:
        load_corpus(corpus_copy)
    assert path.name in str(err.value) and "line" in str(err.value)


def test_missing_speaker_is_reported(corpus_copy):
    path = interview_file(corpus_copy, "pei-yaojun")
    _replace(path, "speaker: 裴耀军\n", "")
    with pytest.raises(TaixinError, match=r"05-pei-yaojun.md, line 2: the required field 'speaker'"):
        load_corpus(corpus_copy)


def test_unknown_field_is_reported_with_its_line(corpus_copy):
    path = interview_file(corpus_copy, "li-hui")
    _replace(path, "speaker: 李慧\n", "speaker: 李慧\nspeeker: 李慧\n")
    with pytest.raises(TaixinError, match=r"02-li-hui.md, line 4: unknown field 'speeker'"):
        load_corpus(corpus_copy)


def test_duplicate_interview_id_is_reported(corpus_copy):
    path = interview_file(corpus_copy, "li-hui")
    _replace(path, "id: li-hui", "id: pei-yaojun")
    with pytest.raises(TaixinError, match="duplicate interview id 'pei-yaojun'"):
        load_corpus(corpus_copy)


def test_invalid_utf8_is_reported_with_line(corpus_copy):
    path = interview_file(corpus_copy, "li-hui")
    path.write_bytes(path.read_bytes() + b"\n\xff\xfe broken\n")
    with pytest.raises(TaixinError, match=r"02-li-hui.md, line \d+: the file is not valid UTF-8"):
        load_corpus(corpus_copy)


def test_header_without_closing_line_is_reported(corpus_copy):
    path = interview_file(corpus_copy, "li-hui")
    head, body = path.read_text(encoding="utf-8").split("\n---\n", 1)
    path.write_text(head + "\n" + body, encoding="utf-8")  # the closing '---' is gone
    with pytest.raises(TaixinError, match="02-li-hui.md, line 1: the header opened with '---' is never closed"):
        load_corpus(corpus_copy)


def test_unknown_block_marker_is_reported(corpus_copy):
    path = interview_file(corpus_copy, "li-hui")
    path.write_text(path.read_text(encoding="utf-8") + "\n@photo 某图\n", encoding="utf-8")
    with pytest.raises(TaixinError, match="unknown marker '@photo'"):
        load_corpus(corpus_copy)
