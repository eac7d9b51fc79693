"""Extraction over a corpus: cache lookups, one backend call for the misses, grounding.

Every paper ends with a status — ok, failed (with the reason) or skipped (no abstract) — so a
run accounts for all of its input. Each finished extraction is cached the moment it arrives.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from collections.abc import Sequence
from concurrent.futures import BrokenExecutor, Executor, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field, fields
from functools import cache
from typing import TYPE_CHECKING, Protocol

from enrich.backends.base import Backend, ExtractRequest, ExtractResult, ResultCallback, Usage
from enrich.cache import ResultCache
from enrich.core.grounding import RuleItem, ground
from enrich.core.keys import extraction_key
from enrich.core.models import Paper
from enrich.core.prompting import PromptSet
from enrich.core.records import Status
from enrich.core.schema import (
    Extraction,
    GainPolicy,
    ItemPolicy,
    ModelExtraction,
    ModelGain,
    schema_hash,
)
from enrich.lifetime import die_with_parent
from enrich.offline.acronyms import defined_terms
from enrich.offline.coined import coined_names
from enrich.offline.gains import find_gains
from enrich.offline.roles import method_role
from enrich.offline.spans import metric_mentions
from enrich.offline.tagged import tagged_methods

if TYPE_CHECKING:  # numpy and crfsuite load with the tagger, only when rules complete an answer
    from enrich.offline.tagger import EntityTagger


@dataclass
class PaperOutcome:
    """One paper and what extraction made of it."""

    paper: Paper
    status: Status
    extraction: Extraction | None = None
    error: str | None = None
    cached: bool = False
    warnings: list[str] = field(default_factory=list)


@dataclass
class RunStats:
    """Counts for run.json and the progress line."""

    papers: int = 0
    extracted: int = 0
    cache_hits: int = 0
    requests: int = 0
    retries: int = 0
    reasks: int = 0
    failures: int = 0
    skipped: int = 0
    ungrounded: int = 0
    rejected: int = 0  # items that name nothing in particular (`core/convention.py`)
    usage: Usage = field(default_factory=Usage)
    wall_seconds: float = 0.0

    def add(self, other: RunStats) -> None:
        """Add `other`'s counts to these (the batches of one streamed run)."""
        for name in (f.name for f in fields(self) if isinstance(getattr(self, f.name), int)):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.usage.add(other.usage)
        self.wall_seconds += other.wall_seconds


class Progress(Protocol):
    """Where the pipeline reports progress (a rich bar in the CLI, nothing in tests)."""

    def start(self, total: int, cached: int) -> None:
        """Once per batch of a streamed run: totals add up."""

    def advance(self, result: ExtractResult) -> None: ...


def _warnings(extraction: Extraction) -> list[str]:
    """One line per dropped item and per cleared gain attribute, so neither goes unnoticed."""
    return (
        [f"ungrounded {u.field}: {u.value!r} ({u.reason})" for u in extraction.ungrounded]
        + [f"rejected {r.field}: {r.value!r} ({r.reason})" for r in extraction.rejected]
        + [f"cleared {c.field}: {c.value!r} ({c.reason})" for c in extraction.cleared]
    )


@cache
def _tagger() -> EntityTagger:
    """The offline tagger, loaded once and only when an LLM answer is completed by rules."""
    from enrich.offline.tagger import EntityTagger

    return EntityTagger.load()


def rule_items(abstract: str) -> list[RuleItem]:
    """What general rules find beside an LLM's answer: the names the abstract coins ("we
    propose SatFed"), the terms it defines with an acronym ("Collaborative Filtering (CF)"),
    the measures of the metric lexicon, and the method names the tagger finds that answers tend to
    leave out (`offline/tagged.py`), the more precise rules first."""
    return rule_items_many([abstract])[0]


def rule_items_many(abstracts: Sequence[str]) -> list[list[RuleItem]]:
    """`rule_items` of each abstract, tagged together (one Viterbi pass over all)."""
    tagged = _tagger().tag_many(abstracts) if abstracts else []
    found: list[list[RuleItem]] = []
    for abstract, entities in zip(abstracts, tagged, strict=True):
        spans = [
            *coined_names(abstract),
            *defined_terms(abstract),
            *(("metrics", start, end) for start, end in metric_mentions(abstract)),
            *(("methods", start, end) for start, end in tagged_methods(entities)),
        ]
        found.append(
            [
                RuleItem(field, start, end, method_role(abstract, start, end))
                if field == "methods"
                else RuleItem(field, start, end)
                for field, start, end in spans
            ]
        )
    return found


@dataclass(frozen=True)
class _Rules:
    """What the rules find in one abstract, before any answer is known."""

    items: Sequence[RuleItem] = ()
    gains: Sequence[ModelGain] = ()


def _rules(abstracts: Sequence[str], gains: GainPolicy, with_rules: bool) -> dict[str, _Rules]:
    items = rule_items_many(abstracts) if with_rules else [()] * len(abstracts)
    return {
        abstract: _Rules(found, find_gains(abstract) if gains != "model" else ())
        for abstract, found in zip(abstracts, items, strict=True)
    }


@cache
def _rule_worker() -> Executor:
    """Where the rules run while requests are in flight: a forked process where the platform
    has one (its own core: the rules are CPU work, the requests' wait is not), else a thread.
    One per process, kept for its life, so the tagger loads once."""
    if "fork" in multiprocessing.get_all_start_methods():
        return ProcessPoolExecutor(
            max_workers=1,
            mp_context=multiprocessing.get_context("fork"),
            initializer=_quiet_worker,
            initargs=(os.getpid(),),
        )
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="enrich-rules")


