"""Load a prompt set from its folder (`prompts/extract/`, `prompts/summarize/`), validating every
file on load."""

from __future__ import annotations

import json
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from enrich.core.overview import OverviewExample, OverviewPrompt
from enrich.core.overview import example_problems as overview_example_problems
from enrich.core.prompting import PromptExample, PromptSet, content_hash, example_problems
from enrich.errors import PromptError

M = TypeVar("M", bound=BaseModel)

PROMPT_FILES = ("system.md", "instructions.md", "examples.jsonl")
# The shipped prompts are package data (`enrich/prompts` is the repository's `prompts/` folder,
# copied into the wheel), so an installed enrich finds them from any working folder.
DEFAULT_PROMPTS_DIR = Path(str(resources.files("enrich").joinpath("prompts")))


def load_prompt_set(folder: Path) -> PromptSet:
    """Read and validate `folder`; raise `PromptError` naming the file and the fix."""
    files = _read_folder(folder)
    examples = _examples(folder / "examples.jsonl", files.get("examples.jsonl", ""))
    return PromptSet(
        name=folder.name,
        system=files["system.md"],
        instructions=files["instructions.md"],
        examples=tuple(examples),
        hash=content_hash(files),
    )


def load_overview_prompt(folder: Path = DEFAULT_PROMPTS_DIR / "summarize") -> OverviewPrompt:
    """Read and validate an overview prompt folder (`prompts/summarize/`: the same files; each
    example's answer cites only the ids its input lists)."""
    files = _read_folder(folder)
    path = folder / "examples.jsonl"
    examples: list[OverviewExample] = []
    for number, line in _lines(path, files.get("examples.jsonl", "")):
        example = _validated(OverviewExample, path, number, line)
        problems = overview_example_problems(example)
        if problems:
            raise PromptError(
                f"{path}:{number}: example {example.id!r}: {problems[0]}",
                "cite only the ids (P1, P2, ...) the example's input lists, in every sentence",
            )
        if example.id in {known.id for known in examples}:
            raise PromptError(f"{path}:{number}: duplicate example id {example.id!r}", "rename it")
        examples.append(example)
    return OverviewPrompt(
        name=folder.name,
        system=files["system.md"],
        instructions=files["instructions.md"],
        examples=tuple(examples),
        hash=content_hash(files),
    )


def _read_folder(folder: Path) -> dict[str, str]:
    """The prompt files of `folder` by name, checked: no unknown file, none required missing."""
    if not folder.is_dir():
        raise PromptError(
            f"{folder}: prompt folder not found",
            "pass --prompts DIR pointing at a folder with " + ", ".join(PROMPT_FILES),
        )
    present = sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))
    unknown = [name for name in present if name not in PROMPT_FILES]
    if unknown:
        raise PromptError(
            f"{folder / unknown[0]}: unknown prompt file",
            "a prompt folder holds only " + ", ".join(PROMPT_FILES),
        )
    missing = [name for name in PROMPT_FILES[:2] if name not in present]
    if missing:
        raise PromptError(f"{folder / missing[0]}: missing prompt file", "create it")
    return {name: (folder / name).read_text(encoding="utf-8") for name in present}


def _lines(path: Path, text: str) -> Iterator[tuple[int, str]]:
    for number, line in enumerate(text.splitlines(), 1):
        if line.strip():
            yield number, line


def _validated(model: type[M], path: Path, number: int, line: str) -> M:
    """One examples.jsonl line as `model`, or a `PromptError` naming the line and the field."""
    try:
        return model.model_validate(json.loads(line))
    except json.JSONDecodeError as err:
        message = f"{path}:{number}: not valid JSON ({err.msg})"
        raise PromptError(message, "fix the line") from None
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise PromptError(
            f"{path}:{number}: {where}: {first['msg']}", "fix the example's fields"
        ) from None


def _examples(path: Path, text: str) -> list[PromptExample]:
    examples: list[PromptExample] = []
    seen: set[str] = set()
    for number, line in _lines(path, text):
        example = _validated(PromptExample, path, number, line)
        problems = example_problems(example)
        if problems:
            raise PromptError(
                f"{path}:{number}: example {example.id!r}: {problems[0]}",
                "copy labels exactly from the example's text",
            )
        if example.id in seen:
            raise PromptError(f"{path}:{number}: duplicate example id {example.id!r}", "rename it")
        seen.add(example.id)
        examples.append(example)
    return examples
