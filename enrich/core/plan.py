"""What a run would cost before it spends anything: requests, tokens, money and wall time.

Pure arithmetic over what the edge (`enrich/planning.py`) counted. Every figure carries how it
was obtained, because a plan is only as good as its weakest input: an exact tokenizer count
and a four-characters-per-token guess must not look alike, and an unknown price stays unknown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

CHARS_PER_TOKEN = 4  # the usual rule of thumb for English text and BPE vocabularies
DEFAULT_COMPLETION_TOKENS = 400  # a typical answer of the extraction schema, when none is known
BATCH_WINDOW_S = 24 * 3600  # the Batch API's completion window: answers come within it

Bound = Literal["latency", "rpm", "tpm", "batch", "none"]


@dataclass(frozen=True)
class Requests:
    """The corpus seen as the run would see it."""

    papers: int
    with_abstract: int
    distinct: int  # distinct extraction keys (identical inputs are asked once)
    cached: int  # of those, answered already in the cache
    to_send: int  # requests the run would send (no re-asks or retries)


@dataclass(frozen=True)
class PromptCount:
    """The prompts of the requests to send: their characters, and their exact token count when
    the model's tokenizer is known (`tokenizer` names it)."""

    chars: int
    tokens: int | None = None
    tokenizer: str | None = None


@dataclass(frozen=True)
class History:
    """This model's answers in the cache: all with usage reported (`answers`), and those that
    also kept their prompt's characters (`calibrated`), for a tokens-per-character ratio."""

    answers: int = 0
    completion_tokens: int = 0
    calibrated: int = 0
    calibrated_prompt_tokens: int = 0
    calibrated_prompt_chars: int = 0


@dataclass(frozen=True)
class Price:
    """List price in USD per million tokens, and the share of it the provider's Batch API
    bills (None: not published)."""

    prompt: float
    completion: float
    batch_share: float | None = None


@dataclass(frozen=True)
class Pace:
    """How fast the run may go: requests in flight over all endpoints, the rate limits, and
    the time one request takes (`latency_source` says where that figure comes from)."""

    concurrency: int
    latency_s: float
    latency_source: str
    rpm: int | None = None
    tpm: int | None = None
    max_tokens: int = 0  # the answer cap, which a token-rate limiter counts for every request


class TokenFigures(BaseModel):
    model_config = ConfigDict(frozen=True)

    prompt: int
    prompt_source: str
    completion: int
    completion_per_answer: float
    completion_source: str

    @property
    def total(self) -> int:
        return self.prompt + self.completion


class CostFigures(BaseModel):
    """USD; None when no list price is known (never a made-up one)."""

    model_config = ConfigDict(frozen=True)

    realtime_usd: float | None
    batch_usd: float | None
    source: str


class TimeFigures(BaseModel):
    """Expected wall time: the largest of the three lower bounds, and which one binds."""

    model_config = ConfigDict(frozen=True)

    seconds: float
    bound: Bound
    latency_bound_s: float
    rpm_bound_s: float | None
    tpm_bound_s: float | None
    concurrency: int
    latency_s: float
    latency_source: str
    rpm: int | None
    tpm: int | None
    tpm_tokens: int  # what a token-rate limiter counts: prompt chars / 4 plus the answer cap each


class Plan(BaseModel):
    """A run's preflight; `model_dump(mode="json")` is `enrich plan --json`."""

    model_config = ConfigDict(frozen=True)

    backend: str
    model: str
    endpoint: str
    papers: int
    with_abstract: int
    distinct: int
    cached: int
    requests: int
    tokens: TokenFigures
    cost: CostFigures
    time: TimeFigures
    batch: bool = False  # through the Batch API (--batch): billed and timed as such
    notes: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The plan as JSON-ready data (what `--json` prints)."""
        return self.model_dump(mode="json")


def prompt_tokens(prompts: PromptCount, history: History) -> tuple[int, str]:
    """Exact when counted, else calibrated on this model's cached answers, else 4 chars/token."""
    if prompts.tokens is not None:
        return prompts.tokens, f"exact (tokenizer {prompts.tokenizer or 'unnamed'})"
    if history.calibrated and history.calibrated_prompt_chars:
        ratio = history.calibrated_prompt_tokens / history.calibrated_prompt_chars
        return round(prompts.chars * ratio), (
            f"calibrated from {history.calibrated:,} cached answers of this model: "
            f"{ratio:.3f} tokens per character"
        )
    return round(prompts.chars / CHARS_PER_TOKEN), (
        f"estimated at {CHARS_PER_TOKEN} characters per token (no tokenizer, no history)"
    )


