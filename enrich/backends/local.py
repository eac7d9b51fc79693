"""The `local` backend: a GGUF model served by llama.cpp, started and stopped by enrich.

It adds only the server's lifecycle to the OpenAI-compatible backend, which does all the
extraction work (no second extraction path). The server starts on the first request, so a
rerun whose answers are all cached never loads the model, and it runs one request at a time:
a CPU server answers requests in turn, and a request that timed out is never resent while the
server may still be working on it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TypeVar

from enrich.backends.base import ExtractRequest, ExtractResult, ResultCallback
from enrich.backends.chat import ChatBackend
from enrich.backends.jobs import Answer, StructuredJob
from enrich.core.prompting import PromptSet
from enrich.local.models import ModelFile
from enrich.local.server import N_CTX, LocalServer

DEFAULT_TIMEOUT_S = 600.0
DEFAULT_MAX_TOKENS = 1024
LOG_NAME = "llama-server.log"
T = TypeVar("T")


class LocalBackend:
    """llama.cpp's OpenAI-compatible server as a child process, behind `ChatBackend`."""

    name = "local"

    def __init__(
        self,
        prompt: PromptSet,
        model_file: ModelFile,
        *,
        log_dir: Path,
        threads: int | None = None,
        timeout: float = DEFAULT_TIMEOUT_S,
        max_tokens: int = DEFAULT_MAX_TOKENS,
    ) -> None:
        self.prompt = prompt
        self.model_file = model_file
        self.model = model_file.label
        self.timeout = timeout
        self.max_tokens = max_tokens
        self.server = LocalServer(
            model_file.path, alias=model_file.label, log_path=log_dir / LOG_NAME, threads=threads
        )
        self.origin = f"file {model_file.path} — {model_file.reason}"
        self._inner: ChatBackend | None = None

    def identity(self) -> Mapping[str, str]:
        # not the port, which changes every run: the weights decide the output
        return {"backend": self.name, "model": self.model, "weights": self.model_file.fingerprint}

    def params(self) -> Mapping[str, object]:
        return {"temperature": 0.0, "max_tokens": self.max_tokens, "n_ctx": N_CTX}

    def _started(self) -> ChatBackend:
        if self._inner is None:
            base_url = self.server.start()
            self._inner = ChatBackend(
                self.prompt,
                model=self.model,
                base_url=base_url,
                api_key=None,
                concurrency=1,
                timeout=self.timeout,
                max_tokens=self.max_tokens,
                response_format="json_object",  # llama.cpp enforces the schema by grammar
                retry_timeouts=False,
                provider="server",  # plain HTTP: the child server needs no SDK
            )
        return self._inner

    def extract(
        self, batch: Sequence[ExtractRequest], on_result: ResultCallback | None = None
    ) -> list[ExtractResult]:
        if not batch:
            return []
        return self._started().extract(batch, on_result)

    def ask(
        self,
        jobs: Sequence[StructuredJob[T]],
        on_answer: Callable[[Answer[T]], None] | None = None,
    ) -> list[Answer[T]]:
        """Answers of another schema (an overview) from the same server, started if needed."""
        if not jobs:
            return []
        return self._started().ask(jobs, on_answer)

    def close(self) -> None:
        """Stop the server; safe to call twice or when it never started."""
        self.server.stop()
