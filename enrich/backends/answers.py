"""What one model answer means: a valid extraction, or why not and what to tell the model.

Provider-independent: any chat backend sends, hands the answer's text and finish reason here,
and re-asks with `reask_turns` while its bounds allow. Kept apart from the transport so the
validation and re-ask wording are one piece of code whatever sends the request.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from enrich.backends.retry import clip
from enrich.core.repetition import repeated_tail
from enrich.core.schema import ModelExtraction

FEEDBACK_CHARS = 800  # validation errors shown to the model in a re-ask
TRUNCATED = "output truncated at max_tokens"
M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Rejection:
    """An answer that failed: `problem` for the result's error, `feedback` for the re-ask,
    `cut_off` when it hit the token limit (a second cut-off is not worth another re-ask)."""

    problem: str
    feedback: str
    cut_off: bool = False


def _problems(err: ValidationError) -> tuple[str, str]:
    """(short error for the result, fuller list for the model)."""
    lines = []
    for item in err.errors(include_url=False):
        where = ".".join(str(part) for part in item["loc"]) or "output"
        lines.append(f"{where}: {item['msg']}")
    more = f" (+{len(lines) - 1} more)" if len(lines) > 1 else ""
    return clip(lines[0] + more), clip("; ".join(lines), FEEDBACK_CHARS)


def _unfenced(content: str) -> str:
    """The JSON inside a ```json fence, which some servers add even in JSON mode."""
    text = content.strip()
    if text.startswith("```") and text.endswith("```"):
        text = text[3:-3]
        text = text.removeprefix("json").removeprefix("JSON")
    return text


def read_answer(content: str, finish_reason: str | None) -> ModelExtraction | Rejection:
    """The extraction in `content`, or why it is not one: invalid JSON or fields, a runaway
    answer that repeated itself until the token limit, or one cut off there."""
    return read_model(content, finish_reason, ModelExtraction)


def read_model(content: str, finish_reason: str | None, schema: type[M]) -> M | Rejection:
    """`read_answer` for any answer schema (an overview's as much as an extraction's)."""
    try:
        return schema.model_validate_json(_unfenced(content))
    except ValidationError as err:
        problem, feedback = _problems(err)
    if finish_reason != "length":
        return Rejection(problem, feedback)
    loop = repeated_tail(content)
    if loop is not None:
        return Rejection(
            f"runaway answer: it repeated {clip(loop, 60)!r} until max_tokens",
            f"you repeated {clip(loop, 60)!r} over and over; list each item once and "
            "close the JSON object",
            cut_off=True,
        )
    return Rejection(
        TRUNCATED, "your output was cut off at the token limit; answer more concisely", True
    )


def reask_turns(
    turns: list[dict[str, str]], content: str, rejection: Rejection
) -> list[dict[str, str]]:
    """The conversation for a re-ask: what came before, the failed answer, and the feedback."""
    return [
        *turns,
        {"role": "assistant", "content": content},
        {
            "role": "user",
            "content": f"Your answer failed validation: {rejection.feedback}. "
            "Return the corrected JSON object only.",
        },
    ]
