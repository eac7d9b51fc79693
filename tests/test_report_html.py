"""report.html without a browser: highlight placement, nesting, escaping, the data block."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from enrich.core.tables import GainRow, ItemRow, PaperRow, Tables, canonical
from enrich.review.highlight import highlight, place_items
from enrich.review.html_report import render_report, write_report

ABSTRACT = "We train ResNet-50 on ImageNet-1k data & report top-1 accuracy."


def _item(field: str, name: str, start: int | None, end: int | None, pos: int = 0) -> ItemRow:
    grounded = start is not None
    text = name if grounded else ""
    return ItemRow("p1", field, pos, name, canonical(name), text, start, end, grounded)


def _at(field: str, surface: str, pos: int = 0, abstract: str = ABSTRACT) -> ItemRow:
    start = abstract.index(surface)
    return _item(field, surface, start, start + len(surface), pos)


PAPER = PaperRow(
    paper_id="p1", title="A title", authors="Ann; Bob", year=2024, date="2024-05-01",
    category="CV", profiles=("Ann",), has_code=True, code_url="https://github.com/a/b",
    url=None, doi=None, arxiv_id=None, status="ok", error=None, backend="offline",
    model="m", summary="One line.", abstract=ABSTRACT,
)  # fmt: skip


def _paper(**overrides: Any) -> PaperRow:
    return replace(PAPER, **overrides)


def _text_of(html: str) -> str:
    return unescape(re.sub(r"<[^>]+>", "", html))


def test_nested_spans_nest_and_crossing_spans_are_dropped() -> None:
    outer = _at("methods", "ResNet-50")
    inner = _at("methods", "ResNet", 1)
    same = _at("datasets", "ImageNet-1k")
    twin = _at("metrics", "ImageNet-1k")  # identical span, other field: nests inside
    crossing = _item("tasks", "1k data & report", ABSTRACT.index("1k data"), ABSTRACT.index(" top"))
    outside = _item("metrics", "beyond", len(ABSTRACT) - 2, len(ABSTRACT) + 5, 1)
    ungrounded = _item("datasets", "CIFAR-10", None, None, 1)
    html, dropped = highlight(ABSTRACT, [crossing, outer, inner, same, twin, outside, ungrounded])

    assert _text_of(html) == ABSTRACT  # nothing cut, nothing duplicated
    assert dropped == [outside, crossing]  # ungrounded items are listed by the card, not here
    assert re.search(
        r'<mark class="hl methods"[^>]*data-pos="0"[^>]*>'
        r'<mark class="hl methods"[^>]*data-pos="1"[^>]*>ResNet</mark>-50</mark>',
        html,
    )
    assert re.search(
        r'<mark class="hl datasets"[^>]*><mark class="hl metrics"[^>]*>ImageNet-1k</mark></mark>',
        html,
    )
    assert html.count("<mark") == 4
    assert "&amp; report" in html


def test_tree_orders_by_start_then_longest_first() -> None:
    inner, outer = _at("methods", "ResNet", 1), _at("methods", "ResNet-50")
    spans, dropped = place_items(ABSTRACT, [inner, outer])
    assert dropped == []
    assert [s.item for s in spans] == [outer]
    assert [c.item for c in spans[0].children] == [inner]


@given(
    st.text(min_size=1, max_size=40),
    st.lists(st.tuples(st.integers(-3, 45), st.integers(-3, 45)), max_size=8),
)
def test_highlight_never_corrupts_text(text: str, spans: list[tuple[int, int]]) -> None:
    items = [_item("methods", f"m{n}", s, e, n) for n, (s, e) in enumerate(spans)]
    html, dropped = highlight(text, items)
    assert _text_of(html) == text
    assert html.count("<mark") + len(dropped) == len(items)


def test_corpus_text_is_escaped_everywhere() -> None:
    evil = "<script>alert(1)</script>"
    abstract = f"{evil} & ResNet-50 </script><!-- x"
    paper = _paper(
        title=f'Title "quoted" {evil}',
        authors=f"<b>Ann</b>; {evil}",
        category='CV"><img src=x onerror=alert(1)>',
        profiles=("Ann", evil),
        code_url="javascript:alert(1)",
        url="https://example.org/?a=1&b=<2>",
        summary=evil,
        abstract=abstract,
    )
    item = _at("methods", "ResNet-50", abstract=abstract)
    tricky = ItemRow("p1", "datasets", 0, evil, canonical(evil), "", None, None, False)
    gain = GainRow(
        "p1", 0, evil, evil, 1.5, "%", "delta", evil, 2.0, evil, evil, evil, None, None, False
    )
    tables = Tables([paper], [item, tricky], [gain])
    page = render_report(tables, [{"name": evil}], {"backend": evil, "model": "<m>"})

    # only the page's own two script elements; the data block cannot be closed early
    assert page.lower().count("<script") == 2
    assert page.lower().count("</script") == 2
    assert "<img" not in page and "<b>" not in page and "<!-- x" not in page
    assert 'href="javascript:' not in page
    assert 'href="https://example.org/?a=1&amp;b=&lt;2&gt;"' in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "Title &quot;quoted&quot;" in page
    match = re.search(r'<script type="application/json" id="report-data">(.*?)</script>', page)
    assert match
    data = json.loads(match.group(1))
    assert evil.lower() in data["papers"][0]["text"]
    assert ["~none", "(none)"] not in data["options"]["category"]
    assert any(value == evil for value, _ in data["options"]["profile"])


def test_page_parts_and_write_report(tmp_path: Path) -> None:
    items = [_at("methods", "ResNet-50"), _at("datasets", "ImageNet-1k")]
    items.append(_item("metrics", "FID", None, None, 1))
    gain = GainRow(
        "p1", 0, "top-1 accuracy", "top 1 accuracy", 2.5, "%", "delta", "ViT", 80.1,
        "ImageNet-1k", "imagenet 1k", "top-1 accuracy", 50, 64, True,
    )  # fmt: skip
    tables = Tables(
        [_paper(), _paper(paper_id="p2", category=None, year=None, profiles=())], items, [gain]
    )
    run = {"backend": "offline", "model": "offline-x", "papers": 2}
    path = write_report(tmp_path, tables, [{"name": "Ann"}, {"name": "Zed"}], run)

    assert path == tmp_path / "report.html"
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]  # no temporary left
    page = path.read_text(encoding="utf-8")
    assert page.count('<article class="card"') == 2
    assert 'data-category="~none"' in page and 'data-year="~none"' in page
    assert '<li class="chip metrics ungrounded"' in page
    assert '<a href="https://github.com/a/b" rel="noopener noreferrer">code</a>' in page
    assert "<dt>backend</dt><dd>offline</dd>" in page and "<dd>offline-x</dd>" in page
    assert '<td data-sort="2.5">2.5</td>' in page and "ViT (80.1)" in page
    assert "Content-Security-Policy" in page and "http://" not in page.split("<body>")[0]
    data = json.loads(re.findall(r'id="report-data">(.*?)</script>', page)[0])
    assert data["options"]["profile"] == [["Ann", "Ann"], ["Zed", "Zed"], ["~none", "(none)"]]
    assert data["options"]["year"] == [["2024", "2024"], ["~none", "(none)"]]
    assert data["options"]["datasets"] == [["imagenet 1k", "ImageNet-1k"]]
    assert data["papers"][0]["methods"] == ["resnet 50"]


def test_a_large_report_is_split_into_linked_pages(
    sample_corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from enrich.cli import app
    from enrich.review import html_report

    out = tmp_path / "out"
    argv = [str(sample_corpus), "--backend", "offline", "--cache-dir", str(tmp_path / "c"),
            "--out", str(out), "--quiet"]  # fmt: skip
    monkeypatch.setattr(html_report, "PAGE_PAPERS", 50)
    assert CliRunner().invoke(app, argv).exit_code == 0
    pages = sorted(p.name for p in out.glob("report*.html"))
    assert pages == ["report-2.html", "report-3.html", "report.html"]  # 134 papers, 50 a page
    cards = [(out / n).read_text().count('<article class="card') for n in pages]
    assert sorted(cards) == [34, 50, 50]
    first = (out / "report.html").read_text()
    assert "papers 1&ndash;50 of 134" in first and 'href="report-3.html"' in first

    monkeypatch.setattr(html_report, "PAGE_PAPERS", 2000)  # the same run, now one page
    assert CliRunner().invoke(app, ["report", str(out), "--quiet"]).exit_code == 0
    assert sorted(p.name for p in out.glob("report*.html")) == ["report.html"]
    assert (out / "report.html").read_text().count('<article class="card') == 134


def test_review_data_block_carries_what_an_export_needs() -> None:
    # an astral character (2 UTF-16 units) before the items, and a CR the HTML parser would eat
    abstract = (
        "\U0001d465-ResNet-50 gains +5.3% top-1 accuracy on\r\nImageNet-1k over SeedEdit 3.0."
    )
    paper = _paper(abstract=abstract)
    items = [
        _at("methods", "ResNet-50", abstract=abstract),
        _at("datasets", "ImageNet-1k", 0, abstract),
    ]
    items.append(_item("metrics", "FID", None, None, 1))  # ungrounded: nothing to review
    start = abstract.index("+5.3%")
    gain = GainRow(
        "p1", 0, "top-1 accuracy", "top 1 accuracy", 5.3, "%", "delta", None, None, None, None,
        "+5.3%", start, start + 5, True,
    )  # fmt: skip
    run = {"run_id": "r1", "model": "m", "prompt_hash": "h", "backend": "offline", "papers": 1}
    page = render_report(Tables([paper], items, [gain]), [], run, first=4000)
    data = json.loads(re.findall(r'id="report-data">(.*?)</script>', page)[0])
    review = data["review"]
    assert review["run"] == {"run_id": "r1", "model": "m", "prompt_hash": "h", "backend": "offline"}
    assert review["first"] == 4000
    entry = review["papers"][0]
    assert entry["id"] == "p1" and entry["abstract"] == abstract and entry["title"] == "A title"
    units = abstract.encode("utf-16-le")

    def js_slice(s: int, e: int) -> str:  # what JavaScript's abstract.slice(s, e) gives
        return units[2 * s : 2 * e].decode("utf-16-le")

    assert [(i["k"], i["f"], i["t"]) for i in entry["items"]] == [
        ("methods:0", "methods", "ResNet-50"), ("datasets:0", "datasets", "ImageNet-1k")
    ]  # fmt: skip
    assert all(js_slice(i["s"], i["e"]) == i["t"] for i in entry["items"])
    assert entry["items"][0]["s"] == abstract.index("ResNet-50") + 1
    (shown,) = entry["gains"]
    assert shown["k"] == "gains:0" and js_slice(shown["s"], shown["e"]) == "+5.3%"
    # the numbers the gold checker reads, with the unit the gain rules read
    assert [n for n in entry["nums"] if n[0] == 5.3] == [
        [5.3, shown["s"], shown["s"] + 4, "%", None, 1]  # "+5.3", its sign read as a number's
    ]
    assert not any(n[0] == 1 for n in entry["nums"])  # "top-1" is a name, not a number
    assert [n[5] for n in entry["nums"] if n[0] == 3] == [0]  # a version: no quantity
    # the card's text keeps the CR, so DOM offsets equal the abstract's
    assert "on&#13;\nImageNet" in page or "on&#13;\n<mark" in page
    assert "<dt>run</dt><dd>r1</dd>" in page
