"""The chat backend against a scripted server: real HTTP, no network, through both built-in
providers and both of the `server` provider's transports (the openai SDK; the small h11 client
for plain http; httpx2, which a configured proxy selects), which must all behave the same."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Any

import pytest

from enrich.backends.base import ExtractRequest, ExtractResult
from enrich.backends.chat import ChatBackend
from enrich.backends.retry import retry_after_seconds
from enrich.core.prompting import PromptSet
from enrich.errors import BackendError, ConfigError
from enrich.prompt_files import DEFAULT_PROMPTS_DIR, load_prompt_set
from tests.fake_openai_server import EMPTY, FakeOpenAIServer, Reply, completion, error

KEY = "sk-test-SECRET123"
LLAMA_500 = (
    "1 validation error:\n  {'type': 'literal_error', 'loc': ('body', 'response_format', "
    "'type'), 'msg': \"Input should be 'text' or 'json_object'\", 'input': 'json_schema'}"
)


# the provider `_backend` builds with, set per test by the `provider` fixture
_PROVIDER = {"name": "openai"}


@pytest.fixture(autouse=True, params=["openai", "server", "server-httpx2"])
def provider(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    name = str(request.param)
    if name == "server-httpx2":  # a proxy is configured, but not for the local fake server
        monkeypatch.setenv("http_proxy", "http://127.0.0.1:9")
        monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
        name = "server"
    _PROVIDER["name"] = name
    return name


@pytest.fixture(scope="module")
def prompt() -> PromptSet:
    return load_prompt_set(DEFAULT_PROMPTS_DIR / "extract")


def _backend(prompt: PromptSet, server: FakeOpenAIServer, **options: Any) -> ChatBackend:
    settings: dict[str, Any] = {"max_retries": 3, "retry_wait_max": 0.05, "timeout": 5.0}
    settings.update(options)
    return ChatBackend(
        prompt,
        model="m",
        base_url=server.base_url,
        api_key=KEY,
        provider=_PROVIDER["name"],
        **settings,
    )


class DictMemory:
    """An in-memory `FormatMemory`."""

    def __init__(self) -> None:
        self.formats: dict[tuple[str, str], str] = {}

    def get_format(self, endpoint: str, model: str) -> str | None:
        return self.formats.get((endpoint, model))

    def set_format(self, endpoint: str, model: str, value: str) -> None:
        self.formats[(endpoint, model)] = value


def _requests(n: int) -> list[ExtractRequest]:
    return [ExtractRequest(key=f"k{i}", title=f"T{i}", abstract=f"Abstract {i}.") for i in range(n)]


def _format(body: dict[str, Any]) -> str:
    return str(body["response_format"]["type"])


def test_identity_params_and_no_secret_in_repr(prompt: PromptSet) -> None:
    backend = ChatBackend(prompt, model="gpt-x", base_url=None, api_key=KEY, temperature=0.2)
    assert backend.identity() == {
        "backend": "openai",
        "model": "gpt-x",
        "endpoint": "https://api.openai.com/v1",
    }
    assert backend.params() == {"temperature": 0.2, "max_tokens": 2048}
    assert "SECRET123" not in repr(backend)
    with pytest.raises(ConfigError, match="OPENAI_API_KEY"):
        ChatBackend(prompt, model="gpt-x", base_url=None, api_key=None)


def test_json_schema_success(prompt: PromptSet, fake_openai: FakeOpenAIServer) -> None:
    fake_openai.script = [completion({**EMPTY, "tasks": ["x"]}, usage=(120, 30))]
    backend = _backend(prompt, fake_openai, max_tokens=512)
    (result,) = backend.extract(_requests(1))
    assert fake_openai.count == 1
    assert result.error is None and result.extraction is not None
    assert result.extraction.tasks == ["x"]
    assert (result.requests, result.retries, result.reasks) == (1, 0, 0)
    assert (result.usage.prompt_tokens, result.usage.completion_tokens) == (120, 30)
    body = fake_openai.bodies[0]
    assert (body["model"], body["temperature"], body["max_tokens"]) == ("m", 0.0, 512)
    assert _format(body) == "json_schema"
    assert body["response_format"]["json_schema"]["strict"] is True
    assert body["response_format"]["json_schema"]["schema"]["required"]
    assert body["messages"][0]["role"] == "system"
    assert body["messages"][-1] == {"role": "user", "content": "Title: T0\nAbstract:\nAbstract 0."}
    assert fake_openai.headers[0]["authorization"] == f"Bearer {KEY}"
    assert backend.mode == "json_schema"


def test_local_server_needs_no_key_and_usage_may_be_missing(
    prompt: PromptSet, fake_openai: FakeOpenAIServer, provider: str
) -> None:
    fake_openai.script = [completion(usage=None)]
    backend = ChatBackend(
        prompt, model="m", base_url=fake_openai.base_url, api_key=None, provider=provider
    )
    (result,) = backend.extract(_requests(1))
    assert fake_openai.count == 1 and result.extraction is not None
    assert (result.usage.prompt_tokens, result.usage.completion_tokens) == (0, 0)
    # the SDK insists on sending some key; plain HTTP sends none when none is configured
    sent = fake_openai.headers[0].get("authorization")
    assert sent == "Bearer not-needed" if provider == "openai" else sent is None


@pytest.mark.parametrize(
    "rejection",
    [error(500, LLAMA_500), error(400, "Invalid parameter: response_format"), error(422, "no")],
    ids=["llama-500", "400", "422"],
)
def test_fallback_to_json_mode_switches_once(
    prompt: PromptSet, fake_openai: FakeOpenAIServer, rejection: Reply
) -> None:
    fake_openai.responder = lambda body: (
        rejection if _format(body) == "json_schema" else completion()
    )
    memory = DictMemory()
    backend = _backend(prompt, fake_openai, concurrency=2, memory=memory)
    results = backend.extract(_requests(5))
    assert all(r.extraction is not None and r.error is None for r in results)
    formats = [_format(b) for b in fake_openai.bodies]
    # Only the first wave (two in flight) tries json_schema; everything after is JSON mode.
    assert formats.count("json_schema") == 2 and formats.count("json_object") == 5
    assert sorted(r.requests for r in results) == [1, 1, 1, 2, 2]
    assert backend.mode == "json_object"
    assert memory.formats == {(fake_openai.base_url, "m"): "json_object"}
    fallback = fake_openai.bodies[-1]
    assert fallback["response_format"]["schema"]["required"]
    assert '"gains"' in fallback["messages"][0]["content"]
    assert "Answer with one JSON object of this shape" in fallback["messages"][0]["content"]
    assert '"gains"' not in fake_openai.bodies[0]["messages"][0]["content"]

    backend.extract(_requests(2))  # the endpoint is known now: no json_schema at all
    assert fake_openai.count == 9
    assert [_format(b) for b in fake_openai.bodies[7:]] == ["json_object"] * 2

    # A new run against the same endpoint starts in JSON mode, from the memory.
    later = _backend(prompt, fake_openai, concurrency=2, memory=memory)
    later.extract(_requests(2))
    assert [_format(b) for b in fake_openai.bodies[9:]] == ["json_object"] * 2


def test_json_schema_success_is_remembered(
    prompt: PromptSet, fake_openai: FakeOpenAIServer
) -> None:
    memory = DictMemory()
    backend = _backend(prompt, fake_openai, memory=memory)
    backend.extract(_requests(3))
    assert memory.formats == {(fake_openai.base_url, "m"): "json_schema"}
    # Known to take json_schema: a later 400 is about the request, sent once, not re-tried.
    fake_openai.responder = lambda body: error(400, "maximum context length exceeded")
    later = _backend(prompt, fake_openai, memory=memory)
    (result,) = later.extract(_requests(1))
    assert result.requests == 1 and result.error is not None
    assert result.error.startswith("400")


def test_a_bad_request_is_not_taken_for_a_format_rejection(
    prompt: PromptSet, fake_openai: FakeOpenAIServer
) -> None:
    fake_openai.responder = lambda body: error(400, "maximum context length exceeded")
    backend = _backend(prompt, fake_openai)
    (result,) = backend.extract(_requests(1))
    assert fake_openai.count == 2 and result.requests == 2 and result.retries == 0
    assert result.error == "400 Bad Request: maximum context length exceeded"
    assert backend.mode == "json_schema"  # JSON mode was refused too: the format is not at fault


def test_429_honours_retry_after(prompt: PromptSet, fake_openai: FakeOpenAIServer) -> None:
    # Longer than any first backoff (at most 0.5 s): only the header explains the wait.
    fake_openai.script = [error(429, "slow down", {"Retry-After": "0.6"}), completion()]
    started = time.perf_counter()
    (result,) = _backend(prompt, fake_openai, retry_wait_max=5.0).extract(_requests(1))
    assert time.perf_counter() - started >= 0.6
    assert fake_openai.count == 2
    assert (result.extraction is not None, result.requests, result.retries) == (True, 2, 1)


def test_retry_after_is_capped(prompt: PromptSet, fake_openai: FakeOpenAIServer) -> None:
    fake_openai.script = [error(503, "busy", {"Retry-After": "120"}), completion()]
    started = time.perf_counter()
    (result,) = _backend(prompt, fake_openai, retry_wait_max=0.1).extract(_requests(1))
    assert time.perf_counter() - started < 5
    assert fake_openai.count == 2 and (result.requests, result.retries) == (2, 1)


def test_retry_after_header_forms() -> None:
    now = datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert retry_after_seconds({"retry-after-ms": "250", "retry-after": "9"}) == 0.25
    assert retry_after_seconds({"retry-after": "2"}) == 2.0
    assert retry_after_seconds({"retry-after": "Wed, 01 Jan 2025 12:00:07 GMT"}, now) == 7.0
    assert retry_after_seconds({"retry-after": "Wed, 01 Jan 2025 11:00:00 GMT"}, now) == 0.0
    assert retry_after_seconds({"retry-after": "soon"}) is None
    assert retry_after_seconds({}) is None


def test_500_then_success_and_persistent_503(
    prompt: PromptSet, fake_openai: FakeOpenAIServer
) -> None:
    fake_openai.script = [error(500, "oops"), completion()]
    backend = _backend(prompt, fake_openai)
    (ok,) = backend.extract(_requests(1))
    assert fake_openai.count == 2
    assert (ok.extraction is not None, ok.requests, ok.retries) == (True, 2, 1)
    assert backend.mode == "json_schema"  # a 500 that does not name the format is transient

    fake_openai.responder = lambda body: error(503, "unavailable")
    (failed,) = _backend(prompt, fake_openai, max_retries=2).extract(_requests(1))
    assert fake_openai.count == 2 + 3
    assert failed.extraction is None and (failed.requests, failed.retries) == (3, 2)
    assert failed.error == "gave up after 3 attempts: 503 Service Unavailable: unavailable"


def test_timeout_is_retried(prompt: PromptSet, fake_openai: FakeOpenAIServer) -> None:
    fake_openai.script = [completion(delay=1.0), completion()]
    started = time.perf_counter()
    (result,) = _backend(prompt, fake_openai, timeout=0.3).extract(_requests(1))
    assert time.perf_counter() - started < 1.0
    assert fake_openai.count == 2
    assert (result.extraction is not None, result.requests, result.retries) == (True, 2, 1)


def test_invalid_output_is_reasked_with_the_error(
    prompt: PromptSet, fake_openai: FakeOpenAIServer
) -> None:
    fake_openai.script = [completion("{not json", usage=(100, 5)), completion(usage=(130, 20))]
    (result,) = _backend(prompt, fake_openai).extract(_requests(1))
    assert fake_openai.count == 2
    assert (result.extraction is not None, result.requests, result.reasks) == (True, 2, 1)
    assert (result.usage.prompt_tokens, result.usage.completion_tokens) == (230, 25)
    reask = fake_openai.bodies[1]["messages"]
    assert reask[:-2] == fake_openai.bodies[0]["messages"]
    assert reask[-2] == {"role": "assistant", "content": "{not json"}
    assert "Invalid JSON" in reask[-1]["content"]
    assert reask[-1]["content"].endswith("Return the corrected JSON object only.")


def test_always_invalid_output_fails_after_bounded_reasks(
    prompt: PromptSet, fake_openai: FakeOpenAIServer
) -> None:
    fake_openai.responder = lambda body: completion({"summary": "only this"})
    (result,) = _backend(prompt, fake_openai, max_reasks=2).extract(_requests(1))
    assert fake_openai.count == 3 and (result.requests, result.reasks) == (3, 2)
    assert result.extraction is None
    assert result.error == "invalid output after 2 re-asks: methods: Field required (+4 more)"
    assert "gains: Field required" in fake_openai.bodies[-1]["messages"][-1]["content"]


def test_reask_token_cap_bounds_reasks(prompt: PromptSet, fake_openai: FakeOpenAIServer) -> None:
    fake_openai.responder = lambda body: completion("{", usage=(5000, 10))
    backend = _backend(prompt, fake_openai, max_reasks=5, reask_token_cap=4000)
    (result,) = backend.extract(_requests(1))
    assert fake_openai.count == 2 and result.reasks == 1
    assert result.error is not None and result.error.startswith("invalid output after 1 re-asks")


def test_fenced_json_is_accepted(prompt: PromptSet, fake_openai: FakeOpenAIServer) -> None:
    fake_openai.script = [completion(f"```json\n{json.dumps({**EMPTY, 'summary': 's'})}\n```")]
    (result,) = _backend(prompt, fake_openai).extract(_requests(1))
    assert fake_openai.count == 1 and result.extraction is not None
    assert result.extraction.summary == "s"


def test_truncated_output_is_reasked_once(prompt: PromptSet, fake_openai: FakeOpenAIServer) -> None:
    fake_openai.responder = lambda body: completion('{"summary": "cut', finish_reason="length")
    (result,) = _backend(prompt, fake_openai, max_reasks=2).extract(_requests(1))
    assert fake_openai.count == 2 and (result.requests, result.reasks) == (2, 1)
    assert result.error == "invalid output after 1 re-asks: output truncated at max_tokens"
    assert "more concisely" in fake_openai.bodies[1]["messages"][-1]["content"]

    fake_openai.responder = None
    fake_openai.script = [completion('{"summary": "cut', finish_reason="length"), completion()]
    (ok,) = _backend(prompt, fake_openai).extract(_requests(1))
    assert fake_openai.count == 4 and ok.extraction is not None and ok.reasks == 1


def test_refusal_is_not_reasked(prompt: PromptSet, fake_openai: FakeOpenAIServer) -> None:
    fake_openai.script = [completion(refusal="I can't help with that.")]
    (result,) = _backend(prompt, fake_openai).extract(_requests(1))
    assert fake_openai.count == 1 and result.reasks == 0
    assert result.error == "refused: I can't help with that."

    fake_openai.script = [completion("{", finish_reason="content_filter")]
    (filtered,) = _backend(prompt, fake_openai).extract(_requests(1))
    assert fake_openai.count == 2 and filtered.error == "refused: content filter"


def test_garbage_response_is_an_error_not_a_crash(
    prompt: PromptSet, fake_openai: FakeOpenAIServer
) -> None:
    fake_openai.script = [Reply(body="<html>gateway</html>"), completion()]
    first, second = _backend(prompt, fake_openai, concurrency=1).extract(_requests(2))
    assert fake_openai.count == 2
    assert first.extraction is None and first.error is not None and first.requests == 1
    assert second.extraction is not None


def test_rejected_key_aborts_without_leaking_it(
    prompt: PromptSet, fake_openai: FakeOpenAIServer
) -> None:
    fake_openai.responder = lambda body: error(401, f"Incorrect API key provided: {KEY}")
    backend = _backend(prompt, fake_openai, concurrency=3)
    with pytest.raises(BackendError) as caught:
        backend.extract(_requests(30))
    assert fake_openai.count <= 3  # only the first wave went out; the rest never do
    assert "OPENAI_API_KEY" in str(caught.value) and "(401)" in str(caught.value)
    assert "SECRET123" not in str(caught.value) and "SECRET123" not in repr(backend)


def test_unknown_model_aborts(prompt: PromptSet, fake_openai: FakeOpenAIServer) -> None:
    fake_openai.responder = lambda body: error(404, "The model `m` does not exist")
    with pytest.raises(BackendError, match=r"model 'm' .*not found.*--model"):
        _backend(prompt, fake_openai, concurrency=2).extract(_requests(20))
    assert fake_openai.count <= 2


def test_results_in_request_order_callbacks_as_they_finish(
    prompt: PromptSet, fake_openai: FakeOpenAIServer
) -> None:
    def responder(body: dict[str, Any]) -> Reply:
        slow = body["messages"][-1]["content"].endswith("Abstract 1.")
        return completion(delay=0.3 if slow else 0.02)

    fake_openai.responder = responder
    seen: list[ExtractResult] = []
    results = _backend(prompt, fake_openai, concurrency=2).extract(_requests(6), seen.append)
    assert fake_openai.count == 6 and fake_openai.max_in_flight == 2
    assert [r.key for r in results] == [f"k{i}" for i in range(6)]
    assert [r.key for r in seen] == ["k0", "k2", "k3", "k4", "k5", "k1"]
    assert all(r.extraction is not None for r in results)


def test_runaway_answer_is_named_and_the_reask_says_what_repeated(
    prompt: PromptSet, fake_openai: FakeOpenAIServer
) -> None:
    loop = '{"summary": "s", "methods": [' + '{"name": "GAN", "role": "used"}, ' * 40
    fake_openai.responder = lambda body: completion(loop, finish_reason="length")
    (result,) = _backend(prompt, fake_openai).extract(_requests(1))
    assert result.error is not None
    assert result.error.startswith("invalid output after 1 re-asks: runaway answer: it repeated")
    reask = fake_openai.bodies[1]["messages"][-1]["content"]
    assert "over and over" in reask and '"GAN"' in reask


def test_json_mode_sends_the_bounded_grammar_schema_and_a_compact_shape(
    prompt: PromptSet, fake_openai: FakeOpenAIServer
) -> None:
    fake_openai.script = [completion()]
    backend = _backend(prompt, fake_openai, response_format="json_object")
    (result,) = backend.extract(_requests(1))
    assert result.extraction is not None and fake_openai.count == 1
    sent = fake_openai.bodies[0]["response_format"]
    assert sent["type"] == "json_object"
    assert sent["schema"]["properties"]["methods"]["maxItems"] == 16
    system = fake_openai.bodies[0]["messages"][0]["content"]
    assert '"gains": [{"text": string, "value": number' in system
    assert '"$defs"' not in system  # the shape, not the JSON schema


def test_a_timed_out_request_to_a_local_server_is_not_resent(
    prompt: PromptSet, fake_openai: FakeOpenAIServer
) -> None:
    fake_openai.responder = lambda body: completion(delay=1.5)
    backend = _backend(prompt, fake_openai, timeout=0.5, retry_timeouts=False)
    (result,) = backend.extract(_requests(1))
    assert fake_openai.count == 1
    assert result.error is not None and result.error.startswith("timed out after 0.5 s")
    assert "raise --timeout" in result.error


def test_a_timed_out_request_to_a_remote_api_is_retried(
    prompt: PromptSet, fake_openai: FakeOpenAIServer
) -> None:
    fake_openai.script = [completion(delay=1.5), completion()]
    backend = _backend(prompt, fake_openai, timeout=0.5)
    (result,) = backend.extract(_requests(1))
    assert fake_openai.count == 2 and result.extraction is not None
    assert result.retries == 1


def test_a_failing_result_callback_surfaces_as_its_own_error(
    prompt: PromptSet, fake_openai: FakeOpenAIServer
) -> None:
    fake_openai.script = [completion()]

    def explode(result: ExtractResult) -> None:
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        _backend(prompt, fake_openai).extract(_requests(1), on_result=explode)


def test_a_reasoning_model_is_asked_with_its_parameters(prompt: PromptSet) -> None:
    from enrich.core.requests import Generation, chat_body, is_reasoning_model

    assert [is_reasoning_model(m) for m in ("o3-mini", "openai/o1", "gpt-5-mini", "O4-mini")] == [
        True, True, True, True,
    ]  # fmt: skip
    assert not any(is_reasoning_model(m) for m in ("gpt-4o-mini", "llama-3", "qwen2.5-coder"))
    common = {"prompt": prompt, "title": "T", "abstract": "We propose X.", "mode": "json_schema"}
    plain = chat_body(model="m", generation=Generation(0.0, 512), **common)  # type: ignore[arg-type]
    assert (plain["temperature"], plain["max_tokens"]) == (0.0, 512)
    reasoning = chat_body(model="o3", generation=Generation(0.0, 512, True), **common)  # type: ignore[arg-type]
    assert reasoning["max_completion_tokens"] == 512
    assert "temperature" not in reasoning and "max_tokens" not in reasoning
    assert reasoning["messages"] == plain["messages"]


def test_a_refused_max_tokens_switches_to_reasoning_parameters_once(
    prompt: PromptSet, fake_openai: FakeOpenAIServer
) -> None:
    refusal = (
        "Unsupported parameter: 'max_tokens' is not supported with this model. "
        "Use 'max_completion_tokens' instead."
    )

    def reasoning_server(body: dict[str, Any]) -> Reply:
        if "max_tokens" in body or "temperature" in body:
            return error(400, refusal)
        return completion()

    fake_openai.responder = reasoning_server
    backend = _backend(prompt, fake_openai, concurrency=1)
    assert backend.params() == {"temperature": 0.0, "max_tokens": backend.max_tokens}
    results = backend.extract(_requests(3))
    assert all(r.extraction is not None for r in results)
    assert fake_openai.count == 4  # one refusal, then every request as a reasoning model
    assert [("max_tokens" in b, "max_completion_tokens" in b) for b in fake_openai.bodies] == [
        (True, False), (False, True), (False, True), (False, True),
    ]  # fmt: skip
    assert all(_format(b) == "json_schema" for b in fake_openai.bodies)  # format not blamed
    assert results[0].requests == 2
