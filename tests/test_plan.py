"""`enrich plan`: the pure estimate, and the command, which must send nothing, start nothing
and write nothing, and whose figures must hold up against the run that follows (its token
counters and read-only cache: test_plan_counting.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from enrich.backends.base import Usage
from enrich.cache import ResultCache
from enrich.cli import app
from enrich.core.models import Paper
from enrich.core.plan import (
    DEFAULT_COMPLETION_TOKENS,
    History,
    Pace,
    Price,
    PromptCount,
    Requests,
    completion_tokens,
    cost,
    make_plan,
    prompt_tokens,
    wall_time,
)
from enrich.core.prompting import answer_shape
from enrich.core.schema import ModelExtraction
from enrich.planning import plan_papers
from tests.fake_openai_server import EMPTY, FakeOpenAIServer
from tests.llama_server import test_model_file
from tests.realistic_usage import UsageResponder

runner = CliRunner()
CLEAN_ENV = dict.fromkeys((
    "OPENAI_API_KEY", "OPENAI_BASE_URL", "ENRICH_MODEL", "ENRICH_PROVIDER", "ENRICH_LOCAL_MODEL",
    "ENRICH_GGUF", "ENRICH_CACHE_DIR",
), "")  # fmt: skip
NOTHING_LISTENS = "http://127.0.0.1:9/v1"  # the discard port: a request would fail
FIRST_FILE = "001_66f3f37ab8ca50ac.txt"  # 42 of the sample corpus's 134 papers


def _pace(**changes: Any) -> Pace:
    fields: dict[str, Any] = {"concurrency": 8, "latency_s": 5.0, "latency_source": "test"}
    return Pace(**{**fields, **changes})


# -- the pure estimate ---------------------------------------------------------------------


def test_prompt_tokens_say_how_they_were_counted() -> None:
    history = History(calibrated=10, calibrated_prompt_tokens=2_500, calibrated_prompt_chars=10_000)
    exact = prompt_tokens(PromptCount(8_000, 1_234, "qwen.gguf"), history)
    assert exact == (1_234, "exact (tokenizer qwen.gguf)")  # exact wins over history
    tokens, source = prompt_tokens(PromptCount(8_000), history)
    assert tokens == 2_000
    assert source == "calibrated from 10 cached answers of this model: 0.250 tokens per character"
    tokens, source = prompt_tokens(PromptCount(8_000), History(answers=3, completion_tokens=90))
    assert tokens == 2_000
    assert source == "estimated at 4 characters per token (no tokenizer, no history)"


def test_completion_tokens_are_the_cached_mean_or_a_stated_default() -> None:
    assert completion_tokens(10, History(answers=4, completion_tokens=500)) == (
        1_250, 125.0, "mean of 4 cached answers of this model: 125 each",
    )  # fmt: skip
    tokens, per_answer, source = completion_tokens(10, History())
    assert (tokens, per_answer) == (10 * DEFAULT_COMPLETION_TOKENS, DEFAULT_COMPLETION_TOKENS)
    assert source == "default of 400 per answer (no cached answer of this model)"


def test_a_known_price_gives_realtime_and_the_batch_share() -> None:
    figures = cost(2_000_000, 500_000, Price(0.15, 0.6, batch_share=0.5), unpriced="-")
    assert figures.realtime_usd == pytest.approx(0.3 + 0.3)
    assert figures.batch_usd == pytest.approx(0.3)
    assert figures.source == (
        "list price $0.15 / $0.6 per million prompt / completion tokens; its Batch API bills "
        "50% of it"
    )
    unpublished = cost(2_000_000, 500_000, Price(0.15, 0.6), unpriced="-")
    assert unpublished.realtime_usd == pytest.approx(0.6)
    assert unpublished.batch_usd is None
    assert unpublished.source.endswith("no published Batch API price")


def test_an_unknown_price_stays_unknown() -> None:
    plan = make_plan(
        backend="openai", model="llama-3", endpoint="http://h/v1",
        requests=Requests(3, 3, 3, 0, 3), prompts=PromptCount(4_000), history=History(),
        price=None, pace=_pace(),
    )  # fmt: skip
    assert (plan.cost.realtime_usd, plan.cost.batch_usd) == (None, None)
    assert plan.cost.source == "unknown: no list price for llama-3 at http://h/v1"
    free = cost(10, 10, None, unpriced="-", free="free: the model runs on this machine")
    assert (free.realtime_usd, free.batch_usd) == (0.0, None)


@pytest.mark.parametrize(
    ("pace", "bound", "seconds"),
    [
        (_pace(), "latency", 100 * 5.0 / 8),  # no limit given
        (_pace(rpm=60), "rpm", 100.0),  # 100 requests at 1 a second
        (_pace(tpm=60_000, max_tokens=500), "tpm", 75.0),  # 100k chars: 25k + 50k cap, 1k/s
        (_pace(rpm=6_000, tpm=6_000_000, max_tokens=500), "latency", 62.5),
    ],
)
def test_the_largest_bound_is_the_wall_time(pace: Pace, bound: str, seconds: float) -> None:
    timing = wall_time(100, 100_000, pace)
    assert timing.bound == bound
    assert timing.seconds == pytest.approx(seconds)
    assert timing.latency_bound_s == pytest.approx(62.5)


def test_through_the_batch_api_the_completion_window_bounds_the_time() -> None:
    timing = wall_time(100, 100_000, _pace(rpm=1), batch=True)
    assert (timing.bound, timing.seconds) == ("batch", 24 * 3600.0)
    assert timing.rpm_bound_s == 6_000.0  # still shown, not binding
    assert wall_time(0, 0, _pace(), batch=True).bound == "none"


def test_one_request_takes_a_latency_and_none_takes_nothing() -> None:
    assert wall_time(1, 500, _pace()).seconds == 5.0  # not 5/8 of it
    nothing = wall_time(0, 0, _pace(rpm=10, tpm=10))
    assert (nothing.seconds, nothing.bound) == (0.0, "none")


def test_a_plan_with_nothing_to_send_counts_the_papers() -> None:
    plan = make_plan(
        backend="offline", model="offline-x", endpoint="", requests=Requests(5, 4, 3, 1, 0),
        prompts=PromptCount(0), history=History(), price=None, pace=_pace(latency_s=0.0),
        free="free: nothing is sent",
    )  # fmt: skip
    data = plan.model_dump(mode="json")
    assert (data["papers"], data["with_abstract"], data["distinct"], data["cached"]) == (5, 4, 3, 1)
    assert (data["requests"], data["tokens"]["prompt"], data["cost"]["realtime_usd"]) == (0, 0, 0.0)
    assert data["time"]["bound"] == "none"


# -- the command ---------------------------------------------------------------------------


def _plan(*argv: str) -> Any:
    result = runner.invoke(app, ["plan", *argv, "--json", "--quiet"], env=CLEAN_ENV)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _run(corpus: Path, server: FakeOpenAIServer, tmp: Path, out: str) -> Any:
    argv = [str(corpus), "--base-url", server.base_url, "--model", "m",
            "--cache-dir", str(tmp / "cache"), "--out", str(tmp / out), "--quiet"]  # fmt: skip
    result = runner.invoke(app, argv, env=CLEAN_ENV)
    assert result.exit_code == 0, result.output
    return json.loads((tmp / out / "run.json").read_text())


def test_plan_sends_nothing_and_writes_no_cache(
    sample_corpus: Path, fake_openai: FakeOpenAIServer, tmp_path: Path
) -> None:
    argv = ["plan", str(sample_corpus), "--base-url", fake_openai.base_url, "--model", "m",
            "--cache-dir", str(tmp_path / "cache")]  # fmt: skip
    result = runner.invoke(app, argv, env=CLEAN_ENV)
    assert result.exit_code == 0, result.output
    assert fake_openai.count == 0
    assert not (tmp_path / "cache").exists()
    # table cells wrap at 80 columns: only figures and short phrases are looked for
    for figure in ("134", "requests to send", "219,830", "53,600", "unknown", "latency binds"):
        assert figure in result.stdout
    assert "134 papers after de-duplication" in result.stderr


def test_plan_json_with_nothing_listening(sample_corpus: Path, tmp_path: Path) -> None:
    plan = _plan(str(sample_corpus), "--base-url", NOTHING_LISTENS, "--cache-dir",
                 str(tmp_path / "cache"), "--concurrency", "4", "--rpm", "30")  # fmt: skip
    assert list(plan) == [
        "backend", "model", "endpoint", "papers", "with_abstract", "distinct", "cached",
        "requests", "tokens", "cost", "time", "batch", "notes",
    ]  # fmt: skip
    assert (plan["backend"], plan["model"], plan["endpoint"]) == (
        "openai", "gpt-4o-mini", NOTHING_LISTENS,
    )  # fmt: skip
    assert (plan["papers"], plan["distinct"], plan["cached"], plan["requests"]) == (
        134,
        134,
        0,
        134,
    )
    assert set(plan["tokens"]) == {
        "prompt", "prompt_source", "completion", "completion_per_answer", "completion_source",
    }  # fmt: skip
    assert plan["tokens"]["completion"] == 134 * 400
    assert 150_000 < plan["tokens"]["prompt"] < 300_000
    assert plan["time"]["concurrency"] == 4
    assert plan["time"]["latency_bound_s"] == 134 * 5.0 / 4
    assert (plan["time"]["bound"], plan["time"]["seconds"]) == ("rpm", 268.0)  # 134 at 1 in 2 s


def test_plan_counts_the_cache_after_a_run(
    sample_corpus: Path, fake_openai: FakeOpenAIServer, tmp_path: Path
) -> None:
    """The fake reports (100, 20) per answer: the plan's history is exactly that."""
    _run(sample_corpus / FIRST_FILE, fake_openai, tmp_path, "first")
    assert fake_openai.count == 42
    sent_chars = sum(
        sum(len(m["content"]) for m in body["messages"]) for body in fake_openai.bodies
    )
    plan = _plan(str(sample_corpus), "--base-url", fake_openai.base_url, "--model", "m",
                 "--cache-dir", str(tmp_path / "cache"))  # fmt: skip
    assert fake_openai.count == 42  # the plan sent nothing
    assert (plan["papers"], plan["distinct"], plan["cached"], plan["requests"]) == (
        134,
        134,
        42,
        92,
    )
    assert plan["tokens"]["completion"] == 92 * 20
    assert plan["tokens"]["completion_source"] == "mean of 42 cached answers of this model: 20 each"
    ratio = 42 * 100 / sent_chars
    assert plan["tokens"]["prompt_source"] == (
        f"calibrated from 42 cached answers of this model: {ratio:.3f} tokens per character"
    )
    # a whole run later, nothing is left to send
    _run(sample_corpus, fake_openai, tmp_path, "all")
    again = _plan(str(sample_corpus), "--base-url", fake_openai.base_url, "--model", "m",
                  "--cache-dir", str(tmp_path / "cache"))  # fmt: skip
    assert (again["cached"], again["requests"], again["tokens"]["prompt"]) == (134, 0, 0)
    assert again["time"]["seconds"] == 0.0
    # another model has no history here
    other = _plan(str(sample_corpus), "--base-url", fake_openai.base_url, "--model", "m2",
                  "--cache-dir", str(tmp_path / "cache"))  # fmt: skip
    assert (other["cached"], other["requests"]) == (0, 134)
    no_cache = _plan(str(sample_corpus), "--base-url", fake_openai.base_url, "--model", "m",
                     "--cache-dir", str(tmp_path / "cache"), "--no-cache")  # fmt: skip
    assert (no_cache["cached"], no_cache["requests"]) == (0, 134)
    assert no_cache["tokens"]["completion_source"].startswith("default of 400")


