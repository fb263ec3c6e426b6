"""The command line: the same engine, readable output, no tracebacks.

Commands that answer questions load the real model and the committed index: those tests are slow.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner, Result

from helpers import ROOT
from taixin_qa.cli import main


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


@pytest.mark.slow
def test_search_prints_attributed_passages():
    result = run("search", "谁说要当排头兵？", "--k", "2")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("[1] 裴耀军专访 第")
    assert "· 裴耀军（阳曲县委书记）" in result.output.splitlines()[0]
    assert "[3]" not in result.output


@pytest.mark.slow
def test_search_json_has_the_passage_fields():
    result = run("search", "万柏林区第一年计划投资多少？", "--json", "--k", "3")
    data = json.loads(result.output)
    assert data["found"] is True
    first = data["passages"][0]
    assert {"id", "text", "speaker", "role", "district", "headline", "score"} <= set(first)
    assert first["speaker"] == "杨俊民"


@pytest.mark.slow
def test_ask_answers_with_speaker_and_follow_up():
    result = run("ask", "那古交呢？", "--history", "万柏林区第一年计划完成多少投资？")
    assert result.exit_code == 0
    assert "（李卫平，古交市委书记）" in result.output
    assert "来源：" in result.output


@pytest.mark.slow
def test_ask_out_of_scope_says_so():
    result = run("ask", "明天太原会下雨吗？")
    assert result.exit_code == 0
    assert "没有涉及" in result.output and "来源" not in result.output


@pytest.mark.slow
def test_build_reports_up_to_date_without_work():
    result = run("build", "--quiet")
    assert result.exit_code == 0
    assert "up to date" in result.output


@pytest.mark.slow
def test_unknown_speaker_is_one_line_without_traceback():
    result = subprocess.run(
        [sys.executable, "-m", "taixin_qa.cli", "search", "目标", "--speaker", "张三"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("error: Unknown speaker '张三'")
    assert "Traceback" not in result.stderr


def test_missing_corpus_is_one_line_without_traceback(tmp_path):
    result = run("corpus", "check", "--corpus", str(tmp_path))
    assert result.exit_code == 2 and "no 'articles' folder" in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output + result.stderr
