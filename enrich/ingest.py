"""Read a corpus: walk paths, decode files, pick a reader per file, de-duplicate papers.

This is the I/O edge of ingestion. Every problem with one file becomes a warning naming it and
the run goes on; only a path that does not exist stops the run, before anything is read.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from enrich.core.dedupe import deduplicate
from enrich.core.diagnostics import Diagnostic
from enrich.core.models import Paper, Profile
from enrich.errors import InputPathError
from enrich.readers.base import ReadOptions
from enrich.readers.decoding import decode
from enrich.readers.registry import KNOWN_EXTENSIONS, choose_reader

_DOC_NAMES = ("readme", "license", "licence", "changelog", "contributing", "copying", "notice")


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

    try:
        data = path.read_bytes()
    except OSError as err:
        return skip("unreadable", f"cannot read file: {err.strerror or err}; check permissions")
    decoded = decode(data)
    if decoded.binary or decoded.text is None:
        return skip("binary", "binary file, not a paper listing; skipped")
    if decoded.note:
        corpus.warnings.append(Diagnostic(path=name, message=decoded.note))
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
    entries.extend(result.papers)
    return FileReport(name, reader.name, len(result.papers))
