"""Hostile and odd corpus input: every limit warns with file and line, neighbours survive, and
nothing hangs. Inputs are built small in tmp_path; big cases use small configured limits.
Also: arXiv listing JSONL gets arXiv ids, single-spaced abstracts and years from the id."""

from __future__ import annotations

import json
import os
import signal
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

import pytest
from typer.testing import CliRunner

from enrich.cli import app
from enrich.ingest import Corpus, read_capped, read_corpus
from enrich.readers.base import ReadOptions

GOOD = {"title": "A Good Neighbour", "abstract": "We propose a method that works."}
unix_only = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs and sockets are POSIX")


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Fail instead of hanging: SIGALRM interrupts a read that blocks (an opened FIFO)."""

    def expire(signum: int, frame: FrameType | None) -> None:
        raise TimeoutError(f"still reading the corpus after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def folder_with_neighbour(tmp_path: Path) -> Path:
    root = tmp_path / "corpus"
    root.mkdir()
    (root / "good.jsonl").write_text(json.dumps(GOOD) + "\n", encoding="utf-8")
    return root


def read(paths: list[Path], **limits: int) -> Corpus:
    with deadline(20):
        return read_corpus(paths, ReadOptions(**limits))  # type: ignore[arg-type]


def warnings_of(corpus: Corpus, name: str) -> list[str]:
    return [str(w) for w in corpus.warnings if Path(w.path).name == name]


def assert_neighbour_read(corpus: Corpus) -> None:
    assert GOOD["title"] in [p.title for p in corpus.papers]


def test_long_single_line_abstract_is_cut_at_a_word_with_a_warning(tmp_path: Path) -> None:
    root = folder_with_neighbour(tmp_path)
    words = " ".join(f"word{i}" for i in range(10_000))  # one ~90 kB line, like a dumped blob
    (root / "blob.txt").write_text(words, encoding="utf-8")
    corpus = read([root], max_abstract_chars=1_000)
    blob = next(p for p in corpus.papers if Path(p.sources[0].path).name == "blob.txt")
    assert len(blob.abstract) <= 1_000
    assert words.startswith(blob.abstract + " ")  # cut between two words, nothing added
    (warning,) = warnings_of(corpus, "blob.txt")
    assert warning.endswith(
        f"blob.txt:1: abstract of {len(words):,} characters cut to {len(blob.abstract):,} "
        "(limit 1,000); if it is one abstract, raise the limit with --max-abstract-chars"
    )
    assert_neighbour_read(corpus)


def test_default_abstract_limit_is_twenty_thousand_characters(tmp_path: Path) -> None:
    record = {"title": "Huge", "abstract": "token " * 5_000}  # 30,000 characters
    (tmp_path / "huge.jsonl").write_text(json.dumps(record) + "\n", encoding="utf-8")
    corpus = read([tmp_path])
    assert 19_000 < len(corpus.papers[0].abstract) <= 20_000
    (warning,) = warnings_of(corpus, "huge.jsonl")
    assert "huge.jsonl:1: abstract of 29,999 characters cut to" in warning


def test_file_over_the_size_cap_is_skipped_unread(tmp_path: Path) -> None:
    root = folder_with_neighbour(tmp_path)
    (root / "big.txt").write_text("x " * 2_500, encoding="utf-8")  # 5,000 bytes on one line
    corpus = read([root], max_file_bytes=1_000)
    assert warnings_of(corpus, "big.txt") == [
        f"{root / 'big.txt'}: file is 5,000 bytes, over the 1,000 bytes per-file limit; "
        "skipped unread (split it, or raise the limit: ReadOptions(max_file_bytes=...))"
    ]
    assert corpus.skipped["too large"] == 1
    assert_neighbour_read(corpus)


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc")
def test_a_file_whose_size_lies_is_read_no_further_than_the_cap() -> None:
    # /proc files are regular files that report size 0 yet hold text: only cap + 1 bytes are read
    assert Path("/proc/self/status").stat().st_size == 0
    skipped = read_capped(Path("/proc/self/status"), 10)
    assert not isinstance(skipped, bytes)
    assert skipped.reason == "too large"
    assert "more than the 10 bytes per-file limit" in skipped.message


@unix_only
def test_fifo_in_the_folder_is_skipped_without_opening_it(tmp_path: Path) -> None:
    root = folder_with_neighbour(tmp_path)
    os.mkfifo(root / "pipe.txt")  # opening it for reading would block: nobody writes
    corpus = read([root])
    assert warnings_of(corpus, "pipe.txt") == [
        f"{root / 'pipe.txt'}: a named pipe (FIFO), not a regular file; skipped without "
        "opening it (copy its contents into a file to read them)"
    ]
    assert corpus.skipped["not a regular file"] == 1
    assert_neighbour_read(corpus)
    named = read([root / "pipe.txt"])  # named explicitly: still never opened
    assert [f.skipped for f in named.files] == ["not a regular file"]


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_symlink_to_an_endless_device_is_skipped(tmp_path: Path) -> None:
    root = folder_with_neighbour(tmp_path)
    (root / "zero.jsonl").symlink_to("/dev/zero")
    corpus = read([root])
    (warning,) = warnings_of(corpus, "zero.jsonl")
    assert warning.endswith(
        "zero.jsonl: a character device, not a regular file; skipped without opening it "
        "(copy its contents into a file to read them)"
    )
    assert_neighbour_read(corpus)


@unix_only
def test_socket_is_skipped(tmp_path: Path) -> None:
    root = folder_with_neighbour(tmp_path)
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as server:
        server.bind(str(root / "s.txt"))
        corpus = read([root])
    (warning,) = warnings_of(corpus, "s.txt")
    assert "a socket, not a regular file; skipped without opening it" in warning
    assert_neighbour_read(corpus)


def test_deeply_nested_jsonl_line_costs_only_itself(tmp_path: Path) -> None:
    thousands = '{"title": "Bomb", "x": ' + "[" * 100_000 + "]" * 100_000 + "}"  # parser recursion
    seventy = '{"title": "Deep", "x": ' + "[" * 70 + "]" * 70 + "}"  # parses, but over the limit
    good = json.dumps(GOOD)
    lines = [thousands, good, seventy, json.dumps({"title": "Last", "abstract": "Kept."})]
    (tmp_path / "nested.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    corpus = read([tmp_path])
    assert sorted(p.title for p in corpus.papers) == ["A Good Neighbour", "Last"]
    message = "JSON record nested deeper than 64 levels (a paper record needs 3 or 4); line skipped"
    path = tmp_path / "nested.jsonl"
    assert warnings_of(corpus, "nested.jsonl") == [f"{path}:1: {message}", f"{path}:3: {message}"]


def test_json_depth_limit_is_configurable(tmp_path: Path) -> None:
    record = {"title": "Nested", "abstract": "Text.", "extra": [[[["deep"]]]]}  # 5 levels
    (tmp_path / "x.jsonl").write_text(json.dumps(record) + "\n" + json.dumps(GOOD) + "\n")
    assert len(read([tmp_path], max_json_depth=4).papers) == 1
    assert len(read([tmp_path], max_json_depth=5).papers) == 2


def test_deep_record_in_a_json_array_is_skipped_alone(tmp_path: Path) -> None:
    deep: object = "leaf"
    for _ in range(100):
        deep = [deep]
    document = [GOOD, {"title": "Deep", "x": deep}]
    (tmp_path / "array.json").write_text(json.dumps(document), encoding="utf-8")
    corpus = read([tmp_path])
    assert [p.title for p in corpus.papers] == [GOOD["title"]]
    (warning,) = warnings_of(corpus, "array.json")
    assert "JSON record 2 nested deeper than 64 levels" in warning


def test_json_document_too_deep_to_parse_names_the_line(tmp_path: Path) -> None:
    bomb = '{"title": "Bomb", "x": ' + "[" * 100_000 + "]" * 100_000 + "}"
    (tmp_path / "doc.json").write_text(f"[\n{json.dumps(GOOD)},\n{bomb}\n]\n", encoding="utf-8")
    corpus = read([tmp_path])
    assert warnings_of(corpus, "doc.json")[0] == (
        f"{tmp_path / 'doc.json'}:3: JSON document nested deeper than 64 levels (a paper record "
        "needs 3 or 4); file skipped (as JSON Lines, one record a line, only the bad record "
        "would be lost)"
    )


ATOM_HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:arxiv="http://arxiv.org/schemas/atom">
"""


