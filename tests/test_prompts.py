from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from enrich.core.prompting import build_messages
from enrich.errors import PromptError
from enrich.prompt_files import DEFAULT_PROMPTS_DIR, load_prompt_set

SHIPPED = DEFAULT_PROMPTS_DIR / "extract"


@pytest.fixture
def prompt_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "extract"
    shutil.copytree(SHIPPED, folder)
    return folder


def test_shipped_prompts_load_and_validate() -> None:
    prompt = load_prompt_set(SHIPPED)
    assert len(prompt.examples) >= 2
    assert len(prompt.hash) == 16


def test_messages_put_the_stable_part_first_and_the_abstract_last() -> None:
    prompt = load_prompt_set(SHIPPED)
    a = build_messages(prompt, title="T1", abstract="First abstract.")
    b = build_messages(prompt, title="T2", abstract="Second abstract.")
    assert a[0]["role"] == "system" and prompt.instructions.strip() in a[0]["content"]
    assert a[:-1] == b[:-1]
    assert a[-1] == {"role": "user", "content": "Title: T1\nAbstract:\nFirst abstract."}
    with_schema = build_messages(prompt, title="T", abstract="A", schema_in_prompt=True)
    assert '"gains"' in with_schema[0]["content"] and '"gains"' not in a[0]["content"]


def test_hash_changes_with_any_file(prompt_dir: Path) -> None:
    before = load_prompt_set(prompt_dir).hash
    assert load_prompt_set(prompt_dir).hash == before
    (prompt_dir / "system.md").write_text("Something else.\n", encoding="utf-8")
    assert load_prompt_set(prompt_dir).hash != before


def test_unknown_file_is_rejected(prompt_dir: Path) -> None:
    (prompt_dir / "notes.txt").write_text("x", encoding="utf-8")
    with pytest.raises(PromptError, match=r"notes\.txt: unknown prompt file"):
        load_prompt_set(prompt_dir)


def _rewrite_first_example(prompt_dir: Path, change: dict[str, object]) -> None:
    path = prompt_dir / "examples.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines()
    first = json.loads(lines[0])
    first.update(change)
    path.write_text("\n".join([json.dumps(first), *lines[1:]]) + "\n", encoding="utf-8")


def test_unknown_example_key_is_rejected(prompt_dir: Path) -> None:
    _rewrite_first_example(prompt_dir, {"lable": "x"})
    with pytest.raises(PromptError, match=r"examples.jsonl:1: lable: Extra inputs"):
        load_prompt_set(prompt_dir)


def test_example_labels_must_be_in_its_text(prompt_dir: Path) -> None:
    path = prompt_dir / "examples.jsonl"
    first = json.loads(path.read_text(encoding="utf-8").splitlines()[0])
    first["output"]["datasets"] = ["ImageNet-21k"]
    _rewrite_first_example(prompt_dir, {"output": first["output"]})
    with pytest.raises(PromptError, match="datasets 'ImageNet-21k' is not in the example's text"):
        load_prompt_set(prompt_dir)


def test_example_gain_value_must_be_in_its_text(prompt_dir: Path) -> None:
    path = prompt_dir / "examples.jsonl"
    first = json.loads(path.read_text(encoding="utf-8").splitlines()[0])
    first["output"]["gains"][0]["value"] = 99.9
    _rewrite_first_example(prompt_dir, {"output": first["output"]})
    with pytest.raises(PromptError, match=r"gain value 99\.9 does not occur"):
        load_prompt_set(prompt_dir)


def test_missing_folder_names_the_fix(tmp_path: Path) -> None:
    with pytest.raises(PromptError, match="prompt folder not found") as err:
        load_prompt_set(tmp_path / "nope")
    assert "--prompts DIR" in str(err.value)
