"""`enrich plan`: what a run of the same corpus and options would send, cost and take, found
without spending anything.

The backend is built as the run builds it (same settings, same cache keys), but nothing is
sent and no local server is started; the cache is opened read-only (`CacheReader`). Each
request the run would send is built (`core/requests.chat_body`) and measured, so the plan
counts the very prompts the run would send; `core/plan.py` turns the counts into figures.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

from enrich.api import BATCH
from enrich.backends.base import Backend
from enrich.backends.factory import BackendOptions, make_backend
from enrich.cache import CacheReader
from enrich.config import Settings, resolve_settings
from enrich.core.keys import extraction_key
from enrich.core.models import Paper
from enrich.core.plan import History, Pace, Plan, Price, PromptCount, Requests, make_plan
from enrich.core.prompting import PromptSet
from enrich.core.redact import redact
from enrich.core.requests import Generation, Mode, chat_body, prompt_chars
from enrich.core.schema import schema_hash
from enrich.errors import ConfigError
from enrich.ingest import read_corpus
from enrich.prompt_files import DEFAULT_PROMPTS_DIR, load_prompt_set
from enrich.providers import cost_usd
from enrich.providers import get as get_provider
from enrich.readers.base import ReadOptions
from enrich.tokens import PromptTokenizer, gguf_tokenizer, tiktoken_tokenizer

# Seconds one request takes when --latency does not say: a hosted model's structured answer of
# a few hundred tokens; and the packaged local models as measured on a 2-core machine (the
# README's eval table, s/abstract), with the larger one's figure for any other GGUF.
REMOTE_LATENCY_S = 5.0
LOCAL_LATENCY_S = {"qwen-1.5b": 40.0, "qwen-0.5b": 27.0}
OTHER_GGUF_LATENCY_S = 40.0


@dataclass(frozen=True)
class _Shape:
    """How the backend asks: its requests' format and sampling, and how fast it may go."""

    mode: Mode
    generation: Generation
    concurrency: int
    rpm: int | None
    tpm: int | None


def _settings(
    backend: str, model: str | None, base_url: str | Sequence[str] | None,
    cache_dir: Path | None, provider: str | None,
) -> tuple[Settings, list[str]]:  # fmt: skip
    """The run's settings; an OpenAI backend without a key is planned all the same (nothing is
    sent), with a note that the run will need the key."""
    try:
        return resolve_settings(
            backend=backend, model=model, base_url=base_url, cache_dir=cache_dir,
            provider=provider,
        ), []  # fmt: skip
    except ConfigError:
        if backend != "openai" or base_url:
            raise
    chosen = get_provider(provider or os.environ.get("ENRICH_PROVIDER", "").strip() or "openai")
    env = {**os.environ, chosen.key_variable: "plan-sends-nothing"}  # never sent, never shown
    settings = resolve_settings(
        backend=backend, model=model, base_url=base_url, cache_dir=cache_dir,
        provider=provider, env=env,
    )  # fmt: skip
    return settings, [f"{chosen.key_variable} is not set: the run will need it"]


def _shape(engine: Backend, options: BackendOptions) -> _Shape:
    """Read from the backend the run would use, so the plan asks what the run asks (a Batch
    API backend asks what its realtime backend would)."""
    engine = getattr(engine, "realtime", engine)
    if engine.name == "local":
        max_tokens = int(getattr(engine, "max_tokens", 0))
        return _Shape("json_object", Generation(max_tokens=max_tokens), 1, None, None)
    generation = getattr(engine, "generation", Generation())
    mode: Mode = "json_object" if getattr(engine, "mode", "") == "json_object" else "json_schema"
    default = int(getattr(engine, "concurrency", 1))
    endpoints = getattr(engine, "endpoints", ())
    concurrency = sum(int(getattr(e, "concurrency", None) or default) for e in endpoints)
    # the budgets given; those a provider announces are learned only from its answers
    return _Shape(mode, generation, concurrency or default, options.rpm, options.tpm)