def test_planned_tokens_hold_up_against_the_run(
    sample_corpus: Path, fake_openai: FakeOpenAIServer, tmp_path: Path
) -> None:
    """A fake whose usage is counted over what was sent and answered: a first slice builds
    the history, the plan of the rest is compared with the run of the rest."""
    fake_openai.responder = UsageResponder()
    _run(sample_corpus / FIRST_FILE, fake_openai, tmp_path, "first")
    plan = _plan(str(sample_corpus), "--base-url", fake_openai.base_url, "--model", "m",
                 "--cache-dir", str(tmp_path / "cache"))  # fmt: skip
    sent_before = fake_openai.count
    run = _run(sample_corpus, fake_openai, tmp_path, "rest")
    assert plan["requests"] == fake_openai.count - sent_before == run["requests"] == 92
    assert plan["tokens"]["prompt"] == pytest.approx(run["prompt_tokens"], rel=0.10)
    assert plan["tokens"]["completion"] == pytest.approx(run["completion_tokens"], rel=0.10)
    assert plan["tokens"]["prompt_source"].startswith("calibrated from 42 cached answers")


def test_the_offline_backend_has_nothing_to_pay(sample_corpus: Path, tmp_path: Path) -> None:
    plan = _plan(str(sample_corpus), "--backend", "offline", "--cache-dir", str(tmp_path / "c"))
    assert (plan["backend"], plan["papers"], plan["with_abstract"]) == ("offline", 134, 134)
    assert (plan["requests"], plan["cost"]["realtime_usd"], plan["time"]["seconds"]) == (0, 0, 0)
    assert plan["notes"] == [
        "the offline extractor would extract 134 papers here: no request, nothing to pay"
    ]


