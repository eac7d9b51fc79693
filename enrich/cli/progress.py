"""A rich progress bar for extraction: done/total, cache hits, tokens, cost, ETA."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
)

from enrich.backends.base import ExtractResult, Usage
from enrich.providers import cost_usd


class RichProgress:
    """Implements the pipeline's `Progress` protocol on stderr."""

    def __init__(self, console: Console, *, endpoint: str, model: str, batch: bool = False) -> None:
        self.endpoint, self.model, self.batch = endpoint, model, batch
        self.usage = Usage()
        self.cached = 0
        self._bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[detail]}"),
            TimeRemainingColumn(),
            console=console,
            transient=False,
        )
        self._task: TaskID | None = None
        self._batch: TaskID | None = None

    def _detail(self) -> str:
        tokens = self.usage.prompt_tokens + self.usage.completion_tokens
        text = f"cache hits {self.cached} · tokens {tokens:,}"
        cost = cost_usd(
            self.endpoint, self.model, self.usage.prompt_tokens, self.usage.completion_tokens,
            batch=self.batch,
        )  # fmt: skip
        return text if cost is None else f"{text} · ${cost:.4f}"

    def start(self, total: int, cached: int) -> None:
        """Called once per batch: the bar's total and cache hits add up over the batches."""
        self.cached += cached
        if self._task is None:
            self._task = self._bar.add_task("extracting", total=total, completed=cached, detail="")
        else:
            done = self._bar.tasks[0].completed
            self._bar.update(self._task, total=(self._bar.tasks[0].total or 0) + total,
                             completed=done + cached)  # fmt: skip
        self._bar.update(self._task, detail=self._detail())

    def advance(self, result: ExtractResult) -> None:
        self.usage.add(result.usage)
        if self._task is not None:
            self._bar.update(self._task, advance=1, detail=self._detail())

    def batch_status(self, completed: int, total: int, status: str) -> None:
        """A Batch API run: the server's own count of answered requests, on a second bar."""
        if self._batch is None:
            self._batch = self._bar.add_task("batch", total=total, completed=completed,
                                             detail=status)  # fmt: skip
        else:
            self._bar.update(self._batch, total=total, completed=completed, detail=status)

    def batch_note(self, text: str) -> None:
        """A batch resumed or released, printed above the bars."""
        self._bar.console.print(text, markup=False, highlight=False)

    def __enter__(self) -> RichProgress:
        self._bar.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._bar.stop()


def waiting_notice(console: Console, folder: Path, quiet: bool) -> Callable[[], None]:
    """What to say when another run holds the output folder (this one waits for it)."""

    def notice() -> None:
        if not quiet:
            console.print(f"waiting for another enrich run to finish writing {folder}")

    return notice