def atom_entry(arxiv_id: str, title: str) -> str:
    return f"""  <entry>
    <id>http://arxiv.org/abs/{arxiv_id}v1</id>
    <published>2025-03-01T00:00:00Z</published>
    <title>{title}</title>
    <summary>An abstract about {title}.</summary>
    <arxiv:primary_category term="cs.CL"/>
  </entry>
"""


def test_xml_error_skips_one_entry_and_reading_resumes(tmp_path: Path) -> None:
    broken = atom_entry("2503.00002", "Broken").replace("</title>", "</titel>")
    text = (
        ATOM_HEAD
        + atom_entry("2503.00001", "First")
        + broken
        + atom_entry("2503.00003", "Third")
        + atom_entry("2503.00004", "Fourth").replace("<summary>", "<summary>&undefined;")
        + atom_entry("2503.00005", "Fifth")
        + "</feed>\n"
    )
    (tmp_path / "feed.xml").write_text(text, encoding="utf-8")
    corpus = read([tmp_path])
    assert [p.id for p in corpus.papers] == [f"arxiv:2503.0000{n}" for n in (1, 3, 5)]
    assert [p.sources[0].line for p in corpus.papers] == [3, 17, 31]
    assert {p.category for p in corpus.papers} == {"cs.CL"}  # the feed's prefixes still bind
    path = tmp_path / "feed.xml"
    assert warnings_of(corpus, "feed.xml") == [
        f"{path}:13: malformed XML (mismatched tag); skipped to the next <entry>, at line 17 "
        "(fix the XML here to read what was skipped)",
        f"{path}:28: malformed XML (undefined entity); this <entry> was skipped "
        "(fix it here to read it)",
    ]