def _quiet_worker(parent: int) -> None:
    """Ctrl-C reaches the whole process group: the run stops it, the worker just ends; and
    the worker dies with the run, even a killed one (it would hold the run's pipes open)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    die_with_parent(parent)


def _extract_beside_rules(
    backend: Backend,
    requests: Sequence[ExtractRequest],
    on_result: ResultCallback,
    abstracts: Sequence[str],
    gains: GainPolicy,
    with_rules: bool,
) -> dict[str, _Rules]:
    """Send `requests` while the rules run in a worker: the requests mostly wait on the
    network, so the rules' CPU time (the tagger's first load included) costs no wall time."""
    if not with_rules and gains == "model":
        if requests:
            backend.extract(requests, on_result=on_result)
        return {}
    if not requests:
        return _rules(abstracts, gains, with_rules)
    found = _rule_worker().submit(_rules, abstracts, gains, with_rules)
    try:
        backend.extract(requests, on_result=on_result)
    except BaseException:
        found.cancel()
        raise
    try:
        return found.result()
    except BrokenExecutor:  # the worker died (killed, out of memory): do the rules here
        _rule_worker.cache_clear()
        return _rules(abstracts, gains, with_rules)


def _grounded(
    extracted: ModelExtraction, abstract: str, policy: GainPolicy, rules: _Rules
) -> Extraction:
    """Ground one answer with what the rules found beside it."""
    answer = extracted.model_copy(update={"gains": []}) if policy == "rules" else extracted
    return ground(answer, abstract, rules.gains, rule_items=rules.items)


def run_extraction(
    papers: Sequence[Paper],
    backend: Backend,
    prompt: PromptSet,
    cache: ResultCache | None = None,
    progress: Progress | None = None,
    gains: GainPolicy = "model",
    items: ItemPolicy = "model",
) -> tuple[list[PaperOutcome], RunStats]:
    """Extract every paper with an abstract; identical inputs are sent once.

    `gains` says where claimed gains come from: the backend ("model"), the deterministic gain
    rules ("rules"), or both, each gain marked with its source. Rules run after the cache, so
    changing the policy never costs a request. `items="both"` adds what general rules find
    that the answer left out (`rule_items`), marked `source="rules"`.
    """
    started = time.perf_counter()
    # the offline backend's gains, names and metrics are the rules' already: not twice
    rules_apart = backend.name != "offline"
    if not rules_apart:
        gains = "model"
    with_rules = rules_apart and items == "both"
    stats = RunStats(papers=len(papers))
    identity, params, schema = backend.identity(), backend.params(), schema_hash()
    outcomes: list[PaperOutcome] = []
    raw: dict[str, ModelExtraction] = {}
    pending: dict[str, ExtractRequest] = {}
    keys: list[str | None] = []
    for paper in papers:
        if not paper.abstract.strip():
            outcomes.append(PaperOutcome(paper, "skipped", error="no abstract"))
            keys.append(None)
            continue
        key = extraction_key(
            identity=identity, prompt_hash=prompt.hash, schema_hash=schema, params=params,
            title=paper.title, abstract=paper.abstract,
        )  # fmt: skip
        keys.append(key)
        outcomes.append(PaperOutcome(paper, "failed"))
        if key in raw or key in pending:
            continue
        hit = cache.get(key) if cache is not None else None
        if hit is not None:
            raw[key] = hit[0]
        else:
            pending[key] = ExtractRequest(key=key, title=paper.title, abstract=paper.abstract)
    errors: dict[str, str] = {}
    cached_keys = set(raw)

    def on_result(result: ExtractResult) -> None:
        stats.requests += result.requests
        stats.retries += result.retries
        stats.reasks += result.reasks
        stats.usage.add(result.usage)
        if result.extraction is not None:
            raw[result.key] = result.extraction
            if cache is not None:
                cache.put(result.key, result.extraction, result.usage, backend.model)
        else:
            errors[result.key] = result.error or "no extraction returned"
        if progress is not None:
            progress.advance(result)

    if progress is not None:
        progress.start(total=len(pending) + len(raw), cached=len(raw))
    abstracts = list(
        dict.fromkeys(o.paper.abstract for o, k in zip(outcomes, keys, strict=True) if k)
    )
    rules = _extract_beside_rules(
        backend, list(pending.values()), on_result, abstracts, gains, with_rules
    )
    for outcome, paper_key in zip(outcomes, keys, strict=True):
        if paper_key is None:
            stats.skipped += 1
            continue
        if paper_key in raw:
            outcome.status = "ok"
            outcome.cached = paper_key in cached_keys
            abstract = outcome.paper.abstract
            outcome.extraction = _grounded(
                raw[paper_key], abstract, gains, rules.get(abstract, _Rules())
            )
            outcome.warnings = _warnings(outcome.extraction)
            stats.extracted += 1
            stats.cache_hits += outcome.cached
            stats.ungrounded += len(outcome.extraction.ungrounded)
            stats.rejected += len(outcome.extraction.rejected)
        else:
            outcome.error = errors.get(paper_key, "not extracted")
            stats.failures += 1
    stats.wall_seconds = time.perf_counter() - started
    return outcomes, stats
