"""enrich as a library: read a corpus, extract, write a run folder, evaluate.

    import enrich

    corpus = enrich.read_corpus(["corpus/"])
    with enrich.Extractor.open(backend="offline") as extractor:
        outcomes = list(extractor.extract(corpus.papers))
    enrich.write_run("enriched/", outcomes, extractor, corpus.profiles)

`Extractor.extract` takes any iterable of papers and yields each paper's outcome, working
`batch` papers at a time (`BATCH` unless given; a batch backend asks for more), so memory and
work in flight stay bounded whatever the corpus size; identical abstracts are extracted once
(within a batch by the pipeline, across batches by the cache). Each outcome can be recorded as
it passes (`recording`), so an interrupted run keeps what it finished. Settings follow the
CLI's rule: argument > environment > default, read when called.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from types import TracebackType

from enrich.backends.base import Backend, ReportsTraffic
from enrich.backends.factory import BackendOptions, make_backend
from enrich.cache import ResultCache
from enrich.config import gain_policy, item_policy, resolve_settings
from enrich.core.manifest import RunSummary
from enrich.core.models import Paper, Profile
from enrich.core.prompting import PromptSet
from enrich.core.schema import GainPolicy, ItemPolicy, schema_hash
from enrich.outputs import paper_record, record_line, run_summary, write_outputs
from enrich.pipeline import PaperOutcome, Progress, RunStats, run_extraction
from enrich.prompt_files import DEFAULT_PROMPTS_DIR, load_prompt_set
from enrich.review.build import publish_run, write_review

# Papers extracted together by default: enough to keep a remote endpoint's concurrency busy,
# few enough that memory and unreported work stay small.
BATCH = 256


def _preferred_chunk(backend: Backend) -> int:
    """The papers `backend` wants in one call (`preferred_chunk`, as a batch backend has)."""
    size = getattr(backend, "preferred_chunk", None)
    return size if isinstance(size, int) and size > 0 else BATCH


@dataclass
class Extractor:
    """A backend with its prompt, cache and policies; `stats` adds up everything extracted."""

    backend: Backend
    prompt: PromptSet
    cache: ResultCache | None = None
    gains: GainPolicy = "rules"
    items: ItemPolicy = "both"
    batch: int | None = None  # papers per batch; None: BATCH, or the backend's preferred_chunk
    stats: RunStats = field(default_factory=RunStats)

    @classmethod
    def open(
        cls,
        *,
        backend: str = "auto",
        model: str | None = None,
        base_url: str | None = None,
        provider: str | None = None,
        cache_dir: Path | None = None,
        use_cache: bool = True,
        prompts: Path | None = None,
        options: BackendOptions | None = None,
        gains: str = "rules",
        items: str = "both",
        batch: int | None = None,
        log_dir: Path | None = None,
    ) -> Extractor:
        """Resolve settings (argument > environment > default) and start the backend."""
        settings = resolve_settings(
            backend=backend,
            model=model,
            base_url=base_url,
            cache_dir=cache_dir,
            provider=provider,
        )
        prompt = load_prompt_set(prompts or DEFAULT_PROMPTS_DIR / "extract")
        policies = gain_policy(gains), item_policy(items)  # unknown values fail before any work
        cache = ResultCache(settings.cache_dir) if use_cache else None
        try:
            engine = make_backend(
                settings, prompt, options or BackendOptions(), memory=cache, log_dir=log_dir
            )
        except BaseException:
            if cache is not None:
                cache.close()
            raise
        return cls(engine, prompt, cache, *policies, batch)

    def extract(
        self, papers: Iterable[Paper], progress: Progress | None = None
    ) -> Iterator[PaperOutcome]:
        """Each paper's outcome, in order, `batch` papers at a time (default: `BATCH`, or as
        many as the backend asks for at once: a Batch API run wants one batch per limit-sized
        chunk, not one per 256 papers)."""
        watch = getattr(self.backend, "watch", None)
        if progress is not None and callable(watch):
            watch(progress)  # a batch backend shows its batches' own counts while it waits
        source = iter(papers)
        while chunk := list(islice(source, self.batch or _preferred_chunk(self.backend))):
            outcomes, stats = run_extraction(
                chunk, self.backend, self.prompt, self.cache, progress, self.gains, self.items
            )
            self.stats.add(stats)
            yield from outcomes

    def provenance(self) -> dict[str, object]:
        """What produced the outcomes: stored with every paper record and in run.json."""
        identity = self.backend.identity()
        return {
            "backend": self.backend.name,
            "model": self.backend.model,
            "endpoint": identity.get("endpoint", ""),
            "prompt_hash": self.prompt.hash,
            "schema_hash": schema_hash(),
        }

    def summary(self) -> RunSummary:
        """The run's figures so far (run.json), from `stats`; each call is a new run record,
        with its own id and time."""
        provenance = self.provenance()
        summary = run_summary(
            self.stats, provenance, endpoint=str(provenance["endpoint"]),
            model=self.backend.model, batch=bool(getattr(self.backend, "priced_as_batch", False)),
        )  # fmt: skip
        if isinstance(self.backend, ReportsTraffic):
            endpoints, paced = self.backend.traffic()
            summary = summary.model_copy(update={"endpoints": endpoints, "paced_seconds": paced})
        return summary

    def close(self) -> None:
        """Release the backend (a local server stops) and the cache."""
        try:
            self.backend.close()
        finally:
            if self.cache is not None:
                self.cache.close()

    def __enter__(self) -> Extractor:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def partial_file(folder: Path) -> Path:
    """Where a run appends each paper's record as it is extracted, so an interrupted or crashed
    run keeps them; removed once the run's outputs are published (named per process, so two
    runs into one folder never share it)."""
    return folder / f"papers.{os.getpid()}.partial.jsonl"


def recording(
    outcomes: Iterable[PaperOutcome], path: Path, provenance: Mapping[str, object]
) -> Iterator[PaperOutcome]:
    """Pass `outcomes` through, appending each one's papers.jsonl record to `path` first."""
    with path.open("w", encoding="utf-8") as sink:
        for outcome in outcomes:
            sink.write(record_line(paper_record(outcome, provenance)))
            sink.flush()
            yield outcome


def write_run(
    folder: Path | str,
    outcomes: Iterable[PaperOutcome] | Path,
    extractor: Extractor,
    profiles: Sequence[Profile] = (),
    summary: RunSummary | None = None,
    on_wait: Callable[[], None] | None = None,
) -> Path:
    """Write a run folder as `enrich CORPUS --out FOLDER` does: papers.jsonl, profiles.json,
    run.json and the review outputs, published as one set (`on_wait` is called if another run
    is writing the folder; this one then waits). `outcomes` may be a stream (each is written
    as it comes) or a file of records `recording` wrote. Returns the folder."""
    out = Path(folder)
    provenance = extractor.provenance()
    # a stream of outcomes is counted as it is written: its summary is taken after
    figures = summary if summary is not None else extractor.summary

    def write(staging: Path) -> None:
        write_review(write_outputs(staging, outcomes, provenance, figures, profiles))

    publish_run(out, write, on_wait)
    partial_file(out).unlink(missing_ok=True)
    return out