def _tokenizer(engine: Backend) -> PromptTokenizer | None:
    if engine.name == "local":
        model_file = getattr(engine, "model_file", None)
        return None if model_file is None else gguf_tokenizer(Path(model_file.path))
    if engine.name == "openai":
        return tiktoken_tokenizer(engine.model)
    return None


def _latency(engine: Backend, given: float | None) -> tuple[float, str]:
    if given is not None:
        return given, "given by --latency"
    if engine.name == "offline":
        return 0.0, "no request: the offline extractor runs here"
    if engine.name == "local":
        seconds = LOCAL_LATENCY_S.get(engine.model, OTHER_GGUF_LATENCY_S)
        known = engine.model in LOCAL_LATENCY_S
        return seconds, (
            f"default: {seconds:g} s per abstract, "
            + ("as measured for this model" if known else "the 1.5B model's measured figure")
            + " on a 2-core CPU; --latency sets it"
        )
    return REMOTE_LATENCY_S, (
        f"default: {REMOTE_LATENCY_S:g} s per request, a typical hosted answer; --latency sets it"
    )


def _price(endpoint: str, model: str) -> Price | None:
    """The list price per million tokens and the Batch API's share of it, read through the
    providers' own `cost_usd`."""
    prompt = cost_usd(endpoint, model, 1_000_000, 0)
    completion = cost_usd(endpoint, model, 0, 1_000_000)
    if prompt is None or completion is None:
        return None
    batched = cost_usd(endpoint, model, 1_000_000, 1_000_000, batch=True)
    share = None if batched is None else batched / (prompt + completion)
    return Price(prompt, completion, share)


def _pending(
    papers: Sequence[Paper], key_of: Mapping[int, str], cached: set[str], chunk: int,
    use_cache: bool,
) -> list[Paper]:  # fmt: skip
    """The papers whose requests the run would send: one per distinct key not cached. Without
    a cache, identical inputs are only merged within one batch of papers (as the run does)."""
    if use_cache:
        first: dict[str, Paper] = {}
        for index, paper in enumerate(papers):
            key = key_of.get(index)
            if key is not None and key not in cached:
                first.setdefault(key, paper)
        return list(first.values())
    pending: list[Paper] = []
    indexed: Iterable[tuple[int, Paper]] = iter(enumerate(papers))
    while part := list(islice(indexed, chunk)):
        seen: dict[str, Paper] = {}
        for index, paper in part:
            key = key_of.get(index)
            if key is not None:
                seen.setdefault(key, paper)
        pending += seen.values()
    return pending


def _measure(
    papers: Sequence[Paper], prompt: PromptSet, model: str, shape: _Shape,
    tokenizer: PromptTokenizer | None,
) -> PromptCount:  # fmt: skip
    """The characters, and tokens when a tokenizer is known, of the very bodies to be sent."""
    chars, tokens = 0, 0
    for paper in papers:
        body: dict[str, Any] = chat_body(
            prompt, model=model, title=paper.title, abstract=paper.abstract, mode=shape.mode,
            generation=shape.generation,
        )  # fmt: skip
        chars += prompt_chars(body)
        if tokenizer is not None:
            tokens += tokenizer.count(body["messages"])
    if tokenizer is None:
        return PromptCount(chars)
    return PromptCount(chars, tokens, tokenizer.name)


