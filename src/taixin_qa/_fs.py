"""File-system helpers used by every writer in the package: one copy of each.

* :func:`sha256_bytes`, :func:`sha256_text`, :func:`sha256_file` - content hashes;
* :func:`atomic_write_bytes` - a file is either the old one or the new one, never half;
* :func:`atomic_directory` - the same for a whole folder (filled under a temporary
  name, renamed into place only when complete);
* :func:`file_lock` - one writer at a time across processes (POSIX advisory lock).

Errors stay ``OSError``: callers know what the file is for and say so to the user.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

_CHUNK = 1 << 20


def sha256_bytes(data: bytes) -> str:
    """Hex sha256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def sha256_text(text: str, length: int | None = None) -> str:
    """Hex sha256 of UTF-8 ``text``, optionally cut to its first ``length`` hex digits.

    >>> sha256_text("太忻", 8)
    'eb4c8896'
    """
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return digest if length is None else digest[:length]


def sha256_file(path: Path | str) -> str:
    """Hex sha256 of a file, read in 1 MB pieces (model files are hundreds of MB)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for piece in iter(lambda: fh.read(_CHUNK), b""):
            digest.update(piece)
    return digest.hexdigest()


def atomic_write_bytes(path: Path, data: bytes, mode: int = 0o644) -> None:
    """Write to a temporary file in the same folder, fsync, then rename over ``path``.

    ``mode`` is applied before the rename (mkstemp makes 0600; shared data is 0644).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


@contextmanager
def atomic_directory(target: Path) -> Iterator[Path]:
    """Yield an empty temporary sibling of ``target``; rename it to ``target`` on success.

    On an exception the temporary folder is removed and ``target`` is untouched.
    An existing ``target`` is never overwritten: the rename then fails with OSError.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    try:
        yield tmp
        os.rename(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


@contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive advisory lock on ``path`` (created if needed); a second holder waits.

    Raises OSError (e.g. PermissionError in a read-only folder) before waiting.
    Where ``fcntl`` does not exist (Windows) this is a no-op; writers there still
    rely on atomic renames.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+b") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
