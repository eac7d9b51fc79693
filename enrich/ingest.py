"""Read a corpus: walk paths, decode files, pick a reader per file, de-duplicate papers.

This is the I/O edge of ingestion. Every problem with one file becomes a warning naming it and
the run goes on; only a path that does not exist stops the run, before anything is read.
Only regular files are opened (a FIFO would block, a device never end), and never more than
`ReadOptions.max_file_bytes` of one is read.
"""

from __future__ import annotations

import os
import stat
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from enrich.core.dedupe import deduplicate
from enrich.core.diagnostics import Diagnostic
from enrich.core.fields import cut_at_word
from enrich.core.identity import paper_id
from enrich.core.models import Paper, Profile
from enrich.errors import InputPathError
from enrich.readers.base import ReadOptions
from enrich.readers.decoding import decode
from enrich.readers.registry import KNOWN_EXTENSIONS, choose_reader

_DOC_NAMES = ("readme", "license", "licence", "changelog", "contributing", "copying", "notice")
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)  # should a FIFO replace the file after its stat
_KINDS = (
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISDIR, "a folder"),
)


@dataclass(frozen=True)
class FileReport:
    """What happened to one file: the format read and entries found, or why it was skipped."""

    path: str
    format: str | None
    entries: int
    skipped: str | None = None


@dataclass
class Corpus:
    """The outcome of reading a corpus: unique papers, profile headers, and what went wrong."""

    papers: list[Paper] = field(default_factory=list)
    profiles: list[Profile] = field(default_factory=list)
    warnings: list[Diagnostic] = field(default_factory=list)
    files: list[FileReport] = field(default_factory=list)

    @property
    def entries(self) -> int:
        return sum(f.entries for f in self.files)

    @property
    def files_read(self) -> int:
        return sum(1 for f in self.files if f.skipped is None)

    @property
    def skipped(self) -> Counter[str]:
        return Counter(f.skipped for f in self.files if f.skipped is not None)

    def summary(self) -> str:
        """One line: files read, entries, papers after de-duplication, files skipped and why."""
        text = (
            f"{self.files_read} file{'s' if self.files_read != 1 else ''} read, "
            f"{self.entries} entries, {len(self.papers)} papers after de-duplication"
        )
        skipped = self.skipped
        if skipped:
            reasons = ", ".join(f"{n} {reason}" for reason, n in sorted(skipped.items()))
            text += f"; {sum(skipped.values())} skipped ({reasons})"
        if self.warnings:
            text += f"; {len(self.warnings)} warning{'s' if len(self.warnings) != 1 else ''}"
        return text


def _is_doc_file(path: Path) -> bool:
    return path.stem.lower() in _DOC_NAMES


def iter_files(paths: Sequence[Path]) -> Iterator[tuple[Path, bool]]:
    """Files to read, in a deterministic order, each with whether the user named it explicitly.

    Folders are walked recursively in sorted order; hidden entries are not visited.
    """
    for path in paths:
        if path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    if not name.startswith("."):
                        yield Path(root) / name, False
        else:
            yield path, True


def check_paths(paths: Sequence[Path]) -> None:
    """Fail before reading anything when a path does not exist."""
    for path in paths:
        if not path.exists() and not path.is_symlink():
            raise InputPathError(
                f"{path}: no such file or folder", "check the path, or pass a folder of listings"
            )


def read_corpus(paths: Sequence[Path], options: ReadOptions | None = None) -> Corpus:
    """Read every listing under `paths` and return the de-duplicated corpus."""
    check_paths(paths)
    options = options or ReadOptions()
    corpus = Corpus()
    entries: list[Paper] = []
    for path, explicit in iter_files(paths):
        report = _read_file(path, explicit, options, corpus, entries)
        corpus.files.append(report)
    corpus.papers = deduplicate(entries)
    return corpus


class _Skip(NamedTuple):
    reason: str
    message: str


def _size(n: int) -> str:
    return f"{n:,} bytes" if n < 1_000_000 else f"{n / 1e6:,.1f} MB"


def _not_regular(mode: int) -> _Skip:
    kind = next((name for test, name in _KINDS if test(mode)), "a special file")
    return _Skip(
        "not a regular file",
        f"{kind}, not a regular file; skipped without opening it "
        "(copy its contents into a file to read them)",
    )


