"""A scripted reviewer of report.html: makes `review_plan.Step`s through the page's own controls
(buttons, menus, the gain form, text selections) in headless Chromium, and exports.

Shared by tests/test_report_review.py and bench/review_session.py (no pytest import); what the
decisions must score is review_plan.py's.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import Select, WebDriverWait
from typer.testing import CliRunner

from enrich.cli import app
from enrich.core.tables import Tables
from tests.review_plan import Step, abstract_of

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
ENV = {"OPENAI_API_KEY": "", "OPENAI_BASE_URL": "", "ENRICH_MODEL": ""}  # offline, always


# --- the run and its scoring ------------------------------------------------------------------


def run_offline(corpus: Path, out: Path, cache: Path) -> None:
    """`enrich CORPUS --out OUT` with the offline extractor (writes report.html)."""
    argv = [str(corpus), "--out", str(out), "--cache-dir", str(cache), "--quiet"]
    result = CliRunner().invoke(app, argv, env=ENV)
    assert result.exit_code == 0, result.output


def score(gold: Path, cache: Path, runs: Path) -> Path:
    """`enrich eval --gold GOLD` on the offline backend; the saved run's file."""
    argv = ["eval", "--gold", str(gold), "--backend", "offline", "--runs-dir", str(runs),
            "--cache-dir", str(cache), "--json", "--quiet"]  # fmt: skip
    result = CliRunner().invoke(app, argv, env=ENV)
    assert result.exit_code == 0, result.output
    return runs / f"{json.loads(result.stdout)['run_id']}.json"


# --- the browser ------------------------------------------------------------------------------


def browser(downloads: Path) -> WebDriver:
    """Headless Chromium that saves downloads into `downloads` without asking."""
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,1000"):
        options.add_argument(arg)
    prefs = {"download.default_directory": str(downloads), "download.prompt_for_download": False}
    options.add_experimental_option("prefs", prefs)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})  # to check for JS errors
    return webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)


_SELECT = """
const [id, s, e] = arguments;
const card = [...document.querySelectorAll('article.card')].find(c => c.dataset.id === id);
const root = card.querySelector('.abstract');
function point(at) {
  const walk = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  let node;
  while ((node = walk.nextNode())) {
    if (at <= node.data.length) return [node, at];
    at -= node.data.length;
  }
  throw new Error('offset past the abstract');
}
const range = document.createRange();
range.setStart(...point(s));
range.setEnd(...point(e));
const sel = window.getSelection();
sel.removeAllRanges();
sel.addRange(range);
root.dispatchEvent(new MouseEvent('mouseup', {bubbles: true}));
"""


def _utf16(text: str, index: int) -> int:
    return len(text[:index].encode("utf-16-le")) // 2


class Reviewer:
    """Makes `Step`s through the panel's own controls (buttons, menus, form, selections)."""

    def __init__(self, driver: WebDriver, tables: Tables) -> None:
        self.driver = driver
        self.tables = tables
        self.prefills: dict[int, dict[str, str]] = {}  # gain-add step -> the form as prefilled

    def card(self, paper: str) -> WebElement:
        found: WebElement = self.driver.find_element(
            By.CSS_SELECTOR, f'article.card[data-id="{paper}"]'
        )
        return found

    def _in(self, paper: str, css: str) -> WebElement:
        found: WebElement = self.card(paper).find_element(By.CSS_SELECTOR, css)
        # centred, so the sticky filter bar never covers what is clicked
        self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", found)
        return found

    def open(self, paper: str) -> None:
        panels = self.card(paper).find_elements(By.CSS_SELECTOR, ".rv")
        if not panels or not panels[0].is_displayed():
            self._in(paper, ".rv-toggle").click()

    def select(self, paper: str, start: int, end: int) -> None:
        """Select abstract[start:end] as a reader would, and wait for the panel to take it."""
        abstract = abstract_of(self.tables, paper)
        args = [paper, _utf16(abstract, start), _utf16(abstract, end)]
        self.driver.execute_script(_SELECT, *args)
        want = abstract[start:end].strip()
        WebDriverWait(self.driver, 5).until(
            lambda _: self._in(paper, ".rv-seltext").get_attribute("value") == want
        )

    def error(self, paper: str) -> str:
        return str(self._in(paper, ".rv-error").text)

    def do(self, n: int, step: Step) -> None:
        paper, key = step.paper, step.key
        self.open(paper)
        row = f'li[data-key="{key}"] '
        if step.action in ("accept", "reject"):
            self._in(paper, f'{row}button[data-act="{step.action}"]').click()
        elif step.action in ("gain-accept", "gain-reject"):
            self._in(paper, f'{row}button[data-act="{step.action[5:]}-gain"]').click()
        elif step.action == "move":
            Select(self._in(paper, f'select[data-act="move"][data-key="{key}"]')).select_by_value(
                step.field
            )
        elif step.action == "span":
            self.select(paper, step.start, step.end)
            self._in(paper, f'{row}button[data-act="span"]').click()
        elif step.action == "add":
            self.select(paper, step.start, step.end)
            self._in(paper, f'.rv-sel button[data-act="add"][data-field="{step.field}"]').click()
        elif step.action == "gain-add":
            self.add_gain(n, step)
        elif step.action == "confirm":
            self._in(paper, f'button[data-act="confirm"][data-field="{step.field}"]').click()
        elif step.action == "confirm-all":
            self._in(paper, 'button[data-act="confirm-all"]').click()
        elif step.action == "note":
            self._in(paper, "textarea.rv-note").send_keys(step.text)
        elif step.action == "clear":
            self._in(paper, 'button[data-act="clear"]').click()
        assert self.error(paper) == "", (step, self.error(paper))

    def add_gain(self, n: int, step: Step) -> None:
        """Select the claim, open the form (prefilled from the selection), check that a value
        its text does not state is refused, type the metric, add."""
        paper = step.paper
        self.select(paper, step.start, step.end)
        self._in(paper, 'button[data-act="open-gain"]').click()
        form = ".rv-gain-form "
        names = ("text", "value", "unit", "kind", "metric", "baseline", "baseline_value", "dataset")
        self.prefills[n] = {
            name: str(self._in(paper, f'{form}[name="{name}"]').get_attribute("value"))
            for name in names
        }
        value = self._in(paper, f'{form}[name="value"]')
        value.clear()
        value.send_keys("12345.6")
        self._in(paper, f'{form}button[type="submit"]').click()
        assert "is not a number its text states" in self.error(paper)
        value = self._in(paper, f'{form}[name="value"]')
        value.clear()
        value.send_keys(self.prefills[n]["value"])
        metric = self._in(paper, f'{form}[name="metric"]')
        metric.clear()
        metric.send_keys(step.text)
        self._in(paper, f'{form}button[type="submit"]').click()
        assert not self.card(paper).find_elements(By.CSS_SELECTOR, ".rv-gain-form")

    def run(self, steps: list[Step]) -> None:
        for n, step in enumerate(steps):
            self.do(n, step)

    def export(self, downloads: Path) -> str:
        """Press "export reviewed"; the downloaded file's text (checked against the page's)."""
        before = set(downloads.glob("*.jsonl"))
        self.driver.find_element(By.ID, "rv-export").click()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            new = [p for p in downloads.glob("*.jsonl") if p not in before]
            if new and not list(downloads.glob("*.crdownload")):
                text = new[0].read_text(encoding="utf-8")
                assert text == self.driver.execute_script("return window.enrichExport()")
                return text
            time.sleep(0.1)
        raise AssertionError(f"no export downloaded into {downloads}")
