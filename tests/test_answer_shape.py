"""The answer's shape: strict schema for json_schema, bounded grammar schema for JSON mode,
lean few-shot answers, and runaway detection."""

from __future__ import annotations

import json

from enrich.core.prompting import answer_shape, build_messages
from enrich.core.repetition import repeated_tail
from enrich.core.schema import ModelGain, grammar_schema, output_schema
from enrich.prompt_files import DEFAULT_PROMPTS_DIR, load_prompt_set


def test_strict_schema_requires_every_property() -> None:
    gain = output_schema()["$defs"]["ModelGain"]
    assert gain["required"] == list(gain["properties"])
    assert all("default" not in prop for prop in gain["properties"].values())


def test_grammar_schema_bounds_lists_and_strings_and_lets_unstated_attributes_out() -> None:
    schema = grammar_schema()
    props = schema["properties"]
    assert props["methods"]["maxItems"] == 16 and props["tasks"]["maxItems"] == 8
    assert props["summary"]["maxLength"] == 400
    assert props["tasks"]["items"]["maxLength"] == 120
    gain = schema["$defs"]["ModelGain"]
    assert gain["required"] == ["text", "value", "kind"]
    assert gain["properties"]["metric"]["anyOf"][0]["maxLength"] == 120
    assert "maxLength" not in gain["properties"]["kind"]  # enums are bounded already


def test_a_gain_without_its_optional_attributes_validates() -> None:
    gain = ModelGain.model_validate({"text": "+5.3%", "value": 5.3, "kind": "delta"})
    assert (gain.metric, gain.baseline_value) == (None, None)


def test_shape_is_compact_and_marks_optional_keys() -> None:
    shape = answer_shape()
    assert shape.startswith('{"summary": string, "methods": [{"name": string, "role": ')
    assert '"baseline_value"?: number|null' in shape
    assert len(shape) < len(json.dumps(grammar_schema())) / 5


def test_few_shot_answers_leave_out_nulls() -> None:
    prompt = load_prompt_set(DEFAULT_PROMPTS_DIR / "extract")
    messages = build_messages(prompt, title="T", abstract="A", schema_in_prompt=True)
    answers = [m["content"] for m in messages if m["role"] == "assistant"]
    assert answers and all("null" not in answer for answer in answers)
    assert messages[-1]["content"] == "Title: T\nAbstract:\nA"


def test_repeated_tail_finds_loops_but_not_lists_of_distinct_names() -> None:
    unit = repeated_tail('{"tasks": [' + '"x", ' * 30)
    assert unit is not None and sorted(unit) == sorted('"x", ')  # the loop, from any start
    looping = '{"summary": "We propose a method that' + " improves the results" * 12
    assert repeated_tail(looping) == " improves the results"
    distinct = ", ".join(f'"Model-{i}"' for i in range(60))
    assert repeated_tail('{"methods": [' + distinct) is None
    assert repeated_tail('{"summary": "cut') is None
