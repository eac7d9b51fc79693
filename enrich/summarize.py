"""Overviews of a run's researcher profiles and of its whole corpus, written by an LLM from the
run's own records (`enrich summarize OUT`).

One request per profile and one for the corpus, through the backends' shared structured-output
loop (`ask`: the transport, retries, response-format fallback and bounded re-asks extraction
uses). An answer is accepted only when its citations pass `check_citations`; otherwise it is
re-asked with the bad ids, and one still invalid after the re-asks is dropped with a warning
naming its profile, never written. Accepted answers are cached (`overview_key`: backend, model,
parameters, prompt, schema and input text), so a rerun asks nothing. The overviews go to
overviews.json and into summary.md, written as one set under the run folder's lock.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from enrich.backends.answers import Rejection, read_model
from enrich.backends.base import Backend, Usage
from enrich.backends.jobs import Answer, Asks, StructuredJob
from enrich.backends.retry import clip
from enrich.cache import ResultCache
from enrich.core.keys import overview_key
from enrich.core.overview import (
    ModelOverview,
    OverviewPrompt,
    OverviewsFile,
    Scope,
    StoredOverview,
    check_citations,
    citation_feedback,
    overview_schema_hash,
)
from enrich.core.overview_input import (
    CORPUS_LABEL,
    MAX_PAPERS,
    OverviewInput,
    Selection,
    build_input,
    overview_ask,
    overview_paper,
    stored_overview,
)
from enrich.core.tables import record_profiles
from enrich.errors import ConfigError
from enrich.review import RunFiles, load_run
from enrich.review.digest import SUMMARY_FILE
from enrich.review.overviews import OVERVIEWS_FILE, rewrite_summary, write_overviews
from enrich.review.tally import profile_label
from enrich.run_folder import publish

NEEDS_LLM = (
    "overviews need an LLM backend (--backend local, or --base-url URL or OPENAI_API_KEY); "
    "summary.md keeps its computed digest"
)


@dataclass
class OverviewOutcome:
    """What became of one scope's overview."""

    scope: Scope
    label: str
    papers: int  # with an extraction, in the scope
    shown: int  # listed to the model
    overview: StoredOverview | None = None
    cached: bool = False
    seconds: float = 0.0
    requests: int = 0
    reasks: int = 0
    usage: Usage = field(default_factory=Usage)
    invalid: int = 0  # citation problems of the kept overview against the run (0 if kept)
    warning: str | None = None

    @property
    def name(self) -> str:
        return "the corpus" if self.scope == "corpus" else f"profile {self.label!r}"

    @property
    def sentences(self) -> int:
        return len(self.overview.sentences) if self.overview else 0

    @property
    def citations(self) -> int:
        return sum(len(s.cites) for s in self.overview.sentences) if self.overview else 0

    def figures(self) -> dict[str, Any]:
        return {
            "scope": self.scope, "label": self.label, "papers": self.papers, "shown": self.shown,
            "written": self.overview is not None, "sentences": self.sentences,
            "citations": self.citations, "invalid_citations": self.invalid,
            "cached": self.cached, "requests": self.requests, "reasks": self.reasks,
            "prompt_tokens": self.usage.prompt_tokens,
            "completion_tokens": self.usage.completion_tokens,
            "seconds": round(self.seconds, 3), "warning": self.warning,
        }  # fmt: skip


@dataclass
class SummarizeReport:
    """A summarize run: each scope's outcome, what was written, and the warnings."""

    backend: str
    model: str
    outcomes: list[OverviewOutcome]
    written: list[Path] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def dropped(self) -> list[OverviewOutcome]:
        return [o for o in self.outcomes if o.overview is None]

    def figures(self) -> dict[str, Any]:
        return {
            "backend": self.backend, "model": self.model,
            "overviews": len(self.outcomes) - len(self.dropped), "dropped": len(self.dropped),
            "cached": sum(o.cached for o in self.outcomes),
            "requests": sum(o.requests for o in self.outcomes),
            "written": [str(p) for p in self.written], "warnings": self.warnings,
            "scopes": [o.figures() for o in self.outcomes],
        }  # fmt: skip


def collect_inputs(files: RunFiles, cap: int = MAX_PAPERS) -> list[OverviewInput]:
    """The corpus's input, then each profile's (in profiles.json order, once per label; a
    profile without a paper with an extraction has none), from one pass over papers.jsonl."""
    labels = [profile_label(p, i) for i, p in enumerate(files.profiles)]
    categories = {label: p.get("category") for label, p in zip(labels, files.profiles, strict=True)}
    selections = {label: Selection(cap) for label in labels}
    corpus = Selection(cap)
    for record in files.records():
        paper = overview_paper(record)
        if paper is None:
            continue
        corpus.add(paper)
        for label in record_profiles(record):
            if label in selections:
                selections[label].add(paper)
    inputs = [build_input("corpus", CORPUS_LABEL, corpus, profiles=len(selections))]
    for label, selection in selections.items():
        category = categories.get(label)
        shown = category if isinstance(category, str) else None
        inputs.append(build_input("profile", label, selection, category=shown))
    return [source for source in inputs if source.papers]


def _reader(source: OverviewInput) -> Callable[[str, str | None], ModelOverview | Rejection]:
    """Validates an answer against the schema, then its citations against the listed papers:
    a failed check is a `Rejection` whose feedback names the bad ids, so the loop re-asks."""
    allowed, refs = source.allowed_cites(), list(source.refs)

    def read(content: str, finish_reason: str | None) -> ModelOverview | Rejection:
        answer = read_model(content, finish_reason, ModelOverview)
        if isinstance(answer, Rejection):
            return answer
        problems = check_citations(answer, allowed)
        if not problems:
            return answer
        more = f" (+{len(problems) - 1} more)" if len(problems) > 1 else ""
        return Rejection(clip(f"{problems[0]}{more}"), citation_feedback(problems, refs))

    return read


