"""Reviewing in report.html, in headless Chromium: corrections made in the page become gold.

A scripted reviewer (tests/review_session.py; its decisions from tests/review_plan.py) accepts,
rejects, moves and re-spans items, adds items and a gain from text selections, writes notes,
clears one paper, reloads and exports. The export must pass the gold checker, and `enrich eval`
of it against the same offline run must find exactly what the decisions imply. The pages of a
split report share the run's store.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from enrich.cli import app
from enrich.core.gold import check_gold
from enrich.core.tables import Tables
from enrich.offline.stated_numbers import mentions
from enrich.prompt_files import DEFAULT_PROMPTS_DIR, load_prompt_set
from enrich.review import html_report, load_run
from tests.conftest import CHROMEDRIVER, CHROMIUM, skip_reason

# Selenium is imported after this gate: it may be absent where the test is skipped.
if (_reason := skip_reason("browser")) is not None:
    pytest.skip(_reason, allow_module_level=True)

from selenium.webdriver import Chrome
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver

from tests.review_plan import Step, expected, plan_session, scored
from tests.review_session import Reviewer, browser, run_offline, score

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Run:
    out: Path
    cache: Path
    tables: Tables
    run: dict[str, Any]
    profiles: list[dict[str, Any]]


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    tmp = tmp_path_factory.mktemp("review")
    out, cache = tmp / "out", tmp / "cache"
    run_offline(ROOT / "corpus", out, cache)
    files = load_run(out)
    return Run(out, cache, files.tables(), files.run, files.profiles)


@pytest.fixture(scope="module")
def downloads(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("downloads")


@pytest.fixture(scope="module")
def driver(downloads: Path) -> Iterator[WebDriver]:
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.exists()]
    if missing:
        pytest.fail(
            f"the report's review test needs headless Chromium, but {' and '.join(missing)} "
            "is missing: install it with `apt-get install -y chromium chromium-driver` "
            "(as root; .ci/run does this)",
            pytrace=False,
        )
    chromium = browser(downloads)
    try:
        yield chromium
    finally:
        chromium.quit()


def _errors(driver: WebDriver) -> list[str]:
    """The page's JavaScript errors since last asked."""
    assert isinstance(driver, Chrome)  # its console log is Chromium's
    logs: list[dict[str, Any]] = driver.get_log("browser")  # type: ignore[no-untyped-call]
    return [str(e["message"]) for e in logs if e["level"] == "SEVERE"]


def _count(driver: WebDriver) -> str:
    return str(driver.find_element(By.ID, "rv-count").text)


def _marks(driver: WebDriver, paper: str) -> dict[str, list[str]]:
    """Each highlight of a card by key: [field, classes, text]."""
    found: dict[str, list[str]] = driver.execute_script(
        "const card = [...document.querySelectorAll('article.card')]"
        ".find(c => c.dataset.id === arguments[0]);"
        "return Object.fromEntries([...card.querySelectorAll('.abstract mark[data-key]')]"
        ".map(m => [m.dataset.key, [m.dataset.field, m.className, m.textContent]]));",
        paper,
    )
    return found


def _check_marks(driver: WebDriver, tables: Tables, steps: list[Step]) -> None:
    """After a reload the abstracts show each decision on its highlight."""
    cleared = {s.paper for s in steps if s.action == "clear"}
    for step in steps:
        if step.paper in cleared or step.action not in ("accept", "reject", "move", "span", "add"):
            continue
        marks = _marks(driver, step.paper)
        abstract = next(p.abstract for p in tables.papers if p.paper_id == step.paper)
        if step.action == "add":
            chosen = abstract[step.start : step.end]
            added = [m for key, m in marks.items() if key.startswith("add:")]
            assert any(m[2] == chosen and "rv-added" in m[1].split() for m in added), marks
            continue
        shown = marks[step.key]
        word = {"accept": "rv-accepted", "reject": "rv-rejected"}.get(step.action, "rv-edited")
        assert word in shown[1].split(), (step, shown)
        if step.action == "move":
            assert shown[0] == step.field and step.field in shown[1].split()
        if step.action == "span":
            assert shown[2] == abstract[step.start : step.end]
    decided = {"rv-accepted", "rv-rejected", "rv-edited", "rv-added"}
    for paper in cleared:
        assert not any(decided & set(m[1].split()) for m in _marks(driver, paper).values())
        card = driver.find_element(By.CSS_SELECTOR, f'article.card[data-id="{paper}"]')
        assert "reviewed" not in str(card.get_attribute("class")).split()


