"""The review must-show, end to end: corrections made in report.html become gold labels.

A scripted reviewer (tests/review_session.py, decisions chosen by tests/review_plan.py) drives
headless Chromium over the report of the sample corpus's offline run: five papers, none already
in eval/gold.jsonl, reviewed with every kind of decision (accept, reject, re-span, change field,
add an item, add a gain, confirm, note), then a reload and "export reviewed". The export is added
to a COPY of eval/gold.jsonl (with `enrich gold add` when this tree has it, else appended after
checking that no id collides) and scored with `enrich eval --gold EXPORT` on the same offline
backend and cache. Per paper it prints the decisions and, per field, the TP/FP/FN they imply
beside what eval scored; it exits 1 on any difference. Needs Chromium and chromedriver
(apt-get install chromium chromium-driver).

    python bench/review_session.py [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

from selenium.webdriver.common.by import By
from typer.testing import CliRunner

from enrich.cli import app
from enrich.core.gold import parse_gold
from enrich.review import load_run

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the reviewer lives in tests/
from tests.review_plan import GOLD_FIELDS, expected, plan_session, scored
from tests.review_session import ENV, ROOT, Reviewer, browser, run_offline, score

GOLD = ROOT / "eval" / "gold.jsonl"


def _cli(*argv: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(argv), env=ENV)
    return result.exit_code, result.output


def _add_to_copy(exported: Path, copy: Path) -> str:
    """Add the export to the gold copy; how it was done, in words."""
    if _cli("gold", "add", "--help")[0] == 0:
        code, output = _cli("gold", "add", str(exported), "--into", str(copy))
        if code != 0:
            raise SystemExit(f"`enrich gold add` refused the export:\n{output}")
        return f"`enrich gold add {exported.name} --into {copy.name}`: {output.strip()}"
    ids = {r.id for r in parse_gold(copy.read_text(encoding="utf-8"))}
    new = parse_gold(exported.read_text(encoding="utf-8"))
    clash = sorted(ids & {r.id for r in new})
    if clash:
        raise SystemExit(f"ids already in the gold copy: {clash}")
    with copy.open("a", encoding="utf-8") as out:
        out.write(exported.read_text(encoding="utf-8"))
    return f"`enrich gold add` is not in this tree: appended {len(new)} lines (no id collides)"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep", type=Path, help="work here (kept) instead of a temp folder")
    args = parser.parse_args()
    began = time.monotonic()
    work = args.keep or Path(tempfile.mkdtemp(prefix="review-session-"))
    out, cache, downloads = work / "out", work / "cache", work / "downloads"
    downloads.mkdir(parents=True, exist_ok=True)

    run_offline(ROOT / "corpus", out, cache)
    files = load_run(out)
    tables = files.tables()
    print(
        f"offline run {files.run['run_id']}: {len(tables.papers)} papers -> {out / 'report.html'}"
    )
    labelled = {r.id for r in parse_gold(GOLD.read_text(encoding="utf-8"))}
    steps = plan_session(tables, exclude=labelled)
    titles = {p.paper_id: p.title for p in tables.papers}

    driver = browser(downloads)
    try:
        driver.get((out / "report.html").as_uri())
        reviewer = Reviewer(driver, tables)
        print(f"\nreviewing in headless Chromium ({len(steps)} decisions):")
        for n, step in enumerate(steps):
            reviewer.do(n, step)
            print(f"  {step.paper}  {step.about(tables)}")
            if step.action == "gain-add":
                form = reviewer.prefills[n]
                print(f"      form prefilled: value {form['value']}, unit {form['unit']!r}, "
                      f"kind {form['kind']}")  # fmt: skip
        driver.refresh()
        count = driver.find_element(By.ID, "rv-count").text
        print(f"reloaded: {count}")
        text = reviewer.export(downloads)
    finally:
        driver.quit()

    exported = work / "reviewed.jsonl"
    exported.write_text(text, encoding="utf-8")
    lines = text.splitlines()
    first = json.loads(lines[0])
    first["abstract"] = first["abstract"][:60] + "…"  # shortened here only
    print(f"\nexported {len(lines)} papers -> {exported}; the first line (abstract cut):")
    print(f"  {json.dumps(first, ensure_ascii=False)}")
    copy = work / "gold-copy.jsonl"
    shutil.copyfile(GOLD, copy)
    print(f"\n{_add_to_copy(exported, copy)}")
    code, output = _cli("eval", "--check-gold", str(copy))
    print(f"check: {output.strip()}")

    want = expected(tables, steps, reviewer.prefills)
    got = scored(score(exported, cache, work / "runs"))
    print("\nenrich eval --gold reviewed.jsonl (offline, same cache): expected vs scored")
    same = code == 0
    for paper, fields in want.items():
        print(f"\n{paper}  {titles[paper][:70]}")
        for step in steps:
            if step.paper == paper:
                print(f"    - {step.about(tables)}")
        for name in GOLD_FIELDS:
            if name not in fields and name not in got.get(paper, {}):
                continue
            mine, theirs = fields.get(name), got.get(paper, {}).get(name)
            ok = mine == theirs
            same &= ok
            print(f"    {name:9} expected {mine}   scored {theirs}   {'ok' if ok else 'DIFFERENT'}")
            if mine and not ok:
                print(f"      expected {mine}\n      scored   {theirs}")
    same &= set(got) == set(want)
    print(f"\n{'decisions reproduced exactly' if same else 'MISMATCH'}; "
          f"{time.monotonic() - began:.1f} s; files in {work}")  # fmt: skip
    print(json.dumps({"papers": len(want), "reproduced": same}))
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
