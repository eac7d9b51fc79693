"""The body of one structured-output chat request, built without I/O.

Realtime calls build it per request; a provider's Batch API file would hold the same bodies, so
both ask exactly the same thing. Reasoning models (OpenAI's o-series and GPT-5) take
`max_completion_tokens` and only their default temperature; the body follows `Generation`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from enrich.core.prompting import PromptSet, build_messages
from enrich.core.schema import grammar_schema, output_schema

Mode = Literal["json_schema", "json_object"]

# Model families that reject `max_tokens` and a set temperature, recognised by name (with or
# without a provider prefix, "openai/o3-mini"). Others are learned from the server's refusal.
_REASONING = re.compile(r"^(?:[\w.-]+/)?(?:o\d|gpt-5)(?:\b|[-_.])", re.IGNORECASE)


def is_reasoning_model(model: str) -> bool:
    """o1, o3-mini, o4-mini, gpt-5, gpt-5-mini ... (not gpt-4o, not llama-3)."""
    return _REASONING.match(model) is not None


@dataclass(frozen=True)
class Generation:
    """Sampling and length settings, and whether the model wants reasoning-model parameters."""

    temperature: float = 0.0
    max_tokens: int = 2048
    reasoning: bool = False

    def fields(self) -> dict[str, Any]:
        """The request fields these settings become."""
        if self.reasoning:
            return {"max_completion_tokens": self.max_tokens}
        return {"temperature": self.temperature, "max_tokens": self.max_tokens}


def response_format(
    mode: Mode,
    name: str = "extraction",
    strict: Mapping[str, Any] | None = None,
    grammar: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A strict `json_schema` format, or JSON mode with the grammar schema (llama.cpp enforces
    `schema` by grammar; other servers ignore the extra key). The extraction's by default."""
    if mode == "json_schema":
        schema = output_schema() if strict is None else strict
        return {
            "type": "json_schema",
            "json_schema": {"name": name, "strict": True, "schema": schema},
        }
    return {"type": "json_object", "schema": grammar_schema() if grammar is None else grammar}


def chat_body(
    prompt: PromptSet,
    *,
    model: str,
    title: str,
    abstract: str,
    mode: Mode,
    generation: Generation,
    turns: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    """The chat-completions request for one abstract; `turns` are a re-ask's earlier answer and
    the feedback on it."""
    messages = build_messages(
        prompt, title=title, abstract=abstract, schema_in_prompt=mode == "json_object"
    )
    return {
        "model": model,
        "messages": messages + list(turns or ()),
        **generation.fields(),
        "response_format": response_format(mode),
    }


@dataclass(frozen=True)
class StructuredAsk:
    """One request for an answer of a schema other than the extraction's (an overview): its
    messages, system first and the question last, and the schema in both forms. The same
    response formats, generation fields and JSON-mode fallback as `chat_body`."""

    name: str  # the json_schema format's name
    messages: tuple[Mapping[str, str], ...]
    strict: Mapping[str, Any]  # for `json_schema`
    grammar: Mapping[str, Any]  # for JSON mode (llama.cpp enforces it by grammar)
    shape: str  # the answer's shape, told in the system text in JSON mode

    def body(
        self,
        *,
        model: str,
        mode: Mode,
        generation: Generation,
        turns: Sequence[Mapping[str, str]] = (),
    ) -> dict[str, Any]:
        """The chat-completions request; `turns` are a re-ask's earlier answer and feedback."""
        messages = [dict(message) for message in self.messages]
        if mode == "json_object" and messages and messages[0].get("role") == "system":
            messages[0]["content"] += (
                f"\n\nAnswer with one JSON object of this shape:\n{self.shape}"
            )
        return {
            "model": model,
            "messages": messages + [dict(turn) for turn in turns],
            **generation.fields(),
            "response_format": response_format(mode, self.name, self.strict, self.grammar),
        }


def prompt_chars(body: dict[str, Any]) -> int:
    """The characters of a body's messages: what its prompt tokens are mostly made of (the
    response format's schema adds a constant a tokens-per-character ratio absorbs)."""
    return sum(len(str(message.get("content") or "")) for message in body.get("messages", ()))