def test_xml_truncated_after_an_error_keeps_what_was_complete(tmp_path: Path) -> None:
    text = ATOM_HEAD + atom_entry("2503.00001", "First").replace("<title>", "<title><b>")
    text += atom_entry("2503.00002", "Second") + "  <entry>\n    <title>Cut"
    (tmp_path / "cut.atom").write_text(text, encoding="utf-8")
    corpus = read([tmp_path])
    assert [p.title for p in corpus.papers] == ["Second"]
    assert [w.line for w in corpus.warnings] == [6, 17]
    assert "this <entry> is never closed; skipped" in corpus.warnings[1].message


def test_invalid_utf8_warning_names_line_and_column(tmp_path: Path) -> None:
    root = folder_with_neighbour(tmp_path)
    (root / "legacy.txt").write_bytes(b"A Title Line\nWe study caf\xe9 data in depth.\n")
    corpus = read([root])
    assert warnings_of(corpus, "legacy.txt") == [
        f"{root / 'legacy.txt'}:2: not valid UTF-8 (byte 0xe9 at line 2, column 13); decoded "
        "as cp1252, re-save the file as UTF-8 if characters look wrong"
    ]
    assert any("café" in p.abstract for p in corpus.papers)
    assert_neighbour_read(corpus)


ARXIV_RECORDS = [
    {"id": "2503.11731", "pdf": "https://arxiv.org/pdf/2503.11731",
     "abs": "https://arxiv.org/abs/2503.11731", "authors": ["Ada Lovelace", "Alan Turing"],
     "title": "Sensor Simulation via Gaussian Splatting", "categories": ["cs.CV", "cs.RO"],
     "comment": "Code: https://github.com/lab/gs", "summary":
     "Sensor simulation is pivotal for\nscalable validation.  It is hard\n  to scale."},
    {"id": "hep-th/9901001v2", "abs": "https://arxiv.org/abs/hep-th/9901001v2",
     "title": "An Old-Style Paper", "summary": "Strings\nand branes."},
    {"abs": "http://arxiv.org/abs/0704.0001v1", "title": "The First New-Style Id",
     "summary": "Calculation of\nprompt diphoton production."},
    {"pdf": "https://arxiv.org/pdf/2501.01234v3", "title": "Only a PDF Link", "summary": "Text."},
    {"id": "2412.00001", "year": 2023, "title": "A Stated Year Wins", "summary": "Text."},
    {"id": "10.1234/1234.5678", "title": "Not an arXiv Id", "summary": "Text."},
]  # fmt: skip


def test_arxiv_listing_jsonl(tmp_path: Path) -> None:
    lines = [json.dumps(r) for r in ARXIV_RECORDS]
    (tmp_path / "2025-03-18.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (tmp_path / "2025-03-22.jsonl").write_text(lines[0] + "\n", encoding="utf-8")  # listed again
    corpus = read([tmp_path])
    assert corpus.warnings == []
    by_title = {p.title: p for p in corpus.papers}
    assert [(p.id, p.year) for p in corpus.papers] == [
        ("arxiv:2503.11731", 2025),
        ("arxiv:hep-th/9901001", None),  # no year rule for old-style ids
        ("arxiv:0704.0001", 2007),
        ("arxiv:2501.01234", 2025),
        ("arxiv:2412.00001", 2023),
        (by_title["Not an arXiv Id"].id, None),
    ]
    assert by_title["Not an arXiv Id"].id.startswith("title:")
    first = corpus.papers[0]
    assert (
        first.abstract
        == "Sensor simulation is pivotal for scalable validation. It is hard to scale."
    )
    assert len(first.sources) == 2
    assert (first.url, first.category) == ("https://arxiv.org/abs/2503.11731", "cs.CV")
    assert first.code_urls == ["https://github.com/lab/gs"]
    assert by_title["Only a PDF Link"].url == "https://arxiv.org/pdf/2501.01234v3"
    assert all("\n" not in p.abstract and "  " not in p.abstract for p in corpus.papers)


def test_cli_max_abstract_chars_on_both_reading_commands(tmp_path: Path) -> None:
    record = {"title": "Long", "abstract": "word " * 100}
    (tmp_path / "long.jsonl").write_text(json.dumps(record) + "\n", encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(
        app, ["papers", str(tmp_path), "--format", "jsonl", "--max-abstract-chars", "120"]
    )
    assert result.exit_code == 0, result.stderr
    (paper,) = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(paper["abstract"]) <= 120 and paper["abstract"].endswith("word")
    assert "long.jsonl:1: abstract of 499 characters cut to 119 (limit 120)" in result.stderr
    for command in (["papers"], ["run"]):
        shown = runner.invoke(app, [*command, "--help"], terminal_width=200)
        assert "--max-abstract-chars" in shown.stdout
