"""`--batch`: the realtime backend's requests sent through a Batch API instead (OpenAI's, or any
server implementing it): the same bodies, validation and cache keys, at the Batch API's price.

`BatchBackend` wraps a `ChatBackend` and answers to its `name`, `identity()` and `params()`, so
a batch answer and a realtime answer share one cache entry. One `extract` call:

- resumes every recorded batch (`batch_state.BatchStore`) covering a requested key, and submits
  only the keys no recorded batch covers, in files within the provider's limits (requests and
  bytes per file), each batch recorded on disk before anything waits for it;
- polls them every `poll_interval` seconds, showing the Batch API's own request counts; Ctrl-C
  or a kill leaves the records, and the next run polls those batches again;
- reads each answer with `read_answer`, as realtime does. An invalid answer is asked again
  through the realtime backend's own `extract` (a fresh ask, with its usual re-asks bounded by
  `max_reasks`; none when that is 0); a line error or a missing line is a failed result with its
  reason. A batch that ended failed, expired or cancelled releases its unanswered keys: they are
  submitted once more (the reason noted); released twice, they fail with that reason.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from enrich.backends.answers import Rejection, read_answer
from enrich.backends.base import ExtractRequest, ExtractResult, ResultCallback, Usage
from enrich.backends.batch_client import BatchClient, BatchView, TransientError
from enrich.backends.batch_state import (
    BatchRecord,
    BatchStore,
    LineAnswer,
    now,
    read_lines,
    request_line,
    split_lines,
)
from enrich.backends.chat import ChatBackend
from enrich.backends.retry import clip
from enrich.core.redact import redact
from enrich.core.requests import Mode, chat_body, prompt_chars
from enrich.core.schema import ModelExtraction
from enrich.providers.base import reply_from_json

MAX_REQUESTS = 50_000  # OpenAI: requests in one batch
MAX_BYTES = 200_000_000  # OpenAI: 200 MB per input file
POLL_SECONDS = 30.0
MAX_POLL_FAILURES = 10  # polls in a row that fail (after the SDK's own retries) before giving up
TERMINAL = frozenset({"completed", "failed", "expired", "cancelled"})
UNKNOWN = "unknown"  # the server no longer knows the batch (404)


@runtime_checkable
class BatchProgress(Protocol):
    """What a progress display implements to follow the batches (the CLI's bar does)."""

    def batch_status(self, completed: int, total: int, status: str) -> None: ...

    def batch_note(self, text: str) -> None: ...


@dataclass
class _Call:
    """One `extract` call: its requests, results so far, and the batches it waits for."""

    requests: dict[str, ExtractRequest]
    on_result: ResultCallback | None
    results: dict[str, ExtractResult] = field(default_factory=dict)
    released: set[str] = field(default_factory=set)
    live: list[BatchRecord] = field(default_factory=list)
    views: dict[str, BatchView] = field(default_factory=dict)  # every batch of the call


class BatchBackend:
    """The `openai` backend (as in cache keys) through the Batch API; see the module doc."""

    name = "openai"
    origin = "through the Batch API: the run waits for the batches, a rerun resumes them"
    priced_as_batch = True  # run.json's cost is at the Batch API's price

    def __init__(
        self,
        realtime: ChatBackend,
        *,
        state_dir: Path,
        api_key: str | None,
        max_requests: int = MAX_REQUESTS,
        max_bytes: int = MAX_BYTES,
        poll_interval: float = POLL_SECONDS,
        client: BatchClient | None = None,
    ) -> None:
        self.realtime = realtime
        self.model = realtime.model
        self.store = BatchStore(state_dir)
        self._api_key = api_key
        self._secrets = (api_key,) if api_key else ()
        self.max_requests = max(1, max_requests)
        self.max_bytes = max(1, max_bytes)
        self.poll_interval = max(0.0, poll_interval)
        self.preferred_chunk = self.max_requests  # the Extractor hands over this many at once
        self._client = client
        self._progress: BatchProgress | None = None
        self.notes: list[str] = []  # resumed and released batches, also shown by the progress
        self.uploads = self.resumed = self.resubmitted = 0  # over the backend's life

    def __repr__(self) -> str:  # the key stays out of logs and tracebacks
        return f"BatchBackend(model={self.model!r}, endpoint={self.realtime.endpoint!r})"

    def identity(self) -> Mapping[str, str]:
        return self.realtime.identity()

    def params(self) -> Mapping[str, object]:
        return self.realtime.params()

    def watch(self, progress: object) -> None:
        """Report to `progress` too, if it can show batches (`BatchProgress`)."""
        self._progress = progress if isinstance(progress, BatchProgress) else None

    def close(self) -> None:
        try:
            if self._client is not None:
                self._client.close()
        finally:
            self.realtime.close()

    def _connect(self) -> BatchClient:
        if self._client is None:
            from enrich.backends.batch_client import SDKBatchClient

            self._client = SDKBatchClient(
                self.realtime.endpoint, self._api_key, timeout=self.realtime.timeout,
                max_retries=self.realtime.max_retries,
                key_variable=self.realtime.provider.key_variable,
            )  # fmt: skip
        return self._client

    def extract(
        self, batch: Sequence[ExtractRequest], on_result: ResultCallback | None = None
    ) -> list[ExtractResult]:
        """One result per request, after every batch covering them has ended."""
        if not batch:
            return []
        self.store.prepare()
        call = _Call({request.key: request for request in batch}, on_result)
        covered = self._resume(call)
        self._submit(call, [r for r in call.requests.values() if r.key not in covered])
        self._wait(call)
        for key in call.requests.keys() - call.results.keys():  # none expected: never lost
            self._emit(call, ExtractResult(key, None, error="no batch answered it"))
        return [call.results[request.key] for request in batch]

    def _resume(self, call: _Call) -> set[str]:
        """Wait again for the recorded batches covering requested keys; the keys they cover."""
        covered: set[str] = set()
        for record in self.store.load(self.realtime.endpoint, self.model):
            mine = [key for key in record.keys if key in call.requests and key not in covered]
            if mine:
                covered.update(mine)
                call.live.append(record)
                self.resumed += 1
                self._note(f"resuming batch {record.batch_id} of {record.created} "
                           f"({len(mine)} requests): not submitted again")  # fmt: skip
        return covered

    def _body(self, request: ExtractRequest, mode: Mode) -> dict[str, Any]:
        return chat_body(
            self.realtime.prompt, model=self.model, title=request.title,
            abstract=request.abstract, mode=mode, generation=self.realtime.generation,
        )  # fmt: skip

    def _lines(
        self, call: _Call, requests: Sequence[ExtractRequest]
    ) -> Iterator[tuple[str, bytes]]:
        """Each request's input line; one too long for any file fails here."""
        mode = self.realtime.mode  # json_object if realtime learned the endpoint wants it
        for request in requests:
            line = request_line(request.key, self._body(request, mode))
            if len(line) > self.max_bytes:
                self._emit(call, ExtractResult(request.key, None, error=(
                    f"the request takes {len(line):,} bytes, more than a batch file may "
                    f"({self.max_bytes:,})")))  # fmt: skip
            else:
                yield request.key, line

    def _submit(self, call: _Call, requests: Sequence[ExtractRequest]) -> None:
        """Upload `requests` in files within the limits; record each batch before waiting."""
        if not requests:
            return
        client, mode = self._connect(), self.realtime.mode
        for part in split_lines(self._lines(call, requests), self.max_requests, self.max_bytes):
            with part.handle:
                file_id = client.upload(part.handle, "enrich-batch.jsonl")
            self.uploads += 1
            batch_id = client.create(file_id)
            record = BatchRecord(batch_id, file_id, self.realtime.endpoint, self.model, mode,
                                 now(), tuple(part.keys))  # fmt: skip
            try:
                self.store.save(record)
            except OSError as exc:
                self._note(f"could not record batch {batch_id} ({exc}): a run stopped before "
                           "it ends would submit its requests again")  # fmt: skip
            call.live.append(record)
            call.views[batch_id] = BatchView("validating", total=len(part.keys))

    def _wait(self, call: _Call) -> None:
        """Poll until every batch of the call has ended, consuming each as it ends."""
        client, strikes = self._connect(), 0
        while call.live:
            for record in list(call.live):
                try:
                    found = client.retrieve(record.batch_id)
                except TransientError:  # the server is away: a day's wait survives a blip
                    strikes += 1
                    if strikes > MAX_POLL_FAILURES:
                        raise
                    continue
                strikes = 0
                view = found or BatchView(UNKNOWN, reason="the server no longer knows it")
                if not view.total:  # still validating: counts not known yet
                    view = replace(view, total=len(record.keys))
                call.views[record.batch_id] = view
                if view.status in TERMINAL or view.status == UNKNOWN:
                    call.live.remove(record)
                    self._finish(call, record, view)
            self._report(call)
            if call.live:
                time.sleep(self.poll_interval)

    def _report(self, call: _Call) -> None:
        if self._progress is None or not call.views:
            return
        views = call.views.values()
        done = sum(view.completed + view.failed for view in views)
        total = sum(view.total for view in views)
        if len(call.views) == 1:
            [(batch_id, view)] = call.views.items()
            status = f"batch {batch_id} {view.status}"
        else:
            counts = Counter(view.status for view in views)
            status = f"{len(call.views)} batches: " + ", ".join(
                f"{count} {state}" for state, count in sorted(counts.items())
            )
        self._progress.batch_status(done, max(total, done), status)

    def _answers(self, view: BatchView) -> tuple[dict[str, LineAnswer], bool]:
        """The lines of the batch's output and error files, and whether both were there."""
        answers: dict[str, LineAnswer] = {}
        whole = True
        for file_id in (view.output_file_id, view.error_file_id):
            text = self._connect().content(file_id) if file_id else ""
            if text is None:
                whole = False  # expired with its batch's output: those keys are released
                continue
            for line in read_lines(text):
                answers.setdefault(line.key, line)
        return answers, whole

    def _finish(self, call: _Call, record: BatchRecord, view: BatchView) -> None:
        """Turn an ended batch's lines into results; release what it left unanswered."""
        wanted = [key for key in record.keys if key in call.requests and key not in call.results]
        answers, whole = self._answers(view) if wanted else ({}, True)
        invalid: list[tuple[ExtractResult, Rejection]] = []
        released: list[str] = []
        for key in wanted:
            line = answers.get(key)
            if line is not None and not line.unfinished:
                if line.error is not None:
                    self._emit(call, ExtractResult(key, None, f"batch line error: {line.error}",
                                                   requests=1))  # fmt: skip
                    continue
                result, rejection = self._read(call.requests[key], line, record.mode)
                if rejection is None:
                    self._emit(call, result)
                else:
                    invalid.append((result, rejection))
            elif view.status == "completed" and whole:
                missing = f"batch line missing: batch {record.batch_id} returned no line for it"
                self._emit(call, ExtractResult(key, None, missing))
            else:
                released.append(key)
        self._reask(call, invalid)
        # consumed: the record keeps only keys this call did not ask for (a later chunk's)
        self.store.keep(record, [key for key in record.keys if key not in call.requests])
        self._release(call, record, view, released)

    def _read(
        self, request: ExtractRequest, line: LineAnswer, mode: Mode
    ) -> tuple[ExtractResult, Rejection | None]:
        """A line's answer read as realtime reads one; the rejection when it is invalid."""
        reply = reply_from_json(line.body or {})
        chars = prompt_chars(self._body(request, mode)) if reply.prompt_tokens else 0
        usage = Usage(reply.prompt_tokens, reply.completion_tokens, chars)
        result = ExtractResult(request.key, None, usage=usage, requests=1)
        if not reply.has_choice:
            result.error = "the server returned no choices"
        elif reply.refusal or reply.finish_reason == "content_filter":
            result.error = clip(f"refused: {reply.refusal or 'content filter'}")
        else:
            answer = read_answer(reply.content or "", reply.finish_reason)
            if not isinstance(answer, ModelExtraction):
                return result, answer
            result.extraction = answer
        return result, None

    def _reask(self, call: _Call, invalid: list[tuple[ExtractResult, Rejection]]) -> None:
        """Ask the invalid answers' abstracts again through realtime; counts add up."""
        if not invalid:
            return
        if self.realtime.max_reasks == 0:
            for result, rejection in invalid:
                result.error = f"invalid output after 0 re-asks: {rejection.problem}"
                self._emit(call, result)
            return
        first = {result.key: result for result, _ in invalid}

        def merged(fresh: ExtractResult) -> None:
            before = first[fresh.key]
            fresh.usage.add(before.usage)
            fresh.requests += before.requests
            fresh.reasks += 1  # the batch answer's
            self._emit(call, fresh)

        self.realtime.extract([call.requests[key] for key in first], on_result=merged)

    def _release(
        self, call: _Call, record: BatchRecord, view: BatchView, released: list[str]
    ) -> None:
        if not released:
            return
        why = f"batch {record.batch_id} {view.status}" + (f": {view.reason}" if view.reason else "")
        again = [call.requests[key] for key in released if key not in call.released]
        for key in released:
            if key in call.released:
                self._emit(call, ExtractResult(key, None, f"{why} (its second batch in this run)"))
        call.released.update(released)
        if again:
            # counted once, in the batch that answers them
            n = len(again)
            call.views[record.batch_id] = replace(
                view, total=max(0, view.total - n), failed=max(0, view.failed - n)
            )
            self._note(f"{why}: its {n} unanswered requests are submitted again")
            self.resubmitted += n
            self._submit(call, again)

    def _emit(self, call: _Call, result: ExtractResult) -> None:
        if result.error:
            result.error = clip(redact(result.error, self._secrets))
        call.results[result.key] = result
        if call.on_result is not None:
            call.on_result(result)

    def _note(self, text: str) -> None:
        text = redact(text, self._secrets)  # a batch's errors are the server's words
        self.notes.append(text)
        if self._progress is not None:
            self._progress.batch_note(text)
