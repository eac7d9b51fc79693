"""An output folder that always holds one run's files.

Checked writable before any extraction (so a bad `--out` costs seconds, not the run); written by
one run at a time (an advisory lock: a second run waits for the first to finish writing); filled
as one set (every file is written into a staging folder inside it, then moved in), so a folder
never mixes two runs' files and a failure while writing leaves the previous outputs whole.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from enrich.errors import OutputError

LOCK_FILE = ".enrich.lock"
_STAGING = ".enrich-staging-"
_HINT = "pass --out DIR naming a folder you can write"

T = TypeVar("T")


def _failure(folder: Path, exc: OSError) -> OutputError:
    if isinstance(exc, FileExistsError | NotADirectoryError):
        return OutputError(f"{folder}: a file is in the way of the output folder", _HINT)
    where = exc.filename or folder
    return OutputError(f"{where}: cannot write the outputs ({exc.strerror or exc})", _HINT)


def prepare(folder: Path) -> None:
    """Create `folder` and prove it writable, before any work is done."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".enrich-probe-", dir=folder)
        os.close(fd)
        Path(probe).unlink()
    except OSError as exc:
        raise _failure(folder, exc) from exc


@contextmanager
def locked(folder: Path, on_wait: Callable[[], None] | None = None) -> Iterator[None]:
    """Hold `folder`'s lock; if another run holds it, call `on_wait` and wait for it."""
    try:
        handle = (folder / LOCK_FILE).open("a")
    except OSError as exc:
        raise _failure(folder, exc) from exc
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if on_wait is not None:
                on_wait()
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def publish(
    folder: Path,
    write: Callable[[Path], T],
    *,
    carry: Sequence[str] = (),
    owned: Sequence[str] = (),
    on_wait: Callable[[], None] | None = None,
) -> T:
    """Run `write(staging)` and move every file it wrote into `folder`, under the lock.

    Files named in `carry` are copied from `folder` into the staging folder first, for writers
    that extend them (enrich.sqlite keeps the history of runs). Files matching the `owned`
    patterns that this write did not produce are an earlier run's (report-7.html of a larger
    corpus) and are removed. Staging folders a killed run left behind are removed."""
    prepare(folder)
    with locked(folder, on_wait):
        for stale in folder.glob(_STAGING + "*"):
            shutil.rmtree(stale, ignore_errors=True)
        try:
            staging = Path(tempfile.mkdtemp(prefix=_STAGING, dir=folder))
        except OSError as exc:
            raise _failure(folder, exc) from exc
        try:
            for name in carry:
                if (folder / name).is_file():
                    shutil.copy2(folder / name, staging / name)
            result = write(staging)
            written = {path.name for path in staging.iterdir()}
            for name in sorted(written):
                (staging / name).replace(folder / name)
            for pattern in owned:
                for old in folder.glob(pattern):
                    if old.name not in written:
                        old.unlink()
        except OSError as exc:
            raise _failure(folder, exc) from exc
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return result
