"""A fake server's replies with usage as a real server reports it, for checking `enrich plan`.

The prompt tokens are counted over the messages actually sent, plus a chat template's
per-message overhead, and the completion tokens over the answer actually written, by a
tokenizer: a deterministic word-and-punctuation one, or a GGUF's own vocabulary
(`gguf_counter`). The answer depends on the abstract (its first sentence, its acronyms), so
answers vary in length as real ones do.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.fake_openai_server import Reply, completion

Count = Callable[[str], int]

_WORD = re.compile(r"\w+|[^\w\s]")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s")
_ACRONYM = re.compile(r"\b[A-Z][A-Za-z0-9-]*[A-Z][A-Za-z0-9-]*\b")
MESSAGE_OVERHEAD = 4  # role and delimiters, as chat templates add them
REPLY_OVERHEAD = 3


def word_tokens(text: str) -> int:
    """Words and punctuation marks: a stable stand-in for a BPE tokenizer."""
    return len(_WORD.findall(text))


def gguf_counter(path: Path) -> Count:
    """A GGUF's vocabulary (llama.cpp, vocabulary only) as a text counter."""
    from enrich.tokens import GgufTokenizer

    return GgufTokenizer(path).count_text


def answer_for(abstract: str) -> dict[str, Any]:
    """A valid extraction written from the abstract: its first sentence and its acronyms."""
    first = _SENTENCE_END.split(abstract.strip(), maxsplit=1)[0][:400]
    names = list(dict.fromkeys(_ACRONYM.findall(abstract)))[:4]
    return {
        "summary": first,
        "methods": [{"name": name, "role": "used"} for name in names],
        "tasks": [],
        "datasets": [],
        "metrics": [],
        "gains": [],
    }


class UsageResponder:
    """`FakeOpenAIServer.responder` that answers every request with counted usage, and adds up
    what it reported (`prompt_tokens`, `completion_tokens`)."""

    def __init__(self, count: Count = word_tokens) -> None:
        self.count = count
        self.prompt_tokens = 0
        self.completion_tokens = 0

    def __call__(self, body: dict[str, Any]) -> Reply:
        messages = body["messages"]
        prompt = REPLY_OVERHEAD + sum(
            MESSAGE_OVERHEAD + self.count(str(m.get("content") or "")) for m in messages
        )
        abstract = str(messages[-1]["content"]).split("Abstract:\n", 1)[-1]
        content = json.dumps(answer_for(abstract))
        answer = self.count(content)
        self.prompt_tokens += prompt
        self.completion_tokens += answer
        return completion(content, usage=(prompt, answer))