def test_auto_says_what_it_chose_and_a_key_in_a_url_is_never_shown(
    sample_corpus: Path, tmp_path: Path
) -> None:
    chosen = _plan(str(sample_corpus), "--cache-dir", str(tmp_path / "c"))
    assert chosen["backend"] == "offline"
    assert chosen["notes"][0].startswith("backend offline: no LLM endpoint configured")
    secret = "sk-" + "x" * 24
    argv = ["plan", str(sample_corpus), "--base-url", f"{NOTHING_LISTENS}?api_key={secret}",
            "--cache-dir", str(tmp_path / "c")]  # fmt: skip
    for extra in ([], ["--json"]):
        result = runner.invoke(app, [*argv, *extra], env=CLEAN_ENV)
        assert result.exit_code == 0, result.output
        assert secret not in result.output and "api_key=[redacted]" in result.stdout


def test_openai_without_a_key_is_planned_at_list_price(sample_corpus: Path, tmp_path: Path) -> None:
    plan = _plan(str(sample_corpus), "--backend", "openai", "--model", "gpt-4o-mini",
                 "--cache-dir", str(tmp_path / "c"), "--latency", "2")  # fmt: skip
    assert plan["endpoint"] == "https://api.openai.com/v1"
    tokens = plan["tokens"]
    expected = (tokens["prompt"] * 0.15 + tokens["completion"] * 0.6) / 1e6
    assert plan["cost"]["realtime_usd"] == pytest.approx(expected)
    assert plan["cost"]["batch_usd"] == pytest.approx(expected / 2)
    assert plan["time"]["latency_s"] == 2.0
    assert plan["time"]["latency_source"] == "given by --latency"
    assert "OPENAI_API_KEY is not set: the run will need it" in plan["notes"]
    assert plan["batch"] is False


