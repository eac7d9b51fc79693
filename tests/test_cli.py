from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from enrich import __version__
from enrich.cli import app

runner = CliRunner()


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout.strip() == f"enrich {__version__}"


def test_help_is_complete() -> None:
    top = runner.invoke(app, ["--help"])
    assert top.exit_code == 0
    assert "papers" in top.stdout and "--version" in top.stdout
    sub = runner.invoke(app, ["papers", "--help"])
    assert sub.exit_code == 0
    for option in ("--format", "--out", "--field", "--quiet", "CORPUS"):
        assert option in sub.stdout
    assert "BibTeX" in sub.stdout


def test_papers_jsonl_on_sample_corpus(sample_corpus: Path) -> None:
    result = runner.invoke(app, ["papers", str(sample_corpus), "--format", "jsonl"])
    assert result.exit_code == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(records) == 134
    assert len({r["id"] for r in records}) == 134
    assert sum(len(r["sources"]) for r in records) == 151
    assert "5 files read, 151 entries, 134 papers after de-duplication" in result.stderr
    assert "1 skipped (1 documentation file)" in result.stderr


def test_papers_csv_to_file(sample_corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "papers.csv"
    result = runner.invoke(app, ["papers", str(sample_corpus), "--out", str(out), "--quiet"])
    assert result.exit_code == 0
    assert result.stdout == "" and result.stderr == ""
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("id,title,authors")
    assert not list(tmp_path.glob(".*.tmp"))


def test_papers_table(sample_corpus: Path) -> None:
    result = runner.invoke(
        app, ["papers", str(sample_corpus / "004_816b7048286ea66e.txt")], env={"COLUMNS": "200"}
    )
    assert result.exit_code == 0
    assert "Revisiting the Parameter Efficiency" in result.stdout
    assert "1 file read, 11 entries, 11 papers" in result.stderr


def test_missing_path_is_one_line_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["papers", str(tmp_path / "nope")])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("Error: ") and "nope: no such file or folder" in lines[0]


def test_bad_field_map_names_the_fields(sample_corpus: Path) -> None:
    result = runner.invoke(app, ["papers", str(sample_corpus), "--field", "abstrct=Summary"])
    assert result.exit_code == 2
    assert "unknown field 'abstrct'" in result.stderr
    assert "abstract" in result.stderr


def test_field_map_is_applied(tmp_path: Path) -> None:
    data = tmp_path / "export.csv"
    data.write_text("Paper Name,Summary Text\nA Paper,We propose X.\n", encoding="utf-8")
    result = runner.invoke(
        app,
        ["papers", str(data), "--format", "jsonl", "--field", "title=Paper Name",
         "--field", "abstract=Summary Text"],
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    (record,) = [json.loads(line) for line in result.stdout.splitlines()]
    assert (record["title"], record["abstract"]) == ("A Paper", "We propose X.")


def test_one_paper_across_formats_becomes_one_record() -> None:
    """BibTeX, Atom, CSV and Markdown listings of one paper merge by arXiv id, DOI or title."""
    folder = Path(__file__).parent / "fixtures" / "mixed"
    result = runner.invoke(app, ["papers", str(folder), "--format", "jsonl"])
    assert result.exit_code == 0, result.stderr
    records = {r["id"]: r for r in map(json.loads, result.stdout.splitlines())}
    assert len(records) == 3
    attention = records["arxiv:1706.03762"]
    assert sorted(s["format"] for s in attention["sources"]) == ["atom", "bibtex", "markdown"]
    assert attention["authors"] == ["Ashish Vaswani", "Noam Shazeer"]
    assert attention["year"] == 2017
    bert = records["doi:10.18653/v1/n19-1423"]
    assert [s["format"] for s in bert["sources"]] == ["csv", "bibtex"]
    assert bert["title"].startswith("BERT: Pre-training")
    assert "refs.bib:18: could not parse BibTeX block" in result.stderr
    assert "4 files read, 6 entries, 3 papers after de-duplication" in result.stderr


def test_a_command_line_imports_only_the_command_it_names() -> None:
    from enrich.cli import _commands_for

    assert _commands_for(["--version"]) == ()
    assert _commands_for(["corpus/", "--out", "o"]) == ("run",)
    assert _commands_for(["eval", "--gold", "g.jsonl"]) == ("eval",)
    assert _commands_for(["--help"]) == _commands_for([]) == _commands_for(["--version", "--help"])
    assert {"run", "plan", "papers", "report", "show", "cache", "eval", "gold", "summarize"} <= set(
        _commands_for([])
    )
    assert _commands_for(["plan", "corpus/"]) == ("plan",)
    code = (
        "import sys\nfrom enrich.cli import main\nsys.argv = ['enrich', '--version']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in ('pydantic', 'openai', 'numpy', 'rich', 'enrich.cli.run') "
        "if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.splitlines() == [f"enrich {__version__}", "[]"]


def test_run_and_eval_declare_the_engine_options_once() -> None:
    """Every engine option reaches the commands that extract (and `plan`, which must take
    exactly the run's options) from one declaration: same flag, help and default; the
    commands receive them as one `EngineOptions`."""
    import typer.main

    from enrich.cli.engine import EngineOptions

    group = typer.main.get_command(app)
    commands = group.commands  # type: ignore[attr-defined]

    def engine_params(command: Any) -> dict[str, tuple[object, ...]]:
        return {
            p.name: (tuple(p.opts), p.help, p.default)
            for p in command.params
            if p.name in EngineOptions.__dataclass_fields__
        }

    run_params, eval_params = engine_params(commands["run"]), engine_params(commands["eval"])
    assert list(run_params) == list(EngineOptions.__dataclass_fields__)
    assert run_params == eval_params == engine_params(commands["plan"])
    assert run_params["provider"][0] == ("--provider",) and run_params["gains"][2] == "rules"
