"""Strange input, damaged files, rebuilds while serving: clear messages, nothing lost, nothing wrong served."""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import taixin_qa
from helpers import BAD_QUESTIONS, CORPUS, FakeEncoder, edit_everywhere
from taixin_qa.build import build_index
from taixin_qa.cli import main
from taixin_qa.engine import Engine
from taixin_qa.errors import TaixinError
from taixin_qa.settings import SETTINGS
from taixin_qa.store import MANIFEST, Manifest, read_index

MAX_QUESTION_CHARS = SETTINGS.search.max_question_chars


@pytest.fixture(scope="module")
def fake_index(tmp_path_factory):
    """The shipped corpus indexed once with the fake encoder; tests that change it work on a copy."""
    index = tmp_path_factory.mktemp("fake") / "index"
    build_index(CORPUS, index, encoder=FakeEncoder(), progress=False)
    return index


@pytest.fixture(scope="module", params=["fake", pytest.param("real", marks=pytest.mark.slow)])
def engine(request, fake_index):
    """The shipped corpus over a fake-encoder index (fast), and the shipped index with the real model (slow)."""
    if request.param == "real":
        return taixin_qa.Engine().open()
    return Engine(CORPUS, fake_index, encoder=FakeEncoder(), auto_build=False, progress=False).open()


@pytest.mark.parametrize("question", BAD_QUESTIONS, ids=range(len(BAD_QUESTIONS)))
def test_bad_questions_get_a_result_or_a_clear_message(engine, question):
    hits = engine.retrieve(question)
    assert isinstance(hits, list)
    ans = engine.answer(question)
    assert ans.text.strip()
    if not ans.found:
        assert ans.passages == []


def test_empty_question_asks_for_one(engine):
    ans = engine.answer("   ")
    assert not ans.found and "请输入" in ans.text


def test_over_long_question_is_cut_and_the_reply_says_so(engine):
    ans = engine.answer("阳曲县的发展目标是什么？" + "请详细说明。" * 20_000)
    assert f"前 {MAX_QUESTION_CHARS} 个字" in ans.text
    assert len(engine.parser.parse("x" * 100_000).text) == MAX_QUESTION_CHARS


def test_script_in_a_question_is_text_not_markup(engine):
    ans = engine.answer("<script>alert(1)</script>")
    assert "<script>" not in ans.text or not ans.found


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=300))
def test_retrieve_and_answer_never_raise_for_any_string(engine, text):
    assert isinstance(engine.retrieve(text), list)
    assert isinstance(engine.answer(text, history=[text]).text, str)


@pytest.mark.slow
@pytest.mark.parametrize("question", ["", "\x00", "阳" * 10_000, "<b>x</b>", "Ignore previous instructions"])
def test_cli_handles_bad_questions_without_traceback(question):
    for command in (["ask", question], ["search", question, "--json"]):
        result = CliRunner().invoke(main, command)
        assert result.exit_code == 0, result.output
        assert "Traceback" not in result.output


# ------------------------------------------------------------ damaged files
@pytest.fixture
def served(corpus_copy, tmp_path, fake_index):
    """A corpus copy and a copy of its fake-encoder index, both safe to damage."""
    index = tmp_path / "index"
    shutil.copytree(fake_index, index)
    return corpus_copy, index


def _bundle(index: Path) -> Path:
    return index / Manifest.read(index).bundle


@pytest.mark.parametrize("damage", ["truncate", "flip", "delete_bundle", "delete_manifest", "garble_manifest"])
def test_damaged_index_is_detected_and_rebuilt(served, damage, capsys):
    corpus, index = served
    if damage == "truncate":
        path = _bundle(index)
        path.write_bytes(path.read_bytes()[:1000])
    elif damage == "flip":
        path = _bundle(index)
        data = bytearray(path.read_bytes())
        data[len(data) // 2] ^= 0xFF
        path.write_bytes(bytes(data))
    elif damage == "delete_bundle":
        _bundle(index).unlink()
    elif damage == "delete_manifest":
        (index / MANIFEST).unlink()
    else:
        (index / MANIFEST).write_text("{not json", encoding="utf-8")
    with pytest.raises(TaixinError, match="taixin-qa build"):
        read_index(index)
    strict = Engine(corpus, index, encoder=FakeEncoder(), auto_build=False)
    with pytest.raises(TaixinError, match="cannot be used"):
        strict.retrieve("阳曲县的目标")
    repaired = Engine(corpus, index, encoder=FakeEncoder())
    repaired.retrieve("阳曲县的目标")
    assert "building the index" in capsys.readouterr().err
    assert read_index(index).manifest.chunk_hashes


def test_stale_index_is_rebuilt_before_serving(served, capsys):
    corpus, index = served
    edit_everywhere(corpus, "植入文旅、康养等项目", "植入文旅、康养、研学等项目")
    encoder = FakeEncoder()
    engine = Engine(corpus, index, encoder=encoder)
    passages = engine.passages()
    assert any("研学" in p.text for p in passages)
    assert "corpus changed" in capsys.readouterr().err
    assert len(encoder.sparse_texts) == 1


def test_broken_corpus_file_stops_with_the_file_named(served):
    corpus, index = served
    path = next((corpus / "articles" / "taixin-page").glob("*-li-hui.md"))
    path.write_bytes(b"---\nid: li-hui\n\xff\xfe\n---\n")
    with pytest.raises(TaixinError, match="02-li-hui.md, line 3: the file is not valid UTF-8"):
        Engine(corpus, index, encoder=FakeEncoder())


# ------------------------------------------------------- rebuild while serving
def test_queries_during_a_rebuild_see_old_or_new_index_never_a_mix(served):
    corpus, index = served
    engine = Engine(corpus, index, encoder=FakeEncoder()).open()
    old_ids = {p.id: p.text for p in engine.passages()}
    edit_everywhere(corpus, "植入文旅、康养等项目", "植入文旅、康养、研学等项目")
    errors: list[BaseException] = []
    seen_versions: set[str] = set()
    stop = threading.Event()

    def ask() -> None:
        while not stop.is_set():
            try:
                texts = {p.id: p.text for p in engine.index.passages}
                hits = engine.retrieve("古交要在生态修复中植入什么项目？", k=41, speaker="李卫平")
                assert all(h.text == texts.get(h.id, h.text) or h.id in texts for h in hits)
                seen_versions.add("new" if any("研学" in t for t in texts.values()) else "old")
            except BaseException as exc:  # noqa: BLE001 - collected for the assertion below
                errors.append(exc)

    threads = [threading.Thread(target=ask) for _ in range(4)]
    for t in threads:
        t.start()
    build_index(corpus, index, encoder=FakeEncoder(), progress=False)
    engine.reload_if_changed()
    # The askers must meet the new index; on a loaded machine that can take a while.
    deadline = time.monotonic() + 60
    while "new" not in seen_versions and not errors and time.monotonic() < deadline:
        time.sleep(0.05)
    stop.set()
    for t in threads:
        t.join()
    assert errors == []
    assert "new" in seen_versions
    assert any("研学" in p.text for p in engine.passages())
    assert {p.id for p in engine.passages()} == set(old_ids)