def test_a_batch_plan_is_priced_and_timed_as_the_batch_api(
    sample_corpus: Path, tmp_path: Path
) -> None:
    argv = ["plan", str(sample_corpus), "--backend", "openai", "--batch",
            "--cache-dir", str(tmp_path / "c")]  # fmt: skip
    plan = _plan(*argv[1:])
    assert (plan["batch"], plan["requests"], plan["time"]["bound"]) == (True, 134, "batch")
    assert plan["cost"]["batch_usd"] == pytest.approx(plan["cost"]["realtime_usd"] / 2)
    shown = runner.invoke(app, argv, env=CLEAN_ENV)
    assert shown.exit_code == 0, shown.output
    assert "this run's price (--batch)" in shown.stdout and "up to 24 h" in shown.stdout
    assert not (tmp_path / "c").exists()  # no batch record folder either


def test_without_a_cache_duplicates_are_merged_per_batch_only(tmp_path: Path) -> None:
    one, two = (Paper(id=t, title=t, abstract=f"{t} abstract text.") for t in ("One", "Two"))
    papers = [one, one, two, one, Paper(id="bare", title="Bare")]
    planned = plan_papers(
        papers, backend="openai", base_url=NOTHING_LISTENS, cache_dir=tmp_path / "c",
        use_cache=False, chunk=2,
    )  # fmt: skip
    assert (planned.papers, planned.with_abstract, planned.distinct) == (5, 4, 2)
    assert planned.requests == 3  # [one, one] -> 1, [two, one] -> 2, [bare] -> 0
    cached = plan_papers(papers, backend="openai", base_url=NOTHING_LISTENS,
                         cache_dir=tmp_path / "c", chunk=2)  # fmt: skip
    assert cached.requests == 2


