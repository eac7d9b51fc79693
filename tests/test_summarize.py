"""`enrich summarize`: an overview per researcher profile and one for the corpus, every sentence
citing papers of the run, re-asked or dropped when it does not, cached, and kept by `enrich
report`. Against the in-test fake OpenAI server; the pure core's check and input are tested
alone; one test runs the real llama.cpp server (`llama` marker)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from enrich.cli import app
from enrich.core.overview import (
    CitationProblem,
    ModelOverview,
    OverviewSentence,
    OverviewsFile,
    answer_schemas,
    check_citations,
    current_overviews,
    listed_refs,
    normalize_cite,
)
from enrich.core.overview_input import (
    OverviewPaper,
    Selection,
    build_input,
    overview_ask,
    stored_overview,
)
from enrich.core.requests import Generation
from enrich.core.tables import record_profiles
from enrich.errors import PromptError
from enrich.prompt_files import DEFAULT_PROMPTS_DIR, load_overview_prompt
from enrich.review import load_run
from enrich.review.overviews import OVERVIEWS_FILE
from enrich.review.tally import profile_label
from tests.conftest import ROOT
from tests.fake_openai_server import FakeOpenAIServer, Reply, completion
from tests.llama_server import LlamaServer

runner = CliRunner()
NO_ENDPOINT = {"OPENAI_API_KEY": "", "OPENAI_BASE_URL": "", "ENRICH_MODEL": ""}
FEEDBACK = "Your answer failed validation"


# ---- the pure core --------------------------------------------------------------------------


def _overview(*cites: list[str]) -> ModelOverview:
    return ModelOverview(
        sentences=[OverviewSentence(text=f"Sentence {i}.", cites=c) for i, c in enumerate(cites)]
    )


def test_check_citations_finds_uncited_sentences_and_unknown_ids() -> None:
    allowed = {"P1", "P2", "P3"}
    assert check_citations(_overview(["P1"], ["[p2]", " P3 "]), allowed) == []
    assert check_citations(ModelOverview(sentences=[]), allowed) == [CitationProblem("no sentence")]
    problems = check_citations(_overview(["P1"], [], ["P2", "P9", "P9"], ["doi:10.1/x"]), allowed)
    assert problems == [
        CitationProblem("no citation", 2),
        CitationProblem("unknown id", 3, "P9"),  # once, however often it is cited
        CitationProblem("unknown id", 4, "doi:10.1/x"),
    ]
    assert str(problems[1]) == "sentence 3 cites 'P9', which is not a listed paper"
    assert normalize_cite("(P07)") == "P7" and normalize_cite(" arxiv:1 ") == "arxiv:1"


def _paper(number: int, year: int | None, items: int = 0) -> OverviewPaper:
    return OverviewPaper(
        paper_id=f"id:{number:03d}", title=f"Paper {number}", year=year,
        summary=f"What paper {number} finds.", methods=("M",), items=items,
    )  # fmt: skip


def test_inputs_are_capped_most_recent_first_and_bounded_in_size() -> None:
    selection = Selection(cap=3)
    for number, year in enumerate([2019, None, 2024, 2021, 2024, 2022, None, 2020], 1):
        selection.add(_paper(number, year, items=number))
    source = build_input("profile", "Ada", selection, category="CL")
    assert source.total == 8
    # 2024 twice (the one with more items first), then 2022; unknown years come last
    assert [p.paper_id for p in source.papers] == ["id:005", "id:003", "id:006"]
    text = source.text()
    assert text.startswith("Researcher profile: Ada (category CL).\n8 papers; the 3 most recent")
    assert listed_refs(text) == ["P1", "P2", "P3"] and source.refs["P2"] == "id:003"
    small = build_input("corpus", "corpus", selection, max_chars=520)  # ~400 for the header
    assert len(small.papers) == 2 and len(small.text()) <= 520
    assert "8 papers; the 2 most recent are listed." in small.text()


def test_a_kept_overview_cites_run_ids_and_is_checked_against_the_scope() -> None:
    selection = Selection()
    for number in (1, 2):
        selection.add(_paper(number, 2020 + number))
    source = build_input("profile", "Ada", selection)
    kept = stored_overview(source, _overview(["P1", "p2"], ["P2"]))
    assert [s.cites for s in kept.sentences] == [["id:002", "id:001"], ["id:001"]]
    assert [c.title for c in kept.cited] == ["Paper 2", "Paper 1"]
    assert check_citations(kept, {"id:001", "id:002"}) == []
    assert check_citations(kept, {"id:001"}) == [CitationProblem("unknown id", 1, "id:002")]
    stored = OverviewsFile(run_id="r1", backend="openai", model="m", prompt_hash="p",
                           schema_hash="s", overviews=[kept])  # fmt: skip
    shown, notes = current_overviews(stored, "r1", lambda o: {"id:001"})
    assert shown.overviews == [] and notes == ["Ada: overview left out: " + str(
        CitationProblem("unknown id", 1, "id:002"))]  # fmt: skip
    shown, notes = current_overviews(stored, "r2", lambda o: {"id:001", "id:002"})
    assert shown.overviews == [] and "written for run r1, not r2" in notes[0]


def test_the_request_limits_citations_to_the_listed_ids() -> None:
    selection = Selection()
    selection.add(_paper(1, 2024))
    ask = overview_ask(load_overview_prompt(), build_input("profile", "Ada", selection))
    body = ask.body(model="m", mode="json_object", generation=Generation(max_tokens=300))
    cites = body["response_format"]["schema"]["$defs"]["OverviewSentence"]["properties"]["cites"]
    assert cites["items"]["enum"] == ["P1"] and cites["minItems"] == 1
    assert body["response_format"]["schema"]["properties"]["sentences"]["minItems"] == 1
    assert '"cites": [string, ...]' in body["messages"][0]["content"]  # the shape, JSON mode
    assert body["messages"][-1]["content"].startswith("Researcher profile: Ada")
    many = answer_schemas([f"P{n}" for n in range(1, 9)])[1]["properties"]["sentences"]
    assert (many["minItems"], many["maxItems"]) == (3, 6)  # 3 to 6 sentences, by grammar
    strict = ask.body(model="m", mode="json_schema", generation=Generation())
    assert strict["response_format"]["json_schema"]["name"] == "overview"


def test_shipped_overview_prompt_loads_and_examples_are_checked(tmp_path: Path) -> None:
    shipped = load_overview_prompt()
    assert len(shipped.hash) == 16 and "Cite only ids from the list" in shipped.instructions
    folder = tmp_path / "summarize"
    shutil.copytree(DEFAULT_PROMPTS_DIR / "summarize", folder)
    listing = "Researcher profile: Ada.\n2 papers, all listed.\n\nP1 (2024) A\n\nP2 (2023) B"
    example = {"id": "ex", "input": listing, "output": {"sentences": [
        {"text": "A and B.", "cites": ["P1", "P2"]}]}}  # fmt: skip
    path = folder / "examples.jsonl"
    path.write_text(json.dumps(example) + "\n", encoding="utf-8")
    with_example = load_overview_prompt(folder)
    assert len(with_example.examples) == 1 and with_example.hash != shipped.hash
    ask = overview_ask(with_example, build_input("profile", "Bo", Selection()))
    assert [m["role"] for m in ask.messages] == ["system", "user", "assistant", "user"]
    example["output"]["sentences"][0]["cites"] = ["P9"]
    path.write_text(json.dumps(example) + "\n", encoding="utf-8")
    with pytest.raises(PromptError, match=r"examples.jsonl:1: example 'ex': .* cites 'P9'"):
        load_overview_prompt(folder)


# ---- the command against a fake server ------------------------------------------------------


@pytest.fixture(scope="module")
def offline_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("offline_run")
    argv = [str(ROOT / "corpus"), "--out", str(tmp / "out"), "--cache-dir", str(tmp / "c"),
            "--quiet", "--backend", "offline"]  # fmt: skip
    result = runner.invoke(app, argv, env=NO_ENDPOINT)
    assert result.exit_code == 0, result.output
    return tmp / "out"


@pytest.fixture
def run_dir(offline_run: Path, tmp_path: Path) -> Path:
    shutil.copytree(offline_run, tmp_path / "out")
    return tmp_path / "out"


def _input(body: dict[str, Any]) -> str:
    """The listing a request asks about (the last user turn that is not a re-ask's feedback)."""
    users = [m["content"] for m in body["messages"] if m["role"] == "user"]
    return next(text for text in reversed(users) if not text.startswith(FEEDBACK))


def _label(body: dict[str, Any]) -> str:
    match = re.match(r"Researcher profile: (.+?)(?: \(category .*\))?\.\n", _input(body))
    return match.group(1) if match else "corpus"


def _answer(*cites: list[str]) -> Reply:
    sentences = [{"text": f"Theme {i} of these papers.", "cites": c} for i, c in enumerate(cites)]
    return completion({"sentences": sentences})


def _valid(body: dict[str, Any]) -> Reply:
    refs = listed_refs(_input(body))
    return _answer(refs[:2], refs[-1:], ["[" + refs[0].lower() + "]"])


def _summarize(
    out: Path, server: FakeOpenAIServer, cache: Path, *extra: str
) -> Any:  # typer's Result
    argv = ["summarize", str(out), "--base-url", server.base_url, "--model", "fake",
            "--cache-dir", str(cache), *extra]  # fmt: skip
    return runner.invoke(app, argv, env=NO_ENDPOINT)


def _check_written(out: Path) -> OverviewsFile:
    """Every overview written cites, in every sentence, papers of its own scope in the run."""
    run = load_run(out)
    stored = OverviewsFile.model_validate_json((out / OVERVIEWS_FILE).read_text())
    ids = set()
    members: dict[str, set[str]] = {}
    for record in run.records():
        ids.add(record.id)
        for label in record_profiles(record):
            members.setdefault(label, set()).add(record.id)
    assert stored.run_id == run.run["run_id"]
    for overview in stored.overviews:
        allowed = ids if overview.scope == "corpus" else members[overview.label]
        assert overview.sentences and check_citations(overview, allowed) == []
    summary = (out / "summary.md").read_text()
    for cited in stored.cited_ids():
        assert f"`{cited}`" in summary
    return stored


def _count(pattern: str, text: str) -> int:
    return len(re.findall(pattern, text, re.MULTILINE))


def test_one_overview_per_profile_and_corpus_in_summary_md_then_cached(
    run_dir: Path, fake_openai: FakeOpenAIServer, tmp_path: Path
) -> None:
    before = (run_dir / "summary.md").read_text()
    fake_openai.responder = _valid
    result = _summarize(run_dir, fake_openai, tmp_path / "cache", "--json")
    assert result.exit_code == 0, result.output
    assert fake_openai.count == 6  # 5 profiles and the corpus, one request each
    figures = json.loads(result.stdout)
    assert (figures["overviews"], figures["dropped"], figures["cached"]) == (6, 0, 0)
    assert all(s["invalid_citations"] == 0 and s["citations"] == 4 for s in figures["scopes"])
    stored = _check_written(run_dir)
    profiles = load_run(run_dir).profiles
    labels = [profile_label(p, i) for i, p in enumerate(profiles)]
    assert [o.label for o in stored.overviews] == ["corpus", *labels]
    summary = (run_dir / "summary.md").read_text()
    assert _count(r"^## Overview$", summary) == 1 and _count(r"^### Overview$", summary) == 5
    assert "Theme 0 of these papers. [1, 2] Theme 1 of these papers. [3]" in summary
    # the computed digest is all still there, the overviews only added
    kept = [line for line in before.splitlines() if line not in summary.splitlines()]
    assert kept == []
    for label in labels:  # each profile's overview sits in its own section
        section = summary[summary.index(f"\n## {label}\n") :].split("\n## ", 2)[1]
        assert "### Overview" in section
    # a rerun asks nothing and writes the same
    again = _summarize(run_dir, fake_openai, tmp_path / "cache")
    assert again.exit_code == 0, again.output
    assert fake_openai.count == 6
    assert "6 overviews written (6 from cache), 0 dropped; 0 requests" in again.stderr
    assert (run_dir / "summary.md").read_text() == summary
    # `enrich report` keeps them
    assert runner.invoke(app, ["report", str(run_dir), "--quiet"]).exit_code == 0
    assert (run_dir / "summary.md").read_text() == summary


def test_a_bad_citation_is_reasked_then_accepted_or_dropped_with_a_warning(
    run_dir: Path, fake_openai: FakeOpenAIServer, tmp_path: Path
) -> None:
    def responder(body: dict[str, Any]) -> Reply:
        label = _label(body)
        reasked = body["messages"][-1]["content"].startswith(FEEDBACK)
        if label == "corpus" and not reasked:
            return _answer(["P1"], ["P99"])  # fixed when re-asked
        if label == "Haiwen Hong":
            return _answer(["P1"], [])  # never fixed
        return _valid(body)

    fake_openai.responder = responder
    result = _summarize(run_dir, fake_openai, tmp_path / "cache")
    assert result.exit_code == 1, result.output
    # corpus: asked and re-asked; Haiwen Hong: asked and re-asked twice; 4 others once
    assert fake_openai.count == 2 + 3 + 4
    feedback = [b["messages"][-1]["content"] for b in fake_openai.bodies
                if b["messages"][-1]["content"].startswith(FEEDBACK)]  # fmt: skip
    assert any("sentence 2 cites 'P99', which is not a listed paper" in f for f in feedback)
    assert any("sentence 2 cites no paper" in f for f in feedback)
    assert all("Cite only the ids of the listed papers (P1 to P" in f for f in feedback)
    assert (
        "warning: profile 'Haiwen Hong': overview dropped: invalid output after 2 re-asks: "
        "sentence 2 cites no paper" in result.stderr
    )
    stored = _check_written(run_dir)
    assert [o.label for o in stored.overviews if o.scope == "corpus"] == ["corpus"]
    assert stored.for_profile("Haiwen Hong") is None and len(stored.overviews) == 5
    summary = (run_dir / "summary.md").read_text()
    haiwen = summary[summary.index("\n## Haiwen Hong\n") :].split("\n## ", 2)[1]
    assert "### Overview" not in haiwen and "P99" not in summary
    # only the accepted answers were cached: a rerun asks again for the dropped one alone
    fake_openai.responder = _valid
    again = _summarize(run_dir, fake_openai, tmp_path / "cache")
    assert again.exit_code == 0 and fake_openai.count == 9 + 1
    assert _check_written(run_dir).for_profile("Haiwen Hong") is not None


def test_stale_overviews_are_left_out_when_the_run_changes(
    run_dir: Path, fake_openai: FakeOpenAIServer, tmp_path: Path
) -> None:
    fake_openai.responder = _valid
    assert _summarize(run_dir, fake_openai, tmp_path / "cache", "-q").exit_code == 0
    run = json.loads((run_dir / "run.json").read_text())
    run["run_id"] = "a-later-extraction"
    (run_dir / "run.json").write_text(json.dumps(run))
    assert runner.invoke(app, ["report", str(run_dir), "--quiet"]).exit_code == 0
    assert "Overview" not in (run_dir / "summary.md").read_text()
    (run_dir / OVERVIEWS_FILE).write_text("{broken")  # a rebuild does not fail on it
    assert runner.invoke(app, ["report", str(run_dir), "--quiet"]).exit_code == 0


@pytest.mark.parametrize("argv", [["--backend", "offline"], []])
def test_the_offline_backend_says_overviews_need_an_llm(run_dir: Path, argv: list[str]) -> None:
    before = (run_dir / "summary.md").read_text()
    result = runner.invoke(app, ["summarize", str(run_dir), *argv], env=NO_ENDPOINT)
    assert result.exit_code == 0
    assert result.stderr.splitlines() == [
        "enrich summarize: overviews need an LLM backend (--backend local, or --base-url URL "
        "or OPENAI_API_KEY); summary.md keeps its computed digest"
    ]
    assert (run_dir / "summary.md").read_text() == before
    assert not (run_dir / OVERVIEWS_FILE).exists()


def test_summarize_takes_the_engine_options_of_run_that_apply() -> None:
    import typer.main

    from enrich.cli.engine import EngineOptions

    commands = typer.main.get_command(app).commands  # type: ignore[attr-defined]

    def engine(name: str) -> dict[str, tuple[object, ...]]:
        return {
            p.name: (tuple(p.opts), p.help, p.default)
            for p in commands[name].params
            if p.name in EngineOptions.__dataclass_fields__
        }

    run, summarize = engine("run"), engine("summarize")
    assert {k: v for k, v in run.items() if k not in ("prompts", "gains", "items", "batch")} == {
        k: v for k, v in summarize.items() if k != "prompts"
    }
    assert str(summarize["prompts"][2]).endswith("summarize")


# ---- the real llama.cpp server -------------------------------------------------------------


@pytest.mark.llama
def test_summarize_against_llama_cpp_writes_only_valid_citations(
    llama_server: LlamaServer, tmp_path: Path
) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in ("000_50b8f8d5f43da08b.txt", "004_816b7048286ea66e.txt"):  # 2 profiles
        shutil.copy(ROOT / "corpus" / name, corpus / name)
    out, cache = tmp_path / "out", tmp_path / "cache"
    made = runner.invoke(app, [str(corpus), "--out", str(out), "--backend", "offline", "-q",
                               "--cache-dir", str(cache)], env=NO_ENDPOINT)  # fmt: skip
    assert made.exit_code == 0, made.output
    argv = ["summarize", str(out), "--base-url", llama_server.base_url, "--model",
            llama_server.model, "--max-papers", "3", "--max-tokens", "400", "--concurrency", "1",
            "--timeout", "300", "--cache-dir", str(cache), "--json"]  # fmt: skip
    result = runner.invoke(app, argv, env=NO_ENDPOINT)
    figures = json.loads(result.stdout)
    assert len(figures["scopes"]) == 3  # the corpus and 2 profiles
    assert all(s["invalid_citations"] == 0 for s in figures["scopes"])
    assert result.exit_code == (1 if figures["dropped"] else 0), result.output
    assert figures["overviews"] >= 1, figures["warnings"]
    stored = _check_written(out)
    assert len(stored.overviews) == figures["overviews"]
    again = json.loads(runner.invoke(app, argv, env=NO_ENDPOINT).stdout)
    assert again["cached"] == figures["overviews"]  # accepted answers are not asked again
    assert all(s["requests"] == 0 for s in again["scopes"] if s["cached"])
