"""summary.md (enrich.review.digest) and `enrich show` (enrich.cli.show) on a hand-made run
and on the sample corpus."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from enrich.cli import app as enrich_app
from enrich.cli.show import FilterError, show
from enrich.core.records import PaperRecord
from enrich.core.tables import build_tables
from enrich.errors import UsageError
from enrich.review import load_run
from enrich.review.digest import SUMMARY_FILE, render_summary, write_summary
from enrich.review.tally import profile_label
from tests.conftest import ROOT, assert_tables_keep_their_columns

runner = CliRunner()
OFFLINE_ENV = {"OPENAI_API_KEY": "", "OPENAI_BASE_URL": "", "ENRICH_MODEL": ""}

PROFILES: list[dict[str, Any]] = [
    {"path": "corpus/a.txt", "name": "Ada Lovelace", "category": "CS", "h_index": 12,
     "papers": 30, "citations": 400, "novelty": 55.0, "score": 70.5, "entries": 2},
    {"path": "corpus/b.txt", "name": None, "category": None, "h_index": None, "papers": None,
     "citations": None, "novelty": None, "score": None, "entries": 3},
]  # fmt: skip
RUN = {"backend": "offline", "model": "offline-abc123", "prompt_hash": "p1", "papers": 4}


def _item(name: str, role: str | None = None) -> dict[str, Any]:
    span = {"start": 0, "end": len(name), "match": "exact"}
    item: dict[str, Any] = {"name": name, "text": name, "span": span}
    return item | ({"role": role} if role else {})


def _gain(
    metric: str, value: float, unit: str | None, kind: str, dataset: str | None
) -> dict[str, Any]:
    return {
        "metric": metric, "value": value, "unit": unit, "kind": kind, "baseline": None,
        "baseline_value": None, "dataset": dataset, "text": f"{value}",
        "span": {"start": 0, "end": len(f"{value}"), "match": "exact"},
    }  # fmt: skip


def _typed(records: list[dict[str, Any]]) -> list[PaperRecord]:
    """The records as a run reads them from papers.jsonl."""
    return [PaperRecord.model_validate(record) for record in records]


def _record(
    rid: str, title: str, year: int | None, sources: list[tuple[str, str | None]],
    summary: str | None, *, date: str | None = None, **fields: list[dict[str, Any]],
) -> dict[str, Any]:  # fmt: skip
    extraction: dict[str, Any] = {"summary": summary, "gains": [], "ungrounded": []}
    extraction |= {name: [] for name in ("methods", "tasks", "datasets", "metrics")} | fields
    return {
        "id": rid, "title": title, "abstract": "", "authors": ["A. Author"], "year": year,
        "date": date, "category": "CS", "has_code": False, "code_urls": [], "doi": None,
        "arxiv_id": None, "url": None, "status": "ok", "error": None, "extraction": extraction,
        "backend": "offline", "model": "offline-abc123",
        "sources": [{"path": p, "line": 1, "format": "profile", "profile": n} for p, n in sources],
    }  # fmt: skip


A, B = ("corpus/a.txt", "Ada Lovelace"), ("corpus/b.txt", None)
RECORDS = [
    _record("r1", "Alpha Net", 2021, [A], "We propose AlphaNet.",
            methods=[_item("AlphaNet", "proposed"), _item("ResNet", "baseline")],
            tasks=[_item("image classification")], datasets=[_item("ImageNet-1k")],
            metrics=[_item("top-1 accuracy")],
            gains=[_gain("top-1 accuracy", 2.5, "%", "delta", "ImageNet-1k")]),
    _record("r2", "Beta Net", 2022, [A, B], "BetaNet beats AlphaNet.",
            methods=[_item("BetaNet", "proposed"), _item("AlphaNet", "used")],
            tasks=[_item("Image Classification")], datasets=[_item("ImageNet 1K")],
            metrics=[_item("top-1 accuracy")],
            gains=[_gain("top-1 accuracy", 81.0, "%", "score", "ImageNet 1K"),
                   _gain("top-1 accuracy", 4.0, None, "delta", None)]),
    _record("r3", "Gamma|Parser: fast parsing", None, [B], "Parses a|b fast.", date="2023-05-01",
            methods=[_item("GammaParser", "proposed")], tasks=[_item("dependency parsing")],
            datasets=[_item("Penn Treebank")], metrics=[_item("LAS")],
            gains=[_gain("LAS", 1.2, "pp", "delta", "Penn Treebank")]),
    _record("r4", "Delta Net", 2023, [B], "",
            methods=[_item("DeltaNet", "proposed")], tasks=[_item("image classification")],
            datasets=[_item("CIFAR-10")], metrics=[_item("accuracy")]),
]  # fmt: skip


def _summary() -> str:
    return render_summary(build_tables(_typed(RECORDS)), PROFILES, RUN, _typed(RECORDS))


def _section(text: str, heading: str) -> str:
    start = text.index(heading + "\n")
    end = text.find("\n## ", start + len(heading))
    return text[start : end if end >= 0 else len(text)]


def test_header_names_backend_and_counts() -> None:
    text = _summary()
    assert text.startswith("# Corpus summary\n")
    assert "backend `offline`, model `offline-abc123`" in text
    assert "4 papers (4 ok); 18 extracted items, 4 claimed gains." in text


def test_ungrounded_items_are_neither_counted_nor_listed() -> None:
    ghost = [{"field": "datasets", "value": "GhostSet", "reason": "not found in the abstract"}]
    records = [r | {"extraction": r["extraction"] | {"ungrounded": ghost}} for r in RECORDS]
    text = render_summary(build_tables(_typed(records)), PROFILES, RUN, _typed(records))
    assert "18 extracted items" in text  # as without them
    assert "GhostSet" not in text


def test_papers_per_profile_and_per_year_tables() -> None:
    text = _summary()
    # The unnamed profile is labelled by its file stem and matched by source path.
    assert "| Ada Lovelace | CS | 2 | 3 | 2021-2022 |" in text
    assert "| b | - | 3 | 3 | 2022-2023 |" in text
    assert "| year | all | Ada Lovelace | b |" in text
    assert "| 2021 | 1 | 1 | 0 |" in text
    assert "| 2022 | 1 | 1 | 1 |" in text
    assert "| 2023 | 2 | 0 | 2 |" in text  # r3 has no year: taken from its date
    assert "unknown" not in _section(text, "## Papers per year")


def test_most_frequent_items_group_spellings_and_count_papers() -> None:
    text = _summary()
    assert "| image classification | 3 |" in text  # 2x lower case beats 1x Title Case
    assert "| ImageNet 1K | 2 |" in text  # ImageNet-1k / ImageNet 1K fall together
    assert "| top-1 accuracy | 2 |" in text
    # Only the proposed role counts: AlphaNet is proposed once and merely used once.
    methods = text[text.index("### Proposed methods") : text.index("## Largest claimed gains")]
    assert "4 named by one paper each, e.g. AlphaNet, BetaNet, DeltaNet." in methods
    assert "ResNet" not in methods


def test_largest_gain_first_per_metric_most_gains_first() -> None:
    gains = _section(_summary(), "## Largest claimed gains")
    assert gains.index("### top-1 accuracy (3 gains)") < gains.index("### LAS (1 gain)")
    top1 = gains[: gains.index("### LAS")]
    rows = [line for line in top1.splitlines() if line.startswith("| ") and "value" not in line]
    assert rows == [
        "| 81% | score | - | ImageNet 1K | Beta Net |",
        "| +4 | delta | - | - | Beta Net |",
        "| +2.5% | delta | - | ImageNet-1k | Alpha Net |",
    ]
    assert "| +1.2 pp | delta | - | Penn Treebank | Gamma\\|Parser: fast parsing |" in gains


def test_one_section_per_profile_with_figures_themes_and_summaries() -> None:
    text = _summary()
    profiles = text[text.index("# Researcher profiles") :]
    assert [line for line in profiles.splitlines() if line.startswith("## ")] == [
        "## Ada Lovelace",
        "## b",
    ]
    ada = _section(text, "## Ada Lovelace")
    assert "category CS · h-index 12 · papers 30 · citations 400 · novelty 55 · score 70.5" in ada
    assert "2 papers in this run." in ada
    assert "| 2021 | 1 | image classification | AlphaNet, ResNet |" in ada
    # tie of spellings (1 each): the first in code-point order
    assert "| all | 2 | Image Classification (2) | AlphaNet (2), BetaNet, ResNet |" in ada
    # newest first, title — summary
    assert ada.index("- **Beta Net** (2022) — BetaNet beats AlphaNet.") < ada.index(
        "- **Alpha Net** (2021) — We propose AlphaNet."
    )
    b = _section(text, "## b")
    assert "category - · h-index - · papers - · citations - · novelty - · score -" in b
    assert "3 papers in this run." in b
    assert "- **Delta Net** (2023) — no summary" in b
    # paper text is escaped the same everywhere, in tables or not (`md`)
    assert "- **Gamma\\|Parser: fast parsing** (2023) — Parses a\\|b fast." in b
    assert "| 2023 | 2 | dependency parsing, image classification | DeltaNet, GammaParser |" in b


def test_summary_is_deterministic_and_written_atomically(tmp_path: Path) -> None:
    assert _summary() == _summary()
    path = write_summary(tmp_path, build_tables(_typed(RECORDS)), PROFILES, RUN, _typed(RECORDS))
    assert path == tmp_path / SUMMARY_FILE
    assert path.read_text(encoding="utf-8") == _summary()
    assert [p.name for p in tmp_path.iterdir()] == [SUMMARY_FILE]


def test_profile_matched_by_name_when_paths_differ() -> None:
    moved = [dict(PROFILES[0], path="elsewhere/a.txt"), PROFILES[1]]
    text = render_summary(build_tables(_typed(RECORDS)), moved, RUN, _typed(RECORDS))
    assert "| Ada Lovelace | CS | 2 | 3 | 2021-2022 |" in text


@pytest.fixture(scope="module")
def corpus_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("corpus_run")
    out = tmp / "out"
    argv = [str(ROOT / "corpus"), "--out", str(out), "--cache-dir", str(tmp / "c"), "--quiet"]
    result = runner.invoke(enrich_app, argv, env=OFFLINE_ENV)
    assert result.exit_code == 0, result.output
    return out


def test_sample_corpus_summary_has_a_section_per_profile(corpus_run: Path) -> None:
    run = load_run(corpus_run)
    records = list(run.records())
    text = render_summary(run.tables(), run.profiles, run.run, records)
    assert text == (corpus_run / SUMMARY_FILE).read_text()  # the page-at-a-time summary.md
    assert len(run.profiles) == 5
    labels = [profile_label(p, i) for i, p in enumerate(run.profiles)]
    assert labels[:2] == ["Haiwen Hong", "Zhi-Hong Deng"]  # the others have no name: file stems
    assert labels[2:] == [Path(p["path"]).stem for p in run.profiles[2:]]
    profiles = text[text.index("# Researcher profiles") :]
    assert [line[3:] for line in profiles.splitlines() if line.startswith("## ")] == labels
    assert "backend `offline`" in text
    assert "134 papers (134 ok)" in text
    # Every paper listed under a profile file appears in that profile's section.
    for profile, label in zip(run.profiles, labels, strict=True):
        count = sum(any(s.path == profile["path"] for s in r.sources) for r in records)
        assert f"\n{count} papers in this run." in _section(text, f"## {label}")
    assert_tables_keep_their_columns(text)


# ---- enrich show ----------------------------------------------------------------------------

show_app = typer.Typer()
show_app.command()(show)


@pytest.fixture
def run_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "out"
    folder.mkdir()
    lines = "".join(json.dumps(r) + "\n" for r in RECORDS)
    (folder / "papers.jsonl").write_text(lines, encoding="utf-8")
    (folder / "profiles.json").write_text(json.dumps(PROFILES), encoding="utf-8")
    (folder / "run.json").write_text(json.dumps(RUN), encoding="utf-8")
    return folder


def _json(folder: Path, *args: str) -> dict[str, Any]:
    result = runner.invoke(show_app, [str(folder), *args, "--json"])
    assert result.exit_code == 0, result.output
    parsed: dict[str, Any] = json.loads(result.output)
    return parsed


def test_show_json_lists_every_paper_newest_first(run_dir: Path) -> None:
    data = _json(run_dir)
    assert data["total"] == 4
    assert [p["id"] for p in data["papers"]] == ["r4", "r3", "r2", "r1"]
    beta = data["papers"][2]
    assert beta["profiles"] == ["Ada Lovelace", "b"]
    assert beta["methods"] == ["BetaNet", "AlphaNet"]
    assert beta["best_gain"]["value"] == 81.0


def test_show_filters_match_canonically_and_by_substring(run_dir: Path) -> None:
    assert [p["id"] for p in _json(run_dir, "--dataset", "imagenet")["papers"]] == ["r2", "r1"]
    assert [p["id"] for p in _json(run_dir, "--dataset", "IMAGENET-1K")["papers"]] == ["r2", "r1"]
    assert _json(run_dir, "--task", "Image Classification")["total"] == 3
    assert [p["id"] for p in _json(run_dir, "--dataset", "imagenet", "--method", "beta")[
        "papers"]] == ["r2"]  # fmt: skip
    assert _json(run_dir, "--method", "resnet", "--task", "parsing")["total"] == 0
    limited = _json(run_dir, "--limit", "1")
    assert (limited["total"], len(limited["papers"])) == (4, 1)


def test_show_metric_keeps_only_gains_on_it(run_dir: Path) -> None:
    data = _json(run_dir, "--metric", "LAS")
    assert [p["id"] for p in data["papers"]] == ["r3"]
    assert [g["value"] for g in data["papers"][0]["gains"]] == [1.2]
    top1 = _json(run_dir, "--metric", "top 1 accuracy")
    assert [p["id"] for p in top1["papers"]] == ["r2", "r1"]
    assert [p["best_gain"]["value"] for p in top1["papers"]] == [81.0, 2.5]


def test_show_table_output(run_dir: Path) -> None:
    result = runner.invoke(show_app, [str(run_dir), "--metric", "las"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "1 of 1 matching papers (of 4 in the run)" in result.output
    assert "Gamma|Parser: fast parsing" in result.output
    assert "gains on 'las'" in result.output and "+1.2 pp" in result.output
    assert "Alpha Net" not in result.output
    everything = runner.invoke(show_app, [str(run_dir)], env={"COLUMNS": "200"})
    assert "4 of 4 matching papers" in everything.output
    assert all(t in everything.output for t in ("Alpha Net", "Beta Net", "Delta Net"))
    none = runner.invoke(show_app, [str(run_dir), "--task", "zzz"])
    assert none.exit_code == 0 and "no paper of the 4" in none.output


def test_show_errors_are_usage_errors(run_dir: Path, tmp_path: Path) -> None:
    missing = runner.invoke(show_app, [str(tmp_path / "nowhere")])
    assert isinstance(missing.exception, UsageError)
    assert "papers.jsonl" in missing.exception.message and missing.exception.hint
    blank = runner.invoke(show_app, [str(run_dir), "--dataset", "  "])
    assert isinstance(blank.exception, FilterError)


def test_show_on_sample_corpus_narrows(corpus_run: Path) -> None:
    everything = _json(corpus_run, "--limit", "0")
    assert everything["total"] == len(everything["papers"]) == 134
    cifar = _json(corpus_run, "--dataset", "cifar")
    assert 0 < cifar["total"] < 134
    assert all(
        any("cifar" in d.lower().replace("-", "") for d in p["datasets"])
        or any("cifar" in (g["dataset"] or "").lower() for g in p["gains"])
        for p in cifar["papers"]
    )
