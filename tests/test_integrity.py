"""`taixin-qa corpus check`: every page character exactly once, nothing else."""

from __future__ import annotations

from click.testing import CliRunner

from helpers import CORPUS, interview_file
from taixin_qa.cli import main
from taixin_qa.integrity import check_corpus


def _edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_shipped_corpus_holds_the_whole_page_exactly_once():
    report = check_corpus(CORPUS)
    assert report.ok, report.summary()
    assert report.page_lines == 64
    assert report.characters == 5590


def test_missing_paragraph_is_named(corpus_copy):
    path = interview_file(corpus_copy, "li-weiping")
    _edit(path, "三是坚持生态产业化、产业生态化，在生态修复过程中植入文旅、康养等项目。\n\n", "")
    report = check_corpus(corpus_copy)
    assert not report.ok
    assert len(report.problems) == 1
    assert "line 112: missing: «三是坚持生态产业化" in report.problems[0]


def test_duplicated_paragraph_is_named_with_both_places(corpus_copy):
    path = interview_file(corpus_copy, "li-hui")
    line = "三是坚持生态产业化、产业生态化，在生态修复过程中植入文旅、康养等项目。"
    path.write_text(path.read_text(encoding="utf-8") + f"\n{line}\n", encoding="utf-8")
    report = check_corpus(corpus_copy)
    assert len(report.problems) == 1
    problem = report.problems[0]
    assert "02-li-hui.md, paragraph 9" in problem and "duplicated" in problem
    assert "06-li-weiping.md" in problem


def test_altered_paragraph_is_named(corpus_copy):
    path = interview_file(corpus_copy, "yang-junmin")
    _edit(path, "力争起步第一步一年完成300亿元投资", "力争起步第一步一年完成500亿元投资")
    report = check_corpus(corpus_copy)
    assert any("04-yang-junmin.md, paragraph 8" in p and "altered or not on the page" in p for p in report.problems)
    # The original line is then unused, so it is reported missing too.
    assert any("line 94: missing" in p for p in report.problems)


def test_invented_text_is_rejected_but_notes_are_not_page_text(corpus_copy):
    path = interview_file(corpus_copy, "li-wenquan")
    path.write_text(path.read_text(encoding="utf-8") + "\n@note 我们自己的说明可以写在这里。\n", encoding="utf-8")
    assert check_corpus(corpus_copy).ok
    path.write_text(path.read_text(encoding="utf-8") + "\n一是加快发展现代服务业。\n", encoding="utf-8")
    report = check_corpus(corpus_copy)
    assert [p for p in report.problems if "03-li-wenquan.md, paragraph 4" in p and "not on the page" in p]


def test_edited_verbatim_page_is_caught(corpus_copy):
    page = corpus_copy / "source" / "taixin-page.txt"
    page.write_text(page.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    report = check_corpus(corpus_copy)
    assert any("the verbatim page has changed" in p for p in report.problems)


def test_cli_check_passes_and_fails_with_exit_codes(corpus_copy):
    runner = CliRunner()
    ok = runner.invoke(main, ["corpus", "check", "--corpus", str(corpus_copy)])
    assert ok.exit_code == 0 and "passed" in ok.output
    _edit(interview_file(corpus_copy, "pei-yaojun"), "记者 李杰华", "记者 李华")
    bad = runner.invoke(main, ["corpus", "check", "--corpus", str(corpus_copy)])
    assert bad.exit_code == 1
    assert "05-pei-yaojun.md (byline)" in bad.output
    assert "Traceback" not in bad.output
