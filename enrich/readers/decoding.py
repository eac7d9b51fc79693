"""Bytes to text: binary files are refused, non-UTF-8 text is decoded with a stated fallback."""

from __future__ import annotations

from dataclasses import dataclass

_SNIFF_BYTES = 8192
# Bytes that never occur in text files (NUL, and C0 controls other than \t \n \f \r \x1b).
_BINARY = frozenset(range(0x00, 0x09)) | {0x0B, 0x0E, 0x0F} | frozenset(range(0x10, 0x1B))


@dataclass(frozen=True)
class Decoded:
    """Decoded text, or the reason it could not be decoded; `note` names any fallback used,
    `line` the line it is about."""

    text: str | None
    note: str | None = None
    binary: bool = False
    line: int | None = None


def looks_binary(data: bytes) -> bool:
    """True when the first bytes hold NULs or many control bytes (not a text file)."""
    head = data[:_SNIFF_BYTES]
    if not head:
        return False
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    controls = sum(1 for byte in head if byte in _BINARY)
    return controls / len(head) > 0.05


def _line_and_column(data: bytes, offset: int) -> tuple[int, int]:
    """1-based line and character column of `offset`, which ends a valid UTF-8 prefix: an
    editor's position is what a user can act on, a byte offset is not."""
    start = data.rfind(b"\n", 0, offset) + 1
    prefix = data[start:offset].decode("utf-8", errors="replace").lstrip("\ufeff")
    return data.count(b"\n", 0, offset) + 1, len(prefix) + 1


def decode(data: bytes) -> Decoded:
    """UTF-8 (BOM allowed), UTF-16 with BOM, else cp1252, else latin-1 — saying which."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return Decoded(data.decode("utf-16"))
        except UnicodeDecodeError:
            return Decoded(None, binary=True)
    if looks_binary(data):
        return Decoded(None, binary=True)
    try:
        return Decoded(data.decode("utf-8-sig"))
    except UnicodeDecodeError as err:
        line, column = _line_and_column(data, err.start)
        where = f"byte 0x{data[err.start]:02x} at line {line}, column {column}"
    for fallback in ("cp1252", "latin-1"):
        try:
            text = data.decode(fallback)
        except UnicodeDecodeError:
            continue
        return Decoded(
            text,
            note=f"not valid UTF-8 ({where}); decoded as {fallback}, "
            "re-save the file as UTF-8 if characters look wrong",
            line=line,
        )
    raise AssertionError("latin-1 decodes every byte string")  # pragma: no cover