def _too_large(size: int | None, cap: int) -> _Skip:
    what = "more than the" if size is None else f"{_size(size)}, over the"
    return _Skip(
        "too large",
        f"file is {what} {_size(cap)} per-file limit; skipped unread "
        "(split it, or raise the limit: ReadOptions(max_file_bytes=...))",
    )


def read_capped(path: Path, cap: int) -> bytes | _Skip:
    """The bytes of a regular file of at most `cap` bytes, or why it was not read.

    The size is checked before opening; then at most cap + 1 bytes are read, because a size can
    lie (a file grows, /proc files say 0) and a regular file may have been swapped meanwhile.
    """
    try:
        info = path.stat()  # follows symlinks: a link to /dev/zero is a device
    except OSError as err:
        return _Skip("unreadable", f"cannot read file: {err.strerror or err}; check permissions")
    if not stat.S_ISREG(info.st_mode):
        return _not_regular(info.st_mode)
    if info.st_size > cap:
        return _too_large(info.st_size, cap)
    try:
        with os.fdopen(os.open(path, os.O_RDONLY | _NONBLOCK), "rb") as handle:
            mode = os.fstat(handle.fileno()).st_mode
            if not stat.S_ISREG(mode):
                return _not_regular(mode)
            data = handle.read(cap + 1)
    except OSError as err:
        return _Skip("unreadable", f"cannot read file: {err.strerror or err}; check permissions")
    return _too_large(None, cap) if len(data) > cap else data


def _cap_abstracts(papers: list[Paper], limit: int, corpus: Corpus) -> list[Paper]:
    """Abstracts longer than `limit` cut at a word boundary, each cut warned at its entry."""
    capped: list[Paper] = []
    for paper in papers:
        if len(paper.abstract) > limit:
            cut = cut_at_word(paper.abstract, limit)
            source = paper.sources[0]
            corpus.warnings.append(
                Diagnostic(
                    path=source.path,
                    line=source.line,
                    message=f"abstract of {len(paper.abstract):,} characters cut to "
                    f"{len(cut):,} (limit {limit:,}); if it is one abstract, raise the limit "
                    "with --max-abstract-chars",
                )
            )
            new_id = paper_id(
                title=paper.title, doi=paper.doi, arxiv_id=paper.arxiv_id, abstract=cut
            )
            paper = paper.model_copy(update={"abstract": cut, "id": new_id})
        capped.append(paper)
    return capped


def _read_file(
    path: Path, explicit: bool, options: ReadOptions, corpus: Corpus, entries: list[Paper]
) -> FileReport:
    name = str(path)
    suffix = path.suffix.lower()
    if not explicit and _is_doc_file(path):
        return FileReport(name, None, 0, skipped="documentation file")
    if not explicit and suffix and suffix not in KNOWN_EXTENSIONS:
        return FileReport(name, None, 0, skipped=f"unsupported extension {suffix}")

    def skip(reason: str, message: str) -> FileReport:
        corpus.warnings.append(Diagnostic(path=name, message=message))
        return FileReport(name, None, 0, skipped=reason)

    data = read_capped(path, options.max_file_bytes)
    if isinstance(data, _Skip):
        return skip(data.reason, data.message)
    decoded = decode(data)
    del data  # the text is all we need from here on
    if decoded.binary or decoded.text is None:
        return skip("binary", "binary file, not a paper listing; skipped")
    if decoded.note:
        corpus.warnings.append(Diagnostic(path=name, line=decoded.line, message=decoded.note))
    text = decoded.text
    if not text.strip():
        return skip("empty", "empty file; skipped")
    reader = choose_reader(path, text)
    try:
        result = reader.read(text, name, options)
    except (ValueError, RecursionError) as err:  # a reader's last-resort guard
        return skip("unparseable", f"could not parse as {reader.name}: {err}")
    corpus.warnings.extend(result.warnings)
    corpus.profiles.extend(result.profiles)
    if not result.papers:
        corpus.warnings.append(
            Diagnostic(
                path=name,
                message=f"no paper entries recognized (read as {reader.name}); "
                "see `enrich papers --help` for the supported formats",
            )
        )
        return FileReport(name, reader.name, 0, skipped="no entries")
    entries.extend(_cap_abstracts(result.papers, options.max_abstract_chars, corpus))
    return FileReport(name, reader.name, len(result.papers))