def completion_tokens(requests: int, history: History) -> tuple[int, float, str]:
    """The mean answer of this model's cached answers, else the stated default, per request."""
    if history.answers:
        mean = history.completion_tokens / history.answers
        source = f"mean of {history.answers:,} cached answers of this model: {mean:,.0f} each"
    else:
        mean = float(DEFAULT_COMPLETION_TOKENS)
        source = (
            f"default of {DEFAULT_COMPLETION_TOKENS} per answer (no cached answer of this model)"
        )
    return round(requests * mean), mean, source


def cost(
    prompt: int, completion: int, price: Price | None, *, unpriced: str, free: str | None = None
) -> CostFigures:
    """At list price, and at the Batch API's share of it; `free` says why nothing is paid (a
    model on this machine), `unpriced` why the price is unknown."""
    if free is not None:
        return CostFigures(realtime_usd=0.0, batch_usd=None, source=free)
    if price is None:
        return CostFigures(realtime_usd=None, batch_usd=None, source=unpriced)
    realtime = (prompt * price.prompt + completion * price.completion) / 1_000_000
    share = price.batch_share
    return CostFigures(
        realtime_usd=realtime,
        batch_usd=None if share is None else realtime * share,
        source=(
            f"list price ${price.prompt:g} / ${price.completion:g} per million prompt / "
            "completion tokens; "
            + (
                "no published Batch API price"
                if share is None
                else f"its Batch API bills {share:.0%} of it"
            )
        ),
    )


def wall_time(requests: int, prompt_chars: int, pace: Pace, *, batch: bool = False) -> TimeFigures:
    """max(requests x latency / concurrency, requests / rpm, tokens / tpm): no run can beat
    any of the three, and the largest is what it is held to. The tokens a rate limiter counts
    are its own estimate, the prompt's characters / 4 plus the answer's cap, as the run's pacing
    (and OpenAI's limiter) count them. Through the Batch API the bound is its completion
    window instead: no client-side pace applies."""
    concurrency = max(1, pace.concurrency)
    waves = max(requests / concurrency, 1.0) if requests else 0.0  # one request: one latency
    latency = waves * pace.latency_s
    rpm = requests / pace.rpm * 60 if pace.rpm else None
    tpm_tokens = prompt_chars // CHARS_PER_TOKEN + requests * pace.max_tokens
    tpm = tpm_tokens / pace.tpm * 60 if pace.tpm else None
    bounds: dict[Bound, float] = {"latency": latency}
    if rpm is not None:
        bounds["rpm"] = rpm
    if tpm is not None:
        bounds["tpm"] = tpm
    bound: Bound = max(bounds, key=lambda name: bounds[name])
    seconds = bounds[bound]
    if batch and requests:
        bound, seconds = "batch", float(BATCH_WINDOW_S)
    return TimeFigures(
        seconds=seconds,
        bound=bound if seconds > 0 else "none",
        latency_bound_s=latency,
        rpm_bound_s=rpm,
        tpm_bound_s=tpm,
        concurrency=concurrency,
        latency_s=pace.latency_s,
        latency_source=pace.latency_source,
        rpm=pace.rpm,
        tpm=pace.tpm,
        tpm_tokens=tpm_tokens,
    )


def make_plan(
    *,
    backend: str,
    model: str,
    endpoint: str,
    requests: Requests,
    prompts: PromptCount,
    history: History,
    price: Price | None,
    pace: Pace,
    free: str | None = None,
    batch: bool = False,
    notes: tuple[str, ...] = (),
) -> Plan:
    """Combine the counts into the plan. `free` (why nothing is paid) is for a backend that
    runs on this machine; an unknown `price` leaves the cost unknown; `batch`: the run goes
    through the Batch API (its price, its completion window)."""
    if requests.to_send:
        prompt, prompt_source = prompt_tokens(prompts, history)
        completion, per_answer, completion_source = completion_tokens(requests.to_send, history)
    else:
        prompt, completion, per_answer = 0, 0, 0.0
        prompt_source = completion_source = "nothing to send"
    unpriced = f"unknown: no list price for {model} at {endpoint or 'this endpoint'}"
    return Plan(
        backend=backend,
        model=model,
        endpoint=endpoint,
        papers=requests.papers,
        with_abstract=requests.with_abstract,
        distinct=requests.distinct,
        cached=requests.cached,
        requests=requests.to_send,
        tokens=TokenFigures(
            prompt=prompt,
            prompt_source=prompt_source,
            completion=completion,
            completion_per_answer=per_answer,
            completion_source=completion_source,
        ),
        cost=cost(prompt, completion, price, unpriced=unpriced, free=free),
        time=wall_time(requests.to_send, prompts.chars, pace, batch=batch),
        batch=batch,
        notes=notes,
    )
