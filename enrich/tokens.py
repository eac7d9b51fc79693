"""Prompt tokens counted by the model's own tokenizer, where that tokenizer is on this machine.

`enrich plan` says how it counted. A GGUF carries its vocabulary and chat template, so a
`--backend local` prompt is counted exactly as llama.cpp's server counts it (the same library,
vocabulary only: no weights are loaded). An OpenAI model is counted with tiktoken only when
tiktoken is installed and its encoding file is already cached: nothing here downloads anything.
Anything else has no known tokenizer (None), and the plan calibrates from the cache instead.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from importlib import import_module
from pathlib import Path
from typing import Any, Protocol

Messages = Sequence[Mapping[str, str]]

# tiktoken's encoding files, as it names them in its cache (sha1 of the URL it would fetch)
_TIKTOKEN_URL = "https://openaipublic.blob.core.windows.net/encodings/{}.tiktoken"
# OpenAI's chat format: each message costs its role and content plus 3 tokens, and every
# reply is primed with 3 more (OpenAI's cookbook, "How to count tokens with tiktoken")
_TOKENS_PER_MESSAGE = 3
_TOKENS_PER_REPLY = 3


class PromptTokenizer(Protocol):
    """Counts the prompt tokens a chat request's messages become."""

    @property
    def name(self) -> str:
        """What counted, for the plan's "exact (tokenizer NAME)"."""
        ...

    def count(self, messages: Messages) -> int: ...


@contextmanager
def _quiet_stderr() -> Iterator[None]:
    """llama.cpp writes load notices straight to file descriptor 2, past Python's streams."""
    saved = os.dup(2)
    try:
        with Path(os.devnull).open("wb") as sink:
            os.dup2(sink.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


class GgufTokenizer:
    """A GGUF's vocabulary and chat template, applied as llama-cpp-python's server applies them:
    the template rendered, then tokenized with special tokens parsed (`added_special`)."""

    def __init__(self, path: Path) -> None:
        import llama_cpp
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        with _quiet_stderr():
            self._llm = llama_cpp.Llama(model_path=str(path), vocab_only=True, verbose=False)
        template = self._llm.metadata.get("tokenizer.chat_template")
        if not template:
            raise ValueError(f"{path.name} has no chat template")
        bos, eos = (
            self._llm.detokenize([token], special=True).decode("utf-8", "replace")
            for token in (self._llm.token_bos(), self._llm.token_eos())
        )
        # typed loosely: llama-cpp-python's message types are TypedDicts of its own
        self._full: Any = Jinja2ChatFormatter(template=template, eos_token=eos, bos_token=bos)
        self._head: Any = Jinja2ChatFormatter(
            template=template, eos_token=eos, bos_token=bos, add_generation_prompt=False
        )
        # the stable prefix (system, examples) is tokenized once: the tokenizer splits text at
        # special tokens first, so a prefix that ends where one starts counts the same apart
        self._prefixes: dict[str, int | None] = {}
        self._tokenize = llama_cpp.llama_tokenize
        self._vocab = getattr(getattr(self._llm, "_model", None), "vocab", None)
        self._no_room = (llama_cpp.llama_token * 0)()
        self.name = f"{path.name}, llama.cpp"

    def _tokens(self, text: str, add_bos: bool) -> int:
        data = text.encode("utf-8")
        if self._vocab is None:
            return len(self._llm.tokenize(data, add_bos=add_bos, special=True))
        # asked with no room for tokens, llama.cpp answers minus the count: one pass, where
        # `Llama.tokenize` of a vocabulary-only model tokenizes twice (its buffer starts empty)
        found = int(self._tokenize(self._vocab, data, len(data), self._no_room, 0, add_bos, True))
        return -found if found < 0 else found

    def count_text(self, text: str) -> int:
        """The tokens of plain text (no template, no BOS): an answer's, say."""
        return self._tokens(text, False)

    def count(self, messages: Messages) -> int:
        rendered = self._full(messages=list(messages))
        text, add_bos = str(rendered.prompt), not rendered.added_special
        if len(messages) < 2:
            return self._tokens(text, add_bos)
        head = str(self._head(messages=list(messages[:-1])).prompt)
        if not text.startswith(head):
            return self._tokens(text, add_bos)
        if head not in self._prefixes:
            whole, first = self._tokens(text, add_bos), self._tokens(head, add_bos)
            # checked once per prefix: a split that changes the count is never used
            apart = first + self._tokens(text[len(head) :], False)
            self._prefixes[head] = first if apart == whole else None
            return whole
        known = self._prefixes[head]
        if known is None:
            return self._tokens(text, add_bos)
        return known + self._tokens(text[len(head) :], False)


def gguf_tokenizer(path: Path) -> GgufTokenizer | None:
    """The GGUF's tokenizer, or None when llama-cpp-python is not installed or the file has no
    chat template (the server would then fall back to a generic format)."""
    try:
        return GgufTokenizer(path)
    except (ImportError, ValueError, RuntimeError, OSError):
        return None


def _tiktoken_file(encoding: str, env: Mapping[str, str]) -> Path | None:
    """Where tiktoken keeps `encoding` once fetched, or None when it would fetch it."""
    folder = env.get("TIKTOKEN_CACHE_DIR", env.get("DATA_GYM_CACHE_DIR"))
    if folder is None:
        folder = str(Path(tempfile.gettempdir()) / "data-gym-cache")
    if not folder:  # tiktoken's "do not cache": every load is a download
        return None
    url = _TIKTOKEN_URL.format(encoding)
    path = Path(folder) / hashlib.sha1(url.encode(), usedforsecurity=False).hexdigest()
    return path if path.is_file() and path.stat().st_size > 0 else None


class TiktokenTokenizer:
    """OpenAI's chat counting: each message's role and content, plus the fixed overheads."""

    def __init__(self, encoding: Any, name: str) -> None:
        self._encoding = encoding
        self.name = f"tiktoken {name}, messages only"  # a response schema is not counted

    def count(self, messages: Messages) -> int:
        total = _TOKENS_PER_REPLY
        for message in messages:
            total += _TOKENS_PER_MESSAGE
            total += sum(len(self._encoding.encode(str(value))) for value in message.values())
        return total


def tiktoken_tokenizer(
    model: str, env: Mapping[str, str] | None = None
) -> TiktokenTokenizer | None:
    """tiktoken's encoding for an OpenAI `model`, only if tiktoken is installed, knows the model
    and already has its encoding file (else None: never a download)."""
    try:
        tiktoken = import_module("tiktoken")  # optional, and without type information
    except ImportError:
        return None
    try:
        name = str(tiktoken.encoding_name_for_model(model.rsplit("/", 1)[-1]))
    except KeyError:
        return None
    if _tiktoken_file(name, os.environ if env is None else env) is None:
        return None
    try:
        return TiktokenTokenizer(tiktoken.get_encoding(name), name)
    except (ValueError, OSError):
        return None
