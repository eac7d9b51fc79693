from __future__ import annotations

from enrich.readers.decoding import decode, looks_binary


def test_utf8_and_bom() -> None:
    assert decode("naïve".encode()).text == "naïve"
    assert decode("\ufeffTitle".encode()).text == "Title"
    assert decode("Titel".encode("utf-16")).text == "Titel"


def test_non_utf8_falls_back_with_a_note() -> None:
    decoded = decode("Résumé of a paper".encode("cp1252"))
    assert decoded.text == "Résumé of a paper"
    assert decoded.note is not None
    assert "not valid UTF-8 (byte 0xe9 at line 1, column 2)" in decoded.note
    assert decoded.line == 1
    assert "cp1252" in decoded.note


def test_binary_is_refused() -> None:
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00"
    assert looks_binary(png)
    assert decode(png).binary and decode(png).text is None
    assert not looks_binary(b"plain\ttext\r\n")