def test_plan_takes_the_run_options() -> None:
    import typer.main

    commands = typer.main.get_command(app).commands  # type: ignore[attr-defined]
    run_options = {p.name: tuple(p.opts) for p in commands["run"].params}
    plan_options = {p.name: tuple(p.opts) for p in commands["plan"].params}
    del run_options["out"]
    assert run_options.items() <= plan_options.items()
    assert set(plan_options) - set(run_options) == {"latency"}


@pytest.mark.llama
def test_a_local_plan_counts_exactly_and_starts_no_server(
    sample_corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from enrich.local.server import LocalServer

    def refuse(self: LocalServer) -> str:
        raise AssertionError("the plan started a server")

    monkeypatch.setattr(LocalServer, "start", refuse)
    gguf = test_model_file().path
    plan = _plan(str(sample_corpus), "--backend", "local", "--gguf", str(gguf),
                 "--cache-dir", str(tmp_path / "cache"))  # fmt: skip
    assert plan["requests"] == 134
    assert plan["tokens"]["prompt_source"] == f"exact (tokenizer {gguf.name}, llama.cpp)"
    assert 134 * 1_500 < plan["tokens"]["prompt"] < 134 * 2_500
    assert plan["cost"] == {
        "realtime_usd": 0.0, "batch_usd": None, "source": "free: the model runs on this machine"
    }  # fmt: skip
    assert (plan["time"]["concurrency"], plan["time"]["latency_s"]) == (1, 40.0)
    assert not (tmp_path / "cache").exists()


def test_the_plan_asks_in_the_format_the_endpoint_took(tmp_path: Path) -> None:
    """An endpoint remembered to take only JSON mode gets the schema in its prompts: the plan
    counts those longer prompts, as the run would send them."""
    with ResultCache(tmp_path / "learned") as cache:
        cache.set_format(NOTHING_LISTENS, "m", "json_object")
        cache.put("k", ModelExtraction.model_validate(EMPTY), Usage(), "other")
    papers = [Paper(id="p", title="A title", abstract="An abstract of some length.")]
    plans = [
        plan_papers(papers, base_url=NOTHING_LISTENS, model="m", cache_dir=tmp_path / name)
        for name in ("learned", "fresh")
    ]
    shape = len(answer_shape()) + len("\n\nAnswer with one JSON object of this shape")
    difference = plans[0].tokens.prompt - plans[1].tokens.prompt
    assert shape // 4 - 20 < difference < shape // 4 + 20  # at 4 characters per token
