"""The architecture, enforced: a pure core, and imports that point one way (docs/ARCHITECTURE.md).

Every `import` in the package is read from the source (not executed), so a lazy import inside a
function counts as much as one at the top of a module.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from tests.conftest import ROOT

PACKAGE = ROOT / "enrich"

# Lowest first. A module may import its own package's modules and those of lower layers only.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("enrich.core", "enrich.errors"),
    ("enrich.providers", "enrich.lifetime"),
    (
        "enrich.readers",
        "enrich.offline",
        "enrich.local",
        "enrich.config",
        "enrich.export",
        "enrich.prompt_files",
        "enrich.run_folder",
        "enrich.tokens",
    ),
    ("enrich.backends", "enrich.ingest", "enrich.review"),
    ("enrich.cache",),
    ("enrich.pipeline",),
    ("enrich.outputs", "enrich.evaluation", "enrich.freshness", "enrich.summarize"),
    ("enrich.api",),
    ("enrich.planning",),
    ("enrich",),  # the package's lazy exports (and __version__, which the CLI prints)
    ("enrich.cli",),
    ("enrich.__main__",),
)
# What the core never imports: network, storage, terminal, processes, files.
IO_LIBRARIES = frozenset(
    [
        "openai", "httpx", "httpx2", "requests", "urllib", "socket", "diskcache", "sqlite3",
        "typer", "rich", "click", "subprocess", "shutil", "tempfile", "fcntl", "selenium",
        "llama_cpp", "pycrfsuite", "io", "os",
    ]
)  # fmt: skip


def _modules() -> Iterator[tuple[str, Path]]:
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        yield name, path


def _imports(path: Path) -> Iterator[str]:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module


def _unit(module: str) -> str:
    """The layer entry a module belongs to: its package (`enrich.core`) or itself."""
    parts = module.split(".")
    if module == "enrich":
        return module
    return ".".join(parts[:2])


def _layer(module: str) -> int:
    unit = _unit(module)
    for rank, names in enumerate(LAYERS):
        if unit in names:
            return rank
    raise AssertionError(f"{module} is in no layer: add it to LAYERS (and ARCHITECTURE.md)")


def test_every_module_has_a_layer() -> None:
    modules = [name for name, _ in _modules()]
    assert len(modules) > 80
    for name in modules:
        _layer(name)


def test_imports_point_down() -> None:
    upward = [
        f"{name} imports {target}"
        for name, path in _modules()
        for target in _imports(path)
        if target.startswith("enrich")
        and _unit(target) != _unit(name)
        and _layer(target) >= _layer(name)
    ]
    assert upward == []


def test_the_core_imports_no_io_library() -> None:
    found = [
        f"{name} imports {target}"
        for name, path in _modules()
        if name.startswith("enrich.core")
        for target in _imports(path)
        if target.split(".")[0] in IO_LIBRARIES
        or (target.startswith("enrich") and not target.startswith("enrich.core"))
    ]
    assert found == []


def test_the_checks_catch_what_they_forbid(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("import diskcache\nfrom enrich.cli import app\n\ndef f():\n    import rich\n")
    assert list(_imports(bad)) == ["diskcache", "enrich.cli", "rich"]
    assert _layer("enrich.cli.run") > _layer("enrich.core.schema")