def test_review_decisions_become_gold(
    run: Run, driver: WebDriver, downloads: Path, tmp_path: Path
) -> None:
    tables = run.tables
    steps = plan_session(tables, with_clear=True)
    assert {s.action for s in steps} == {
        "accept", "reject", "move", "span", "add", "gain-accept", "gain-reject", "gain-add",
        "confirm", "confirm-all", "note", "clear",
    }  # fmt: skip
    driver.get((run.out / "report.html").as_uri())
    assert _count(driver) == "0 papers reviewed in this run (all pages)"
    reviewer = Reviewer(driver, tables)
    reviewer.run(steps)

    # the gain form was prefilled from the selection: the number, its unit, the text
    for n, step in enumerate(steps):
        if step.action != "gain-add":
            continue
        abstract = next(p.abstract for p in tables.papers if p.paper_id == step.paper)
        form = reviewer.prefills[n]
        stated = next(m for m in mentions(abstract, 0, len(abstract)) if m.end == step.end)
        assert form["text"] == abstract[step.start : step.end]
        assert float(form["value"]) == stated.value and form["unit"] == stated.unit
        assert form["kind"] in ("delta", "score", "ratio")

    want = expected(tables, steps, reviewer.prefills)
    papers = [p.paper_id for p in tables.papers if p.paper_id in want]
    assert len(papers) == 5  # the sixth was cleared
    outcomes = [o for fields in want.values() for o in fields.values()]
    assert all(sum(len(getattr(o, k)) for o in outcomes) > 0 for k in ("tp", "fp", "fn"))

    # reload: the decisions are kept, and shown
    before = driver.execute_script("return window.enrichExport()")
    driver.refresh()
    assert _count(driver) == "5 papers reviewed in this run (all pages)"
    assert driver.execute_script("return window.enrichExport()") == before
    _check_marks(driver, tables, steps)
    summary = driver.find_element(
        By.CSS_SELECTOR, f'article.card[data-id="{papers[0]}"] .rv-summary'
    )
    assert summary.text.startswith("reviewed: ") and "1 accepted" in summary.text

    text = reviewer.export(downloads)
    assert text == before
    lines = [json.loads(line) for line in text.splitlines()]
    assert [line["id"] for line in lines] == papers  # report order, reviewed papers only
    by_id = {p.paper_id: p for p in tables.papers}
    notes = {s.paper: s.text for s in steps if s.action == "note"}
    for line in lines:
        assert line["abstract"] == by_id[line["id"]].abstract
        assert line["title"] == by_id[line["id"]].title
        assert set(line["gold"]) == set(want[line["id"]])  # untouched fields: not annotated
        review = line["review"]
        assert {k: review[k] for k in ("run_id", "model", "prompt_hash", "backend")} == {
            k: run.run[k] for k in ("run_id", "model", "prompt_hash", "backend")
        }
        assert review["note"] == notes.get(line["id"], "")
        assert datetime.fromisoformat(review["reviewed_at"].replace("Z", "+00:00"))

    # the export is a valid gold file, and scoring it reproduces the decisions exactly
    examples = [e.text for e in load_prompt_set(DEFAULT_PROMPTS_DIR / "extract").examples]
    assert check_gold(text, examples) == []
    exported = tmp_path / "reviewed.jsonl"
    exported.write_text(text, encoding="utf-8")
    checked = CliRunner().invoke(app, ["eval", "--check-gold", str(exported)])
    assert checked.exit_code == 0 and "5 records, no problems" in checked.output
    assert scored(score(exported, run.cache, tmp_path / "runs")) == want
    assert _errors(driver) == []


