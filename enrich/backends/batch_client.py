"""The Batch API through the official openai SDK: upload a file, create a batch, poll it, read
its files. Imported only with `--batch` (the SDK costs about a second to import).

Transient failures (429, 5xx, a dropped connection) are retried by the SDK itself
(`max_retries`, with its backoff); what is left becomes one `BackendError` line with a hint,
the key blanked out (a `TransientError` when waiting longer may help). A batch or file the
server no longer knows (404) is `None`, not an error: the caller releases what it covered.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Protocol

from enrich.backends.batch_state import CHAT_PATH
from enrich.backends.retry import clip
from enrich.core.redact import redact
from enrich.errors import BackendError

if TYPE_CHECKING:
    from openai.types import Batch

RESUME_HINT = "rerun to go on: recorded batches are polled again, not submitted again"
_NO_KEY = "not-needed"  # a local server ignores the key, the SDK insists on one


@dataclass(frozen=True)
class BatchView:
    """What a poll says about one batch."""

    status: str
    completed: int = 0
    failed: int = 0
    total: int = 0
    output_file_id: str | None = None
    error_file_id: str | None = None
    reason: str = ""  # the batch's own errors, "code: message (+N more)"


class BatchClient(Protocol):
    def upload(self, handle: IO[bytes], name: str) -> str: ...

    def create(self, file_id: str) -> str: ...

    def retrieve(self, batch_id: str) -> BatchView | None: ...

    def content(self, file_id: str) -> str | None: ...

    def close(self) -> None: ...


class TransientError(BackendError):
    """A failure a later attempt may get past (a dropped connection, a timeout, 429, 5xx)."""


class _GoneError(Exception):
    """The server answered 404 for something it should know."""


def view_of(batch: Batch) -> BatchView:
    counts = batch.request_counts
    errors = (batch.errors.data if batch.errors else None) or []
    reason = ""
    if errors:
        first = errors[0]
        reason = f"{first.code or 'error'}: {first.message or 'no message'}"
        reason += f" (+{len(errors) - 1} more)" if len(errors) > 1 else ""
    return BatchView(
        batch.status,
        counts.completed if counts else 0,
        counts.failed if counts else 0,
        counts.total if counts else 0,
        batch.output_file_id,
        batch.error_file_id,
        reason,
    )


class SDKBatchClient:
    """`BatchClient` over `openai.OpenAI` (synchronous: the run only waits between calls, and
    Ctrl-C interrupts a blocking call or sleep at once)."""

    def __init__(
        self,
        endpoint: str,
        api_key: str | None,
        *,
        timeout: float,
        max_retries: int,
        key_variable: str,
    ) -> None:
        import openai

        self._openai = openai
        self.endpoint = endpoint
        self._secrets = (api_key,) if api_key else ()
        self._key_variable = key_variable
        self._client = openai.OpenAI(
            base_url=endpoint,
            api_key=api_key or _NO_KEY,
            timeout=max(timeout, 120.0),  # a file of up to 200 MB goes up in one request
            max_retries=max_retries,
        )

    def __repr__(self) -> str:
        return f"SDKBatchClient(endpoint={self.endpoint!r})"

    @contextmanager
    def _calling(self, what: str) -> Iterator[None]:
        """SDK failures as one-line `BackendError`s (404: `_GoneError`, for the caller)."""
        openai = self._openai
        try:
            yield
        except openai.NotFoundError:
            raise _GoneError(what) from None
        except (openai.AuthenticationError, openai.PermissionDeniedError) as exc:
            raise BackendError(
                f"{self.endpoint} refused the API key while {what} ({exc.status_code})",
                f"check ${self._key_variable}",
            ) from None
        except openai.APIStatusError as exc:
            text = f"{self.endpoint} answered {exc.status_code} while {what}: {exc.message}"
            transient = exc.status_code in (408, 409, 429) or exc.status_code >= 500
            kind = TransientError if transient else BackendError
            raise kind(self._clean(text), RESUME_HINT) from None
        except openai.APIError as exc:  # timeouts and connection errors, after the retries
            raise TransientError(
                self._clean(f"lost contact with {self.endpoint} while {what}: {exc}"),
                RESUME_HINT,
            ) from None

    def _clean(self, text: str) -> str:
        return clip(redact(text, self._secrets))

    def _no_batch_api(self, what: str) -> BackendError:
        return BackendError(
            f"{self.endpoint} answered 404 while {what}: it may not offer the Batch API",
            "drop --batch to send the requests one by one",
        )

    def upload(self, handle: IO[bytes], name: str) -> str:
        try:
            with self._calling("uploading a batch file"):
                uploaded = self._client.files.create(
                    file=(name, handle, "application/jsonl"), purpose="batch"
                )
        except _GoneError as gone:
            raise self._no_batch_api(str(gone)) from None
        return uploaded.id

    def create(self, file_id: str) -> str:
        try:
            with self._calling("creating a batch"):
                batch = self._client.batches.create(
                    input_file_id=file_id, endpoint=CHAT_PATH, completion_window="24h"
                )
        except _GoneError as gone:
            raise self._no_batch_api(str(gone)) from None
        return batch.id

    def retrieve(self, batch_id: str) -> BatchView | None:
        try:
            with self._calling(f"polling batch {batch_id}"):
                return view_of(self._client.batches.retrieve(batch_id))
        except _GoneError:
            return None

    def content(self, file_id: str) -> str | None:
        try:
            with self._calling(f"downloading file {file_id}"):
                return self._client.files.content(file_id).text
        except _GoneError:
            return None

    def close(self) -> None:
        self._client.close()
