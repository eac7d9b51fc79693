from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from enrich.errors import InputPathError
from enrich.ingest import read_corpus


@pytest.fixture
def messy(tmp_path: Path, sample_corpus: Path) -> Path:
    """A folder with good listings in several formats and every kind of bad file."""
    root = tmp_path / "corpus"
    (root / "nested").mkdir(parents=True)
    shutil.copy(sample_corpus / "004_816b7048286ea66e.txt", root / "nested" / "profile.txt")
    shutil.copy(sample_corpus / "README.md", root / "README.md")
    records = [
        # the same paper as one in the profile dump, with a DOI the dump lacks
        {"title": "Rethinking Minimal Sufficient Representation in Contrastive Learning",
         "abstract": "Short.", "doi": "10.1109/CVPR52688.2022.01557", "year": 2022},
        {"title": "A New Paper", "abstract": "We propose Y.", "arxiv_id": "2401.00001"},
    ]  # fmt: skip
    (root / "export.jsonl").write_text(
        "\n".join(json.dumps(r) for r in records) + '\n{"title": "Cut', encoding="utf-8"
    )
    (root / "legacy.txt").write_bytes(
        "Résumé Paper\nWe propose Z for café data.\n".encode("cp1252")
    )
    (root / "scan.txt").write_bytes(b"\x00\x01\x02binary\x00\x00" * 50)
    (root / "empty.bib").write_text("", encoding="utf-8")
    (root / "nothing.json").write_text('{"unrelated": 1}', encoding="utf-8")
    (root / "figure.png").write_bytes(b"\x89PNG")
    (root / ".hidden.txt").write_text("Hidden\nnot read", encoding="utf-8")
    (root / "gone.bib").symlink_to(root / "missing-target.bib")
    return root


def test_messy_folder_reads_what_it_can(messy: Path) -> None:
    corpus = read_corpus([messy])
    by_path = {Path(f.path).name: f for f in corpus.files}
    assert ".hidden.txt" not in by_path
    assert by_path["profile.txt"].entries == 11
    assert by_path["export.jsonl"].entries == 2
    assert by_path["legacy.txt"].entries == 1
    assert by_path["README.md"].skipped == "documentation file"
    assert by_path["figure.png"].skipped == "unsupported extension .png"
    assert by_path["scan.txt"].skipped == "binary"
    assert by_path["empty.bib"].skipped == "empty"
    assert by_path["gone.bib"].skipped == "unreadable"
    assert by_path["nothing.json"].skipped == "no entries"
    assert len(corpus.papers) == 13  # 11 + 2 - 1 duplicate + 1 legacy
    merged = next(p for p in corpus.papers if p.doi)
    assert merged.id == "doi:10.1109/cvpr52688.2022.01557"
    assert {s.format for s in merged.sources} == {"profile", "json"}
    assert len(merged.abstract) > len("Short.")

    messages = [str(w) for w in corpus.warnings]

    def warned(name: str, text: str) -> bool:
        return any(name in m and text in m for m in messages)

    assert warned("legacy.txt", "not valid UTF-8")
    assert warned("scan.txt", "binary file")
    assert warned("empty.bib", "empty file")
    assert warned("gone.bib", "cannot read file")
    assert warned("nothing.json", "no paper entries recognized")
    assert warned("export.jsonl:3", "")  # the truncated last line is named
    summary = corpus.summary()
    assert summary.startswith("3 files read, 14 entries, 13 papers after de-duplication")
    assert "6 skipped" in summary


def test_cp1252_text_is_decoded(messy: Path) -> None:
    corpus = read_corpus([messy / "legacy.txt"])
    assert corpus.papers[0].title == "Résumé Paper"


def test_explicit_files_are_read_even_with_odd_names(tmp_path: Path) -> None:
    listing = tmp_path / "README.listing"
    listing.write_text('{"title": "T", "abstract": "A."}\n', encoding="utf-8")
    corpus = read_corpus([listing])
    assert [p.title for p in corpus.papers] == ["T"]


def test_missing_path_fails_before_reading(tmp_path: Path) -> None:
    with pytest.raises(InputPathError, match="no such file or folder"):
        read_corpus([tmp_path, tmp_path / "missing"])


def test_order_is_deterministic(messy: Path) -> None:
    first = [p.id for p in read_corpus([messy]).papers]
    second = [p.id for p in read_corpus([messy]).papers]
    assert first == second
