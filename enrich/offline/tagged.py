"""Method names the offline tagger finds where an LLM's answer is known to be thin.

A small instruction model names the paper's own method and tends to leave out the background
methods, baselines and components the abstract also names ("compared with GRPO and DAPO", "a
softmax classifier"). The tagger reads every sentence, but most of what it tags is too loose to
add to an answer; two kinds of its method spans were precise enough on our dev labels:

- one word marked as a name, by a digit or an inner capital (GRPO, Qwen2.5-Math, TreeLSTM);
- a lowercase phrase headed by a technique word (softmax classifier, in-context learning) — not
  by a word that says only "a system of some kind" ("model", "framework").
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from enrich.core.convention import FIELD_HEADS, head_word

if TYPE_CHECKING:  # the tagger (numpy, crfsuite) is loaded only where it is used
    from enrich.offline.tagger import Entity

_TECHNIQUE_HEADS = FIELD_HEADS["methods"] - {
    "model", "network", "method", "framework", "architecture", "mechanism"
}  # fmt: skip


def _marked_word(text: str) -> bool:
    return not any(c.isspace() for c in text) and (
        any(c.isdigit() for c in text) or any(c.isupper() for c in text[1:])
    )


def _technique_phrase(text: str) -> bool:
    return text == text.lower() and head_word(text) in _TECHNIQUE_HEADS


def tagged_methods(entities: Iterable[Entity]) -> list[tuple[int, int]]:
    """Spans of the method names above among the tagger's `entities` of one abstract."""
    return [
        (entity.start, entity.end)
        for entity in entities
        if entity.field == "methods"
        and (_marked_word(entity.text) or _technique_phrase(entity.text))
    ]
