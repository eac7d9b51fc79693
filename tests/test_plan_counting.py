"""What `enrich plan` counts with: a GGUF's tokenizer (checked against a real llama.cpp
server), tiktoken only when its encoding is already here, and the cache opened read-only."""

from __future__ import annotations

import hashlib
import json
import sys
import types
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from enrich.backends.base import Usage
from enrich.cache import CacheReader, ResultCache
from enrich.core.plan import History
from enrich.core.requests import Generation, chat_body
from enrich.core.schema import ModelExtraction
from enrich.errors import CacheError
from enrich.ingest import read_corpus
from enrich.prompt_files import DEFAULT_PROMPTS_DIR, load_prompt_set
from enrich.tokens import gguf_tokenizer, tiktoken_tokenizer
from tests.fake_openai_server import EMPTY
from tests.llama_server import LlamaServer, test_model_file

# -- token counting ------------------------------------------------------------------------


def _bodies(corpus: Path, count: int) -> list[dict[str, Any]]:
    prompt = load_prompt_set(DEFAULT_PROMPTS_DIR / "extract")
    papers = read_corpus([corpus]).papers[:count]
    return [
        chat_body(prompt, model="m", title=p.title, abstract=p.abstract, mode="json_object",
                  generation=Generation(max_tokens=1))
        for p in papers
    ]  # fmt: skip


@pytest.mark.llama
def test_a_gguf_counts_the_stable_prefix_once_and_the_same(sample_corpus: Path) -> None:
    """After the first prompt, the shared prefix is counted once and only the rest is
    tokenized: each count equals a fresh tokenizer's whole-prompt count."""
    path = test_model_file().path
    tokenizer = gguf_tokenizer(path)
    assert tokenizer is not None
    bodies = _bodies(sample_corpus, 4)
    counted = [tokenizer.count(body["messages"]) for body in bodies]
    wholes = []
    for body in bodies:
        fresh = gguf_tokenizer(path)  # its first count of a prefix tokenizes the whole prompt
        assert fresh is not None
        wholes.append(fresh.count(body["messages"]))
    assert counted == wholes
    assert len(set(counted)) == 4 and all(1_500 < n < 2_500 for n in counted)


@pytest.mark.llama
def test_a_gguf_count_is_what_llama_cpp_reports(
    llama_server: LlamaServer, sample_corpus: Path
) -> None:
    """The count against a real llama.cpp server's usage.prompt_tokens (one token answered)."""
    tokenizer = gguf_tokenizer(llama_server.model_path)
    assert tokenizer is not None
    for body in _bodies(sample_corpus, 2):
        body["model"] = llama_server.model
        request = urllib.request.Request(
            f"{llama_server.base_url}/chat/completions", data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
        )  # fmt: skip
        with urllib.request.urlopen(request, timeout=600) as response:
            reported = json.load(response)["usage"]["prompt_tokens"]
        assert tokenizer.count(body["messages"]) == reported


def _fake_tiktoken(monkeypatch: pytest.MonkeyPatch, loads: list[str]) -> None:
    class Encoding:
        def encode(self, text: str) -> list[int]:
            return [0] * len(text.split())

    def get_encoding(name: str) -> Encoding:
        loads.append(name)
        return Encoding()

    def encoding_name_for_model(model: str) -> str:
        if model != "gpt-4o-mini":
            raise KeyError(model)
        return "o200k_base"

    module = types.ModuleType("tiktoken")
    module.get_encoding = get_encoding  # type: ignore[attr-defined]
    module.encoding_name_for_model = encoding_name_for_model  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "tiktoken", module)


def test_tiktoken_counts_only_with_its_encoding_file_already_here(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    loads: list[str] = []
    _fake_tiktoken(monkeypatch, loads)
    env = {"TIKTOKEN_CACHE_DIR": str(tmp_path)}
    assert tiktoken_tokenizer("gpt-4o-mini", env) is None  # would download: never loaded
    assert tiktoken_tokenizer("llama-3", env) is None  # no encoding known
    assert loads == []
    url = "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken"
    (tmp_path / hashlib.sha1(url.encode()).hexdigest()).write_text("cached")
    tokenizer = tiktoken_tokenizer("openai/gpt-4o-mini", env)
    assert tokenizer is not None and loads == ["o200k_base"]
    assert tokenizer.name == "tiktoken o200k_base, messages only"
    # 3 per reply, 3 per message, and each value's tokens (role and content)
    messages = [{"role": "system", "content": "a b c"}, {"role": "user", "content": "d e"}]
    assert tokenizer.count(messages) == 3 + (3 + 1 + 3) + (3 + 1 + 2)


def test_without_tiktoken_there_is_no_openai_tokenizer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "tiktoken", None)  # import fails
    assert tiktoken_tokenizer("gpt-4o-mini", {}) is None


# -- the cache, read-only ------------------------------------------------------------------


def _digest(folder: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.iterdir())
        if p.is_file() and not p.name.endswith(("-wal", "-shm"))  # SQLite's reader files
    }


def test_the_cache_reader_reads_what_was_written_and_writes_nothing(tmp_path: Path) -> None:
    answer = ModelExtraction.model_validate(EMPTY)
    with ResultCache(tmp_path / "cache") as cache:
        cache.put("a", answer, Usage(100, 20, 400), "m")
        cache.put("b", answer, Usage(300, 40, 1_000), "m")
        cache.put("c", answer, Usage(50, 10), "m")  # before prompt_chars were kept
        cache.put("d", answer, Usage(), "offline-1")
        cache.put("e", answer, Usage(999, 999, 999), "other")
        cache.set_format("http://h/v1", "m", "json_object")
    before = _digest(tmp_path / "cache")
    with CacheReader(tmp_path / "cache") as reader:
        hit = reader.get("a")
        assert hit is not None and hit[1] == Usage(100, 20, 400)
        assert reader.get("missing") is None
        assert reader.get_format("http://h/v1", "m") == "json_object"
        reader.set_format("http://h/v1", "m", "json_schema")  # a no-op
        assert reader.history("m") == History(
            answers=3, completion_tokens=70, calibrated=2, calibrated_prompt_tokens=400,
            calibrated_prompt_chars=1_400,
        )  # fmt: skip
        assert reader.history("offline-1") == History()
    assert _digest(tmp_path / "cache") == before
    with CacheReader(tmp_path / "none") as empty:
        assert (empty.get("a"), empty.history("m")) == (None, History())
    assert not (tmp_path / "none").exists()


def test_an_unreadable_cache_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "cache").mkdir()
    (tmp_path / "cache" / "cache.db").write_bytes(b"not a database" * 100)
    with pytest.raises(CacheError, match=r"cache unreadable .*enrich cache clear"):
        CacheReader(tmp_path / "cache")
