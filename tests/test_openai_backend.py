"""The OpenAI-compatible backend against a scripted server: real SDK, real HTTP, no network."""

from __future__ import annotations

import time

import pytest

from enrich.backends.base import ExtractRequest
from enrich.backends.openai_backend import OpenAIBackend
from enrich.core.prompting import PromptSet
from enrich.errors import BackendError
from enrich.prompt_files import DEFAULT_PROMPTS_DIR, load_prompt_set
from tests.fake_openai_server import EMPTY, FakeOpenAIServer, Reply, completion, error

LLAMA_500 = (
    "1 validation error:\n  {'type': 'literal_error', 'loc': ('body', 'response_format', "
    "'type'), 'msg': \"Input should be 'text' or 'json_object'\", 'input': 'json_schema'}"
)


@pytest.fixture(scope="module")
def prompt() -> PromptSet:
    return load_prompt_set(DEFAULT_PROMPTS_DIR / "extract")


def _backend(prompt: PromptSet, server: FakeOpenAIServer, **kw: object) -> OpenAIBackend:
    options: dict[str, object] = {"max_retries": 3, "retry_wait_max": 0.05, "timeout": 5.0}
    options.update(kw)
    return OpenAIBackend(prompt, model="m", base_url=server.base_url, api_key="sk-test-SECRET123",
                         **options)  # type: ignore[arg-type]  # fmt: skip


def _requests(n: int) -> list[ExtractRequest]:
    return [ExtractRequest(key=f"k{i}", title=f"T{i}", abstract=f"Abstract {i}.") for i in range(n)]


def test_json_schema_success(prompt: PromptSet, fake_openai: FakeOpenAIServer) -> None:
    fake_openai.script = [completion({**EMPTY, "tasks": ["x"]}, usage=(120, 30))]
    (result,) = _backend(prompt, fake_openai).extract(_requests(1))
    assert result.error is None and result.extraction is not None
    assert result.extraction.tasks == ["x"]
    assert (result.requests, result.usage.prompt_tokens, result.usage.completion_tokens) == (
        1,
        120,
        30,
    )
    body = fake_openai.bodies[0]
    assert body["response_format"]["type"] == "json_schema"
    assert body["response_format"]["json_schema"]["strict"] is True
    assert body["messages"][0]["role"] == "system"
    assert body["messages"][-1]["content"].endswith("Abstract 0.")


@pytest.mark.parametrize("rejection", [error(500, LLAMA_500), error(400, "bad response_format")])
def test_fallback_to_json_mode_is_probed_once(
    prompt: PromptSet, fake_openai: FakeOpenAIServer, rejection: Reply
) -> None:
    def responder(body: dict[str, object]) -> Reply:
        rf = body.get("response_format") or {}
        return rejection if rf.get("type") == "json_schema" else completion()  # type: ignore[union-attr]

    fake_openai.responder = responder
    backend = _backend(prompt, fake_openai, concurrency=3)
    results = backend.extract(_requests(3))
    assert all(r.extraction is not None for r in results)
    assert sum(r.requests for r in results) == fake_openai.count == 4
    kinds = [b["response_format"]["type"] for b in fake_openai.bodies]
    assert kinds.count("json_schema") == 1 and kinds.count("json_object") == 3
    assert backend.mode == "json_object"
    fallback = fake_openai.bodies[-1]
    assert "schema" in fallback["response_format"]
    assert '"gains"' in fallback["messages"][0]["content"]


def test_429_honours_retry_after(prompt: PromptSet, fake_openai: FakeOpenAIServer) -> None:
    fake_openai.script = [error(429, "slow down", {"Retry-After": "0.3"}), completion()]
    started = time.perf_counter()
    (result,) = _backend(prompt, fake_openai, retry_wait_max=5.0).extract(_requests(1))
    assert time.perf_counter() - started >= 0.3
    assert (result.extraction is not None, result.requests, result.retries) == (True, 2, 1)