def plan_papers(
    papers: Sequence[Paper],
    *,
    backend: str = "auto",
    model: str | None = None,
    base_url: str | Sequence[str] | None = None,
    provider: str | None = None,
    cache_dir: Path | None = None,
    use_cache: bool = True,
    prompts: Path | None = None,
    options: BackendOptions | None = None,
    latency: float | None = None,
    chunk: int | None = None,
) -> Plan:
    """The plan of extracting `papers` with these settings (as `Extractor.open` takes them;
    `chunk` is its `batch`, the papers extracted together; `latency` overrides the default
    seconds per request). Sends nothing, starts no server, changes no cache entry."""
    options = options or BackendOptions()
    settings, notes = _settings(backend, model, base_url, cache_dir, provider)
    if settings.reason:  # what `auto` chose, and why
        notes.append(f"backend {settings.backend}: {settings.reason}")
    prompt = load_prompt_set(prompts or DEFAULT_PROMPTS_DIR / "extract")
    reader = CacheReader(settings.cache_dir) if use_cache else None
    try:
        # the run's backend, built but never used: a local server starts on a first request
        engine = make_backend(settings, prompt, options, memory=reader)
        try:
            identity, params, schema = engine.identity(), engine.params(), schema_hash()
            key_of = {
                index: extraction_key(
                    identity=identity,
                    prompt_hash=prompt.hash,
                    schema_hash=schema,
                    params=params,
                    title=paper.title,
                    abstract=paper.abstract,
                )
                for index, paper in enumerate(papers)
                if paper.abstract.strip()
            }
            distinct = set(key_of.values())
            cached = set() if reader is None else {k for k in distinct if reader.get(k)}
            history = reader.history(engine.model) if reader is not None else History()
            size = getattr(engine, "preferred_chunk", None)  # a Batch API backend's, as the run
            size = chunk or (size if isinstance(size, int) and size > 0 else BATCH)
            pending = _pending(papers, key_of, cached, size, use_cache)
            shape = _shape(engine, options)
            offline = engine.name == "offline"
            if offline:
                notes.append(
                    f"the offline extractor would extract {len(pending):,} papers here: "
                    "no request, nothing to pay"
                )
                pending = []
            counted = _measure(
                pending, prompt, engine.model, shape, _tokenizer(engine) if pending else None
            )
            seconds, source = _latency(engine, latency)
            endpoint = identity.get("endpoint", "")
        finally:
            engine.close()
    finally:
        if reader is not None:
            reader.close()
    if pending:
        notes.append("one request per paper: re-asks and retries would add to it")
        if options.batch:
            notes.append(
                "through the Batch API: batches recorded by an earlier run are resumed, not "
                "paid again"
            )
        elif engine.name == "openai" and shape.rpm is None and shape.tpm is None:
            notes.append("no --rpm/--tpm: the provider's rate-limit headers may slow the run")
    free = {
        "local": "free: the model runs on this machine",
        "offline": "free: nothing is sent",
    }.get(engine.name)
    return make_plan(
        backend=engine.name,
        model=engine.model,
        endpoint=redact(endpoint, [settings.api_key]),  # a key written into the URL stays out
        requests=Requests(
            papers=len(papers),
            with_abstract=len(key_of),
            distinct=len(distinct),
            cached=len(cached),
            to_send=len(pending),
        ),
        prompts=counted,
        history=history,
        price=None if free else _price(endpoint, engine.model),
        pace=Pace(
            concurrency=shape.concurrency,
            latency_s=seconds,
            latency_source=source,
            rpm=shape.rpm,
            tpm=shape.tpm,
            max_tokens=shape.generation.max_tokens,
        ),
        free=free,
        batch=options.batch,
        notes=tuple(notes),
    )


def plan_corpus(
    paths: Sequence[Path | str],
    *,
    reading: ReadOptions | None = None,
    backend: str = "auto",
    model: str | None = None,
    base_url: str | Sequence[str] | None = None,
    provider: str | None = None,
    cache_dir: Path | None = None,
    use_cache: bool = True,
    prompts: Path | None = None,
    options: BackendOptions | None = None,
    latency: float | None = None,
    chunk: int | None = None,
) -> Plan:
    """Read the corpus at `paths` as a run would, and plan its extraction (`plan_papers`)."""
    corpus = read_corpus([Path(path) for path in paths], reading or ReadOptions())
    return plan_papers(
        corpus.papers, backend=backend, model=model, base_url=base_url, provider=provider,
        cache_dir=cache_dir, use_cache=use_cache, prompts=prompts, options=options,
        latency=latency, chunk=chunk,
    )  # fmt: skip