def test_split_report_pages_share_the_runs_store(
    run: Run, driver: WebDriver, downloads: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(html_report, "PAGE_PAPERS", 50)
    split = {**run.run, "run_id": f"{run.run['run_id']}-split"}  # its own store in this browser
    html_report.write_report(tmp_path, run.tables, run.profiles, split)
    pages = [tmp_path / html_report.page_name(n) for n in (1, 2, 3)]
    assert all(page.is_file() for page in pages)
    second, third = run.tables.papers[60].paper_id, run.tables.papers[120].paper_id
    reviewer = Reviewer(driver, run.tables)
    driver.get((run.out / "report.html").as_uri())
    other_run = _count(driver)

    driver.get(pages[1].as_uri())
    reviewer.do(0, Step(second, "confirm-all"))
    driver.get(pages[2].as_uri())
    assert _count(driver) == "1 paper reviewed in this run (all pages)"
    reviewer.do(0, Step(third, "note", text="seen on page 3"))

    driver.get(pages[0].as_uri())  # neither paper is on page 1, both are exported from it
    assert _count(driver) == "2 papers reviewed in this run (all pages)"
    lines = [json.loads(line) for line in reviewer.export(downloads).splitlines()]
    assert [line["id"] for line in lines] == [second, third]
    assert set(lines[0]["gold"]) == {"methods", "tasks", "datasets", "metrics", "gains"}
    assert lines[1]["gold"] == {} and lines[1]["review"]["note"] == "seen on page 3"
    assert {line["review"]["run_id"] for line in lines} == {split["run_id"]}

    clear = driver.find_element(By.ID, "rv-clear-all")
    clear.click()
    assert clear.text == "click again to clear 2 reviews"
    clear.click()
    assert _count(driver) == "0 papers reviewed in this run (all pages)"
    driver.get(pages[1].as_uri())
    assert _count(driver) == "0 papers reviewed in this run (all pages)"
    card = driver.find_element(By.CSS_SELECTOR, f'article.card[data-id="{second}"]')
    assert "reviewed" not in str(card.get_attribute("class")).split()
    assert driver.execute_script("return window.enrichExport()") == ""

    # the other run's reviews (the single-page report's) are untouched by this run's clearing
    driver.get((run.out / "report.html").as_uri())
    assert _count(driver) == other_run


def test_keyboard_review_keeps_focus_and_undo_forgets(run: Run, driver: WebDriver) -> None:
    driver.get((run.out / "report.html").as_uri())
    before = _count(driver)
    paper = run.tables.papers[-1].paper_id
    card = driver.find_element(By.CSS_SELECTOR, f'article.card[data-id="{paper}"]')
    toggle = card.find_element(By.CSS_SELECTOR, ".rv-toggle")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", toggle)
    toggle.send_keys(Keys.ENTER)
    assert toggle.get_attribute("aria-expanded") == "true" and toggle.text == "close review"
    accept = card.find_element(By.CSS_SELECTOR, 'button[data-act="accept"]')
    key = accept.get_attribute("data-key")
    accept.send_keys(Keys.SPACE)
    focused = driver.switch_to.active_element  # the redrawn panel's same button
    assert (
        focused.get_attribute("data-act") == "accept" and focused.get_attribute("data-key") == key
    )
    assert focused.get_attribute("aria-pressed") == "true"
    assert "reviewed" in str(card.get_attribute("class")).split()
    focused.send_keys(Keys.SPACE)  # pressed again: undecided, nothing left to keep
    assert driver.switch_to.active_element.get_attribute("aria-pressed") == "false"
    assert "reviewed" not in str(card.get_attribute("class")).split()
    assert _count(driver) == before


def test_typed_text_stands_in_for_a_selection(run: Run, driver: WebDriver) -> None:
    """Keyboard users type the words instead of selecting them: they must be the abstract's."""
    driver.get((run.out / "report.html").as_uri())
    paper = run.tables.papers[-2]
    reviewer = Reviewer(driver, run.tables)
    reviewer.open(paper.paper_id)
    typed = reviewer._in(paper.paper_id, ".rv-seltext")
    typed.send_keys("words that are not in this abstract")
    reviewer._in(paper.paper_id, '.rv-sel button[data-field="datasets"]').click()
    assert reviewer.error(paper.paper_id) == (
        "\u201cwords that are not in this abstract\u201d is not in the abstract"
    )
    word = paper.abstract.split()[-1].strip(".")
    typed = reviewer._in(paper.paper_id, ".rv-seltext")
    typed.clear()
    typed.send_keys(word)
    reviewer._in(paper.paper_id, '.rv-sel button[data-field="datasets"]').click()
    assert reviewer.error(paper.paper_id) == ""
    lines = [
        json.loads(x) for x in driver.execute_script("return window.enrichExport()").splitlines()
    ]
    gold = next(line for line in lines if line["id"] == paper.paper_id)
    assert gold["gold"]["datasets"][-1] == word
    reviewer._in(paper.paper_id, 'button[data-act="clear"]').click()
    assert paper.paper_id not in driver.execute_script("return window.enrichExport()")
    assert _errors(driver) == []