def test_500_then_success_and_persistent_503(
    prompt: PromptSet, fake_openai: FakeOpenAIServer
) -> None:
    fake_openai.script = [error(500, "oops"), completion()]
    (ok,) = _backend(prompt, fake_openai).extract(_requests(1))
    assert (ok.extraction is not None, ok.requests, ok.retries) == (True, 2, 1)
    fake_openai.bodies.clear()
    fake_openai.responder = lambda body: error(503, "unavailable")
    (failed,) = _backend(prompt, fake_openai, max_retries=2).extract(_requests(1))
    assert failed.extraction is None and fake_openai.count == 3
    assert failed.error is not None and failed.error.startswith(
        "gave up after 3 attempts: HTTP 503"
    )


def test_timeout_is_retried(prompt: PromptSet, fake_openai: FakeOpenAIServer) -> None:
    fake_openai.script = [Reply(body=completion().body, delay=1.5), completion()]
    (result,) = _backend(prompt, fake_openai, timeout=1.0).extract(_requests(1))
    assert (result.extraction is not None, result.requests, result.retries) == (True, 2, 1)


def test_invalid_output_is_reasked_with_the_error(
    prompt: PromptSet, fake_openai: FakeOpenAIServer
) -> None:
    fake_openai.script = [completion("{not json"), completion()]
    (result,) = _backend(prompt, fake_openai).extract(_requests(1))
    assert (result.extraction is not None, result.requests, result.reasks) == (True, 2, 1)
    reask = fake_openai.bodies[1]["messages"]
    assert reask[-2] == {"role": "assistant", "content": "{not json"}
    assert "failed validation" in reask[-1]["content"] and "Invalid JSON" in reask[-1]["content"]


def test_always_invalid_output_fails_after_bounded_reasks(
    prompt: PromptSet, fake_openai: FakeOpenAIServer
) -> None:
    fake_openai.responder = lambda body: completion({"summary": "only this"})
    (result,) = _backend(prompt, fake_openai, max_reasks=2).extract(_requests(1))
    assert result.extraction is None and fake_openai.count == 3
    assert result.error is not None and result.error.startswith("invalid output after 2 re-asks")


def test_reask_token_cap_bounds_reasks(prompt: PromptSet, fake_openai: FakeOpenAIServer) -> None:
    fake_openai.responder = lambda body: completion("{", usage=(5000, 10))
    (result,) = _backend(prompt, fake_openai, max_reasks=5, reask_token_cap=4000).extract(
        _requests(1)
    )
    assert fake_openai.count == 2 and result.reasks == 1


def test_truncated_output(prompt: PromptSet, fake_openai: FakeOpenAIServer) -> None:
    fake_openai.responder = lambda body: completion('{"summary": "cut', finish_reason="length")
    (result,) = _backend(prompt, fake_openai, max_reasks=1).extract(_requests(1))
    assert fake_openai.count == 2
    assert result.error == (
        "invalid output after 1 re-asks: output truncated at max_tokens; answer more concisely"
    )


def test_refusal_is_not_reasked(prompt: PromptSet, fake_openai: FakeOpenAIServer) -> None:
    fake_openai.script = [completion(refusal="I can't help with that.")]
    (result,) = _backend(prompt, fake_openai).extract(_requests(1))
    assert fake_openai.count == 1
    assert result.error == "refused: I can't help with that."


def test_rejected_key_aborts_without_leaking_it(
    prompt: PromptSet, fake_openai: FakeOpenAIServer
) -> None:
    fake_openai.responder = lambda body: error(401, "Incorrect API key provided: sk-test-SECRET123")
    backend = _backend(prompt, fake_openai)
    with pytest.raises(BackendError) as caught:
        backend.extract(_requests(2))
    assert "OPENAI_API_KEY" in str(caught.value)
    assert "SECRET123" not in str(caught.value) and "SECRET123" not in repr(backend)
