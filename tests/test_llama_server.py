"""What llama-cpp-python's OpenAI-compatible server does with structured-output requests."""

from __future__ import annotations

import json
from typing import Any

import openai
import pytest

from tests.llama_server import MODEL_ALIAS, LlamaServer

pytestmark = pytest.mark.llama

SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "summary": {"type": "string"},
        "tasks": {"type": "array", "items": {"type": "string"}},
    },
    "required": ["summary", "tasks"],
    "additionalProperties": False,
}

MESSAGES: list[Any] = [
    {
        "role": "user",
        "content": (
            "Reply with JSON only. Summarise this note and list its tasks: "
            "'Team sync on Monday. Alice will draft the report, Bob will fix the login bug, "
            "and everyone should review the budget by Friday.'"
        ),
    }
]


@pytest.fixture
def client(llama_server: LlamaServer) -> openai.OpenAI:
    return openai.OpenAI(base_url=llama_server.base_url, api_key="sk-local", max_retries=0)


def test_server_reports_its_model(llama_server: LlamaServer, client: openai.OpenAI) -> None:
    assert llama_server.model == MODEL_ALIAS
    assert [model.id for model in client.models.list()] == [MODEL_ALIAS]


def test_json_schema_response_format_is_rejected_with_500(
    llama_server: LlamaServer, client: openai.OpenAI
) -> None:
    # The server's request model only allows response_format.type "text" or "json_object";
    # its route handler turns the validation error into a 500, not a 400 or 422.
    with pytest.raises(openai.InternalServerError) as caught:
        client.chat.completions.create(
            model=llama_server.model,
            messages=MESSAGES,
            max_tokens=200,
            temperature=0,
            response_format={
                "type": "json_schema",
                "json_schema": {"name": "x", "strict": True, "schema": SCHEMA},
            },
        )
    error = caught.value
    assert error.status_code == 500
    assert isinstance(error.body, dict)
    assert error.body["type"] == "internal_server_error"
    message = error.body["message"]
    assert message.startswith("1 validation error:")
    assert "'type': 'literal_error'" in message
    assert "'loc': ('body', 'response_format', 'type')" in message
    assert "Input should be 'text' or 'json_object'" in message
    assert "'input': 'json_schema'" in message


def test_json_object_with_schema_is_constrained(
    llama_server: LlamaServer, client: openai.OpenAI
) -> None:
    completion = client.chat.completions.create(
        model=llama_server.model,
        messages=MESSAGES,
        max_tokens=200,
        temperature=0,
        extra_body={"response_format": {"type": "json_object", "schema": SCHEMA}},
    )
    choice = completion.choices[0]
    assert choice.finish_reason == "stop"
    content = choice.message.content
    assert content is not None
    data = json.loads(content)
    assert isinstance(data, dict)
    assert set(data) == set(SCHEMA["required"])
    assert isinstance(data["summary"], str)
    assert isinstance(data["tasks"], list)
    assert all(isinstance(task, str) for task in data["tasks"])
    assert completion.usage is not None
    assert completion.usage.prompt_tokens > 0
    assert completion.usage.completion_tokens > 0
