"""The readers in sniffing order, and the choice of reader for a file."""

from __future__ import annotations

from pathlib import PurePath

from enrich.readers import bibtex, csvfile, jsonl, plaintext, profile, xmlfeed
from enrich.readers.base import Reader

# Specific formats first: the plain-text reader accepts anything and comes last.
REGISTRY: tuple[Reader, ...] = (
    profile.READER,
    jsonl.READER,
    bibtex.READER,
    xmlfeed.READER,
    csvfile.READER,
    plaintext.READER,
)
KNOWN_EXTENSIONS = frozenset(ext for reader in REGISTRY for ext in reader.extensions)


def choose_reader(path: PurePath, text: str) -> Reader:
    """The reader for a file: among those owning its extension, the first whose sniff matches;
    for other extensions, the first reader whose sniff matches the content."""
    suffix = path.suffix.lower()
    owners = [r for r in REGISTRY if suffix in r.extensions]
    head = text[:65536]
    for reader in owners or REGISTRY:
        if reader.sniff(head):
            return reader
    return owners[0] if owners else plaintext.READER
