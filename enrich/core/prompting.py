"""Prompt sets as validated data, and the chat messages built from them.

The stable part (system text, instructions, few-shot examples) always comes first and the
abstract last, so providers' prompt caching can reuse the prefix across papers.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict

from enrich.core.grounding import locate, value_in_text
from enrich.core.schema import NAME_FIELDS, ModelExtraction, grammar_schema


class PromptExample(BaseModel):
    """A few-shot example: an abstract and the extraction we want for it."""

    model_config = ConfigDict(extra="forbid")

    id: str
    source: str
    title: str = ""
    text: str
    output: ModelExtraction


class PromptSet(BaseModel):
    """Everything the model is told, plus the content hash that versions it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    system: str
    instructions: str
    examples: tuple[PromptExample, ...] = ()
    hash: str


def example_problems(example: PromptExample) -> list[str]:
    """Labels of an example that its own text does not contain (approximate matches don't count)."""
    problems: list[str] = []
    out = example.output
    labels = [("methods", m.name) for m in out.methods]
    for field in NAME_FIELDS:
        labels += [(field, value) for value in getattr(out, field)]
    for field, value in labels:
        span = locate(value, example.text)
        if span is None or span.match == "fuzzy":
            problems.append(f"{field} {value!r} is not in the example's text")
    for gain in out.gains:
        if gain.text not in example.text:
            problems.append(f"gain text {gain.text!r} is not an exact substring of the text")
        elif not value_in_text(gain.value, gain.text):
            problems.append(f"gain value {gain.value:g} does not occur in {gain.text!r}")
    return problems


def content_hash(files: Mapping[str, str]) -> str:
    """A short hash of prompt file contents by name: changes when any file changes."""
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode("utf-8") + b"\0" + files[name].encode("utf-8") + b"\0")
    return digest.hexdigest()[:16]


def _user_turn(title: str, abstract: str) -> str:
    head = f"Title: {title}\n" if title else ""
    return f"{head}Abstract:\n{abstract}"


def _shape(node: Mapping[str, Any], defs: Mapping[str, Any]) -> str:
    """A JSON schema node as a one-line type sketch: `[{"name": string, "role": "a"|"b"}]`."""
    if "$ref" in node:
        return _shape(defs[str(node["$ref"]).rsplit("/", 1)[-1]], defs)
    if "enum" in node:
        return "|".join(json.dumps(value) for value in node["enum"])
    if "anyOf" in node:
        return "|".join(_shape(option, defs) for option in node["anyOf"])
    kind = node.get("type")
    if kind == "array":
        return f"[{_shape(node['items'], defs)}, ...]"
    if kind == "object":
        required = set(node.get("required", ()))
        fields = [
            f'"{name}"{"" if name in required else "?"}: {_shape(sub, defs)}'
            for name, sub in node["properties"].items()
        ]
        return "{" + ", ".join(fields) + "}"
    return str(kind)


def schema_shape(schema: Mapping[str, Any]) -> str:
    """A JSON schema as a one-line sketch of the answer's shape."""
    return _shape(schema, schema.get("$defs", {}))


def answer_shape() -> str:
    """The answer's JSON shape, compact (about a tenth of the JSON schema): for servers that
    take JSON mode, where the field meanings are already in the instructions."""
    return schema_shape(grammar_schema())


def build_messages(
    prompt: PromptSet, *, title: str, abstract: str, schema_in_prompt: bool = False
) -> list[dict[str, str]]:
    """System + instructions, few-shot turns, then this paper: the stable prefix first.

    `schema_in_prompt` appends the answer's shape to the system text, for servers that take
    JSON mode but not a `json_schema` response format. Examples leave out unstated (null)
    gain attributes, as answers may: every key a model writes costs generation time.
    """
    system = f"{prompt.system.strip()}\n\n{prompt.instructions.strip()}"
    if schema_in_prompt:
        shape = answer_shape()
        system += f"\n\nAnswer with one JSON object of this shape (? = may be left out):\n{shape}"
    messages = [{"role": "system", "content": system}]
    for example in prompt.examples:
        messages.append({"role": "user", "content": _user_turn(example.title, example.text)})
        answer = example.output.model_dump_json(exclude_none=True)
        messages.append({"role": "assistant", "content": answer})
    messages.append({"role": "user", "content": _user_turn(title, abstract)})
    return messages
