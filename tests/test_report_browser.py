"""report.html in a real browser: headless Chromium (Debian packages) driven by Selenium.

The offline extractor runs on the sample corpus; one abstract gets a <script> appended, and the
page must show it as text. Filters must narrow the cards to the counts the tables predict.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from enrich.cli import app
from enrich.core.tables import Tables, build_tables
from enrich.review import load_run
from enrich.review.highlight import place_items
from enrich.review.html_report import write_report
from tests.conftest import CHROMEDRIVER, CHROMIUM, skip_reason

# Selenium is imported after this gate: it may be absent where the test is skipped.
if (_reason := skip_reason("browser")) is not None:
    pytest.skip(_reason, allow_module_level=True)

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import Select

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"
INJECTED = "<script>window.__pwned=1</script>"


@dataclass
class Report:
    path: Path
    tables: Tables
    pwned_id: str  # the paper whose abstract carries INJECTED


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Report:
    tmp = tmp_path_factory.mktemp("report")
    out = tmp / "out"
    env = {"OPENAI_API_KEY": "", "OPENAI_BASE_URL": "", "ENRICH_MODEL": ""}
    argv = [str(ROOT / "corpus"), "--out", str(out), "--cache-dir", str(tmp / "c"), "--quiet"]
    result = CliRunner().invoke(app, argv, env=env)
    assert result.exit_code == 0, result.output
    run = load_run(out)
    records = list(run.records())
    target = next(r for r in records if r.extraction is not None and r.extraction.methods)
    target.abstract = target.abstract + " " + INJECTED  # spans stay valid
    tables = build_tables(records)
    return Report(write_report(out, tables, run.profiles, run.run), tables, target.id)


@pytest.fixture(scope="module")
def browser() -> Iterator[WebDriver]:
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.exists()]
    if missing:
        pytest.fail(
            f"the report's browser test needs headless Chromium, but {' and '.join(missing)} "
            "is missing: install it with `apt-get install -y chromium chromium-driver` "
            "(as root; .ci/run does this)",
            pytrace=False,
        )
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,1000"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def _visible_cards(driver: WebDriver) -> int:
    return sum(1 for c in driver.find_elements(By.CSS_SELECTOR, "article.card") if c.is_displayed())


def _count_text(driver: WebDriver) -> str:
    return str(driver.find_element(By.ID, "count").text)


def test_report_in_headless_chromium(report: Report, browser: WebDriver) -> None:
    tables = report.tables
    browser.get(report.path.as_uri())
    cards = browser.find_elements(By.CSS_SELECTOR, "article.card")
    assert len(cards) == len(tables.papers) == 134
    assert _count_text(browser) == "134 of 134 papers"

    # the injected script is shown as text and never ran
    assert browser.execute_script("return typeof window.__pwned") == "undefined"
    card = browser.find_element(By.CSS_SELECTOR, f'article.card[data-id="{report.pwned_id}"]')
    assert INJECTED in card.find_element(By.CSS_SELECTOR, ".abstract").text

    # a highlight holds exactly the abstract's characters of its span
    abstract = next(p.abstract for p in tables.papers if p.paper_id == report.pwned_id)
    own = [i for i in tables.items if i.paper_id == report.pwned_id]
    item = place_items(abstract, own)[0][0].item
    mark = card.find_element(
        By.CSS_SELECTOR, f'mark.hl[data-field="{item.field}"][data-pos="{item.position}"]'
    )
    assert mark.get_attribute("textContent") == abstract[item.start : item.end]
    assert item.field in str(mark.get_attribute("class")).split()

    # every grounded item of every paper is highlighted once, on its own characters
    marks = browser.execute_script(
        "return [...document.querySelectorAll('article.card .abstract mark.hl')]"
        ".map(m => [m.closest('article').dataset.id, m.dataset.field,"
        " Number(m.dataset.pos), m.textContent])"
    )
    abstracts = {p.paper_id: p.abstract for p in tables.papers}
    expected = sorted(
        [i.paper_id, i.field, i.position, abstracts[i.paper_id][i.start : i.end]]
        for i in tables.items
        if i.grounded and i.start is not None and i.end is not None
    )
    assert len(expected) > 500  # the sample corpus has about 800 grounded offline items
    assert sorted(marks) == expected

    # a dataset filter narrows the cards to the papers naming that dataset
    datasets = [i for i in tables.items if i.field == "datasets"]
    chosen = max({i.canonical for i in datasets}, key=lambda c: (sum(
        1 for i in datasets if i.canonical == c), c))  # fmt: skip
    expected = len({i.paper_id for i in datasets if i.canonical == chosen})
    assert 1 < expected < 134
    select = Select(browser.find_element(By.ID, "f-datasets"))
    assert select.first_selected_option.text == "all (134)"
    select.select_by_value(chosen)
    assert _visible_cards(browser) == expected
    assert _count_text(browser) == f"{expected} of 134 papers"
    assert select.first_selected_option.text.endswith(f"({expected})")
    browser.find_element(By.ID, "f-reset").click()
    assert _visible_cards(browser) == 134

    # free-text search: every word must occur (case-insensitive) in a paper's text or items
    term = "LoRA"
    names: dict[str, list[str]] = {}
    for i in tables.items:
        names.setdefault(i.paper_id, []).append(i.name)
    hits = sum(
        1
        for p in tables.papers
        if term.lower()
        in " ".join(
            [p.title, p.authors, p.abstract, p.summary or "", *names.get(p.paper_id, [])]
        ).lower()
    )
    assert 0 < hits < 134
    browser.find_element(By.ID, "f-q").send_keys(term)
    assert _visible_cards(browser) == hits
    assert _count_text(browser) == f"{hits} of 134 papers"

    # the gains table sorts by value on a header click (rows of hidden papers hide too)
    browser.find_element(By.ID, "f-reset").click()
    header = browser.find_element(By.CSS_SELECTOR, '#gains th[data-col="1"]')
    header.click()
    values = [
        float(str(td.get_attribute("data-sort")))
        for td in browser.find_elements(By.CSS_SELECTOR, "#gains tbody td:nth-child(2)")
    ]
    assert len(values) == len(tables.gains) and values == sorted(values)
    header.click()
    values = [
        float(str(td.get_attribute("data-sort")))
        for td in browser.find_elements(By.CSS_SELECTOR, "#gains tbody td:nth-child(2)")
    ]
    assert values == sorted(values, reverse=True)

    browser.execute_script("window.scrollTo(0, 0)")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    assert browser.save_screenshot(str(ARTIFACTS / "report.png"))
    assert browser.execute_script("return typeof window.__pwned") == "undefined"