class Summarizer:
    """Overviews for a run's inputs from one LLM backend, cached when a cache is given."""

    def __init__(self, backend: Backend, prompt: OverviewPrompt, cache: ResultCache | None) -> None:
        if not isinstance(backend, Asks):
            raise ConfigError(f"the {backend.name} backend cannot write overviews", NEEDS_LLM)
        self.backend, self.asker, self.prompt, self.cache = backend, backend, prompt, cache
        self.schema_hash = overview_schema_hash()

    def key(self, source: OverviewInput) -> str:
        return overview_key(
            identity=self.backend.identity(), prompt_hash=self.prompt.hash,
            schema_hash=self.schema_hash, params=self.backend.params(), text=source.text(),
        )  # fmt: skip

    def run(
        self,
        inputs: Sequence[OverviewInput],
        on_outcome: Callable[[OverviewOutcome], None] | None = None,
    ) -> list[OverviewOutcome]:
        """One outcome per input, in order: from the cache, else asked (all at once, as the
        backend's concurrency allows)."""
        outcomes: list[OverviewOutcome | None] = [None] * len(inputs)
        jobs: list[StructuredJob[ModelOverview]] = []
        pending: dict[str, list[int]] = {}  # job key -> the inputs it answers
        for index, source in enumerate(inputs):
            key = self.key(source)
            hit = self.cache.get_overview(key) if self.cache is not None else None
            if hit is not None and not check_citations(hit[0], source.allowed_cites()):
                outcome = self._finish(source, hit[0], cached=True)
                outcomes[index] = outcome
                if on_outcome is not None:
                    on_outcome(outcome)
                continue
            if key not in pending:
                jobs.append(StructuredJob(key, overview_ask(self.prompt, source), _reader(source)))
            pending.setdefault(key, []).append(index)

        def answered(answer: Answer[ModelOverview]) -> None:
            if answer.value is not None and self.cache is not None:
                self.cache.put_overview(answer.key, answer.value, answer.usage, self.asker.model)
            for nth, index in enumerate(pending[answer.key]):
                outcome = self._outcome(inputs[index], answer, counted=nth == 0)
                outcomes[index] = outcome
                if on_outcome is not None:
                    on_outcome(outcome)

        self.asker.ask(jobs, answered)
        return [outcome for outcome in outcomes if outcome is not None]

    def _outcome(
        self, source: OverviewInput, answer: Answer[ModelOverview], counted: bool
    ) -> OverviewOutcome:
        """`answer` for `source`; its requests and tokens `counted` for one input only (two
        scopes with the same listing share one request)."""
        if answer.value is not None:
            outcome = self._finish(source, answer.value, cached=False)
        else:
            outcome = OverviewOutcome(source.scope, source.label, source.total, len(source.papers))
            outcome.warning = f"{outcome.name}: overview dropped: {answer.error}"
        outcome.seconds = answer.seconds
        if counted:
            outcome.requests, outcome.reasks, outcome.usage = (
                answer.requests, answer.reasks, answer.usage,
            )  # fmt: skip
        return outcome

    def _finish(
        self, source: OverviewInput, answer: ModelOverview, cached: bool
    ) -> OverviewOutcome:
        """The accepted answer as kept, checked once more against the run's ids in its scope
        (the listed papers); a problem there drops it."""
        outcome = OverviewOutcome(
            source.scope, source.label, source.total, len(source.papers), cached=cached
        )
        stored = stored_overview(source, answer)
        problems = check_citations(stored, {paper.paper_id for paper in source.papers})
        if problems:
            outcome.invalid = len(problems)
            outcome.warning = f"{outcome.name}: overview dropped: {problems[0]}"
        else:
            outcome.overview = stored
        return outcome


def summarize_run(
    folder: Path,
    backend: Backend,
    prompt: OverviewPrompt,
    cache: ResultCache | None,
    *,
    cap: int = MAX_PAPERS,
    on_outcome: Callable[[OverviewOutcome], None] | None = None,
    on_wait: Callable[[], None] | None = None,
) -> SummarizeReport:
    """Write the overviews of the run in `folder`: overviews.json, and summary.md with them
    (its computed digest otherwise unchanged). Raises `ConfigError` for a backend that is not
    an LLM, before reading anything."""
    summarizer = Summarizer(backend, prompt, cache)
    files = load_run(folder)
    outcomes = summarizer.run(collect_inputs(files, cap), on_outcome)
    report = SummarizeReport(backend.name, backend.model, outcomes)
    report.warnings += [o.warning for o in outcomes if o.warning]
    kept = OverviewsFile(
        run_id=files.run.get("run_id"), backend=backend.name, model=backend.model,
        prompt_hash=prompt.hash, schema_hash=summarizer.schema_hash,
        overviews=[o.overview for o in outcomes if o.overview is not None],
    )  # fmt: skip

    def write(staging: Path) -> list[str]:
        # read again under the lock: a run that rewrote the folder meanwhile has a new run id,
        # and then these overviews are left out of summary.md (with a warning), not shown stale
        write_overviews(staging, kept)
        return rewrite_summary(load_run(folder), staging, kept)[1]

    report.warnings += publish(folder, write, on_wait=on_wait)
    report.written = [folder / OVERVIEWS_FILE, folder / SUMMARY_FILE]
    return report
