"""Load a prompt set from its folder (`prompts/extract/`), validating every file on load."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

from pydantic import ValidationError

from enrich.core.prompting import PromptExample, PromptSet, content_hash, example_problems
from enrich.errors import PromptError

PROMPT_FILES = ("system.md", "instructions.md", "examples.jsonl")
# The shipped prompts are package data (`enrich/prompts` is the repository's `prompts/` folder,
# copied into the wheel), so an installed enrich finds them from any working folder.
DEFAULT_PROMPTS_DIR = Path(str(resources.files("enrich").joinpath("prompts")))


def load_prompt_set(folder: Path) -> PromptSet:
    """Read and validate `folder`; raise `PromptError` naming the file and the fix."""
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
    files = {name: (folder / name).read_text(encoding="utf-8") for name in present}
    examples = _examples(folder / "examples.jsonl", files.get("examples.jsonl", ""))
    return PromptSet(
        name=folder.name,
        system=files["system.md"],
        instructions=files["instructions.md"],
        examples=tuple(examples),
        hash=content_hash(files),
    )


def _examples(path: Path, text: str) -> list[PromptExample]:
    examples: list[PromptExample] = []
    seen: set[str] = set()
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            example = PromptExample.model_validate(json.loads(line))
        except json.JSONDecodeError as err:
            message = f"{path}:{number}: not valid JSON ({err.msg})"
            raise PromptError(message, "fix the line") from None
        except ValidationError as err:
            first = err.errors()[0]
            where = ".".join(str(part) for part in first["loc"])
            raise PromptError(
                f"{path}:{number}: {where}: {first['msg']}", "fix the example's fields"
            ) from None
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
