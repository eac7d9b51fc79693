from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from enrich.backends.fake import FakeBackend
from enrich.cache import ResultCache
from enrich.core.keys import extraction_key
from enrich.core.models import Paper, Source
from enrich.core.prompting import PromptSet
from enrich.pipeline import run_extraction
from enrich.prompt_files import DEFAULT_PROMPTS_DIR, load_prompt_set

ABSTRACTS = {
    "p1": "We propose MemFT for LLM finetuning and reach 98.7% recall on WikiText.",
    "p2": "We study LoRA adapters on GLUE.",
    "p3": "A survey of graph transformers.",
}


def _paper(pid: str, abstract: str | None = None) -> Paper:
    text = ABSTRACTS.get(pid, "") if abstract is None else abstract
    return Paper(id=pid, title=f"Title {pid}", abstract=text,
                 sources=[Source(path="x.txt", line=1, format="text")])  # fmt: skip


def _response(name: str) -> dict[str, object]:
    return {"summary": f"About {name}.", "methods": [{"name": name, "role": "proposed"}],
            "tasks": [], "datasets": [], "metrics": [], "gains": []}  # fmt: skip


@pytest.fixture
def prompt() -> PromptSet:
    return load_prompt_set(DEFAULT_PROMPTS_DIR / "extract")


def test_rerun_is_served_from_cache(prompt: PromptSet, tmp_path: Path) -> None:
    papers = [_paper("p1"), _paper("p2"), _paper("p3")]
    responses = [_response("MemFT"), _response("LoRA"), _response("graph transformers")]
    with ResultCache(tmp_path / "cache") as cache:
        first = FakeBackend(prompt, responses)
        outcomes, stats = run_extraction(papers, first, prompt, cache)
        assert (stats.extracted, stats.requests, stats.cache_hits) == (3, 3, 0)
        assert [o.status for o in outcomes] == ["ok", "ok", "ok"]
        assert outcomes[0].extraction is not None
        assert outcomes[0].extraction.methods[0].text == "MemFT"
        second = FakeBackend(prompt)  # nothing queued: any request would fail
        outcomes, stats = run_extraction(papers, second, prompt, cache)
        assert second.requests == []
        assert (stats.extracted, stats.requests, stats.cache_hits) == (3, 0, 3)
        assert all(o.cached for o in outcomes)


def test_failures_are_reported_and_not_cached(prompt: PromptSet, tmp_path: Path) -> None:
    papers = [_paper("p1"), _paper("p2")]
    with ResultCache(tmp_path / "cache") as cache:
        backend = FakeBackend(prompt, [_response("MemFT"), RuntimeError("invalid output")])
        outcomes, stats = run_extraction(papers, backend, prompt, cache)
        assert [o.status for o in outcomes] == ["ok", "failed"]
        assert outcomes[1].error == "invalid output"
        assert stats.failures == 1
        retry = FakeBackend(prompt, [_response("LoRA")])
        outcomes, stats = run_extraction(papers, retry, prompt, cache)
        assert [r.key for r in retry.requests] == [retry.requests[0].key]  # only the failure
        assert retry.requests[0].abstract == ABSTRACTS["p2"]
        assert (stats.cache_hits, stats.failures) == (1, 0)


def test_missing_abstract_is_skipped_and_duplicates_sent_once(prompt: PromptSet) -> None:
    same = "We propose X and test it on MNIST."
    papers = [_paper("a", same), _paper("b", ""), Paper(id="c", title="Title a", abstract=same)]
    backend = FakeBackend(prompt, [_response("X")])
    outcomes, stats = run_extraction(papers, backend, prompt)
    assert [o.status for o in outcomes] == ["ok", "skipped", "ok"]
    assert outcomes[1].error == "no abstract"
    assert len(backend.requests) == 1
    assert (stats.skipped, stats.extracted) == (1, 2)


def test_ungrounded_items_become_warnings(prompt: PromptSet) -> None:
    backend = FakeBackend(prompt, [_response("GPT-9")])
    (outcome,), stats = run_extraction([_paper("p2")], backend, prompt)
    assert outcome.extraction is not None and outcome.extraction.methods == []
    assert outcome.warnings == ["ungrounded methods: 'GPT-9' (not found in the abstract)"]
    assert stats.ungrounded == 1


def test_fake_backend_records_prompts(prompt: PromptSet) -> None:
    backend = FakeBackend(prompt, [_response("MemFT")])
    run_extraction([_paper("p1")], backend, prompt)
    (messages,) = backend.prompts
    assert messages[-1]["content"].endswith(ABSTRACTS["p1"])


BASE = {
    "identity": {"backend": "openai", "model": "m1", "endpoint": "http://e/v1"},
    "prompt_hash": "aaaa",
    "schema_hash": "ssss",
    "params": {"temperature": 0.0, "max_tokens": 2048},
    "title": "T",
    "abstract": "Text.",
}


@pytest.mark.parametrize(
    "change",
    [
        {"identity": {"backend": "openai", "model": "m2", "endpoint": "http://e/v1"}},
        {"identity": {"backend": "openai", "model": "m1", "endpoint": "http://other/v1"}},
        {"prompt_hash": "bbbb"},
        {"schema_hash": "tttt"},
        {"params": {"temperature": 0.7, "max_tokens": 2048}},
        {"abstract": "Text!"},
    ],
)
def test_cache_key_misses_on_what_changes_output(change: dict[str, object]) -> None:
    assert extraction_key(**{**BASE, **change}) != extraction_key(**BASE)  # type: ignore[arg-type]


def test_cache_key_ignores_everything_else(prompt: PromptSet, tmp_path: Path) -> None:
    """Same text under another id, other authors and sources: a cache hit."""
    with ResultCache(tmp_path / "cache") as cache:
        run_extraction([_paper("p1")], FakeBackend(prompt, [_response("MemFT")]), prompt, cache)
        other = Paper(
            id="doi:10.1234/x",
            title="Title p1",
            abstract=ABSTRACTS["p1"],
            authors=["Someone Else"],
            sources=[Source(path="y.bib", format="bibtex")],
        )
        backend = FakeBackend(prompt)
        (outcome,), _ = run_extraction([other], backend, prompt, cache)
        assert backend.requests == [] and outcome.cached
        assert extraction_key(**BASE) == extraction_key(**dict(BASE))  # type: ignore[arg-type]


class _InterruptedBackend(FakeBackend):
    """Delivers `after` results, then the user presses Ctrl-C."""

    def __init__(self, prompt: PromptSet, after: int) -> None:
        super().__init__(prompt, [_response("MemFT")] * 10)
        self.after = after

    def extract(self, batch, on_result=None):  # type: ignore[no-untyped-def]
        done = super().extract(batch[: self.after], on_result)
        if len(batch) > self.after:
            raise KeyboardInterrupt
        return done


def test_interrupted_run_resumes_from_the_cache(prompt: PromptSet, tmp_path: Path) -> None:
    papers = [_paper("p1"), _paper("p2"), _paper("p3")]
    with ResultCache(tmp_path / "cache") as cache:
        with pytest.raises(KeyboardInterrupt):
            run_extraction(papers, _InterruptedBackend(prompt, after=2), prompt, cache)
        resumed = FakeBackend(prompt, [_response("graph transformers")])
        outcomes, stats = run_extraction(papers, resumed, prompt, cache)
    assert [r.abstract for r in resumed.requests] == [ABSTRACTS["p3"]]
    assert (stats.cache_hits, stats.requests, stats.extracted) == (2, 1, 3)
    assert [o.cached for o in outcomes] == [True, True, False]


GAIN_ABSTRACT = (
    "We propose Foo, a fast tagger. Foo improves F1 by 2.5 points on CoNLL and is 3x faster "
    "than BiLSTM."
)


def _gain_answer(value: float, text: str) -> dict[str, object]:
    return {
        "summary": "s", "methods": [], "tasks": [], "datasets": [], "metrics": [],
        "gains": [{"text": text, "value": value, "kind": "delta", "unit": "points"}],
    }  # fmt: skip


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        ("model", [(2.5, "model")]),
        ("rules", [(2.5, "rules"), (3.0, "rules")]),
        ("both", [(2.5, "model"), (3.0, "rules")]),
    ],
)
def test_gains_policy_merges_rule_gains_by_value_and_marks_their_source(
    prompt: PromptSet, tmp_path: Path, policy: str, expected: list[tuple[float, str]]
) -> None:
    paper = Paper(id="p", title="T", abstract=GAIN_ABSTRACT)
    backend = FakeBackend(prompt, responder=lambda r, m: _gain_answer(2.5, "improves F1 by 2.5"))
    with ResultCache(tmp_path / "cache") as cache:
        (outcome,), _ = run_extraction([paper], backend, prompt, cache, gains=policy)  # type: ignore[arg-type]
        assert outcome.extraction is not None
        got = [(g.value, g.source) for g in outcome.extraction.gains]
        assert got == expected
        # the policy applies after the cache: switching it sends nothing
        (again,), stats = run_extraction([paper], backend, prompt, cache, gains="both")
        assert stats.requests == 0 and again.cached


def test_metric_lexicon_adds_what_the_answer_left_out_after_the_cache(
    prompt: PromptSet, tmp_path: Path
) -> None:
    """`items="both"` adds the lexicon's measures (marked `rules`) where no kept item sits;
    switching the policy is served from the cache."""
    abstract = "MemFT improves accuracy and latency of LLM finetuning on WikiText."
    answer = {**_response("MemFT"), "metrics": ["latency"], "datasets": ["WikiText"]}
    paper = _paper("p9", abstract)
    with ResultCache(tmp_path / "cache") as cache:
        (alone,), _ = run_extraction([paper], FakeBackend(prompt, [answer]), prompt, cache)
        assert alone.extraction is not None
        assert [m.name for m in alone.extraction.metrics] == ["latency"]
        backend = FakeBackend(prompt)
        (both,), stats = run_extraction([paper], backend, prompt, cache, items="both")
        assert backend.requests == [] and stats.cache_hits == 1
        assert both.extraction is not None
        metrics = [(m.name, m.source) for m in both.extraction.metrics]
        assert metrics == [("latency", "model"), ("accuracy", "rules")]
        span = both.extraction.metrics[1].span
        assert abstract[span.start : span.end] == "accuracy"


def test_offline_metrics_are_not_added_twice(prompt: PromptSet) -> None:
    from enrich.backends.offline import OfflineBackend

    abstract = "We report accuracy and latency of MemFT on WikiText."
    (outcome,), _ = run_extraction([_paper("p8", abstract)], OfflineBackend(), prompt,
                                   items="both")  # fmt: skip
    assert outcome.extraction is not None
    assert all(m.source == "model" for m in outcome.extraction.metrics)
    names = [m.name.lower() for m in outcome.extraction.metrics]
    assert len(names) == len(set(names)) and "accuracy" in names


def test_coined_names_the_answer_left_out_are_added(prompt: PromptSet) -> None:
    """A small model often describes the proposed system and leaves out its name."""
    abstract = (
        "We propose SatFed, a satellite-assisted heterogeneous FL framework. We also assemble "
        "a large-scale dataset, called R2C7K, and compare SatFed with FedAvg."
    )
    answer = {
        **_response("satellite-assisted heterogeneous FL framework"),
        "methods": [
            {"name": "satellite-assisted heterogeneous FL framework", "role": "proposed"},
            {"name": "FedAvg", "role": "baseline"},
        ],
    }
    backend = FakeBackend(prompt, [answer])
    (outcome,), _ = run_extraction([_paper("p7", abstract)], backend, prompt, items="both")
    found = outcome.extraction
    assert found is not None
    methods = [(m.name, m.role, m.source) for m in found.methods]
    assert methods == [
        ("satellite-assisted heterogeneous FL framework", "proposed", "model"),
        ("FedAvg", "baseline", "model"),
        ("SatFed", "proposed", "rules"),
    ]
    assert [(d.name, d.source) for d in found.datasets] == [("R2C7K", "rules")]


def test_rule_items_combine_coined_names_defined_terms_and_measures() -> None:
    from enrich.pipeline import rule_items

    abstract = (
        "Unlike Collaborative Filtering (CF), we propose DeepCF, which raises the hit rate and "
        "the attack success rate (ASR)."
    )
    found = {(r.field, abstract[r.start : r.end], r.role) for r in rule_items(abstract)}
    assert ("methods", "Collaborative Filtering (CF)", "baseline") in found
    assert ("methods", "DeepCF", "proposed") in found
    assert ("metrics", "attack success rate (ASR)", None) in found
    assert ("metrics", "hit rate", None) in found


def test_a_rule_name_already_inside_a_kept_name_is_not_added_again(prompt: PromptSet) -> None:
    abstract = "Surrogate Domain Adaptation (SIDA) is new: we propose SIDA, a surrogate method."
    answer = {**_response("Surrogate Domain Adaptation (SIDA)")}
    (outcome,), _ = run_extraction(
        [_paper("p6", abstract)], FakeBackend(prompt, [answer]), prompt, items="both"
    )
    assert outcome.extraction is not None
    assert [m.name for m in outcome.extraction.methods] == ["Surrogate Domain Adaptation (SIDA)"]


def test_baselines_the_answer_left_out_come_from_the_tagger(prompt: PromptSet) -> None:
    """The tagger's marked names complete an answer that named only the proposed method."""
    abstract = "We propose MemFT. We train Qwen2.5-Math with GRPO and compare it with PPO."
    paper = _paper("p10", abstract)
    (both,), _ = run_extraction(
        [paper], FakeBackend(prompt, [_response("MemFT")]), prompt, items="both"
    )
    (alone,), _ = run_extraction([paper], FakeBackend(prompt, [_response("MemFT")]), prompt)
    assert both.extraction is not None and alone.extraction is not None
    assert [(m.name, m.source) for m in both.extraction.methods] == [
        ("MemFT", "model"), ("Qwen2.5-Math", "rules"), ("GRPO", "rules"),
    ]  # fmt: skip
    assert [m.name for m in alone.extraction.methods] == ["MemFT"]


def test_rules_run_in_another_process_while_requests_are_in_flight(prompt: PromptSet) -> None:
    """With requests to send, the rules of a batch run in the forked worker (its own core);
    without, here; the items are the same either way."""
    import os

    from enrich import pipeline

    abstract = "We propose DeepCF, which beats Collaborative Filtering (CF) on the hit rate."
    papers = [_paper("p7", abstract)]
    sent, _ = run_extraction(papers, FakeBackend(prompt, [_response("X")]), prompt, items="both")
    inline = pipeline._rules([abstract], "rules", True)
    worker = pipeline._rule_worker()
    assert worker.submit(os.getpid).result() != os.getpid()
    assert sent[0].extraction is not None
    extraction = sent[0].extraction
    from_rules = {
        (item.span.start, item.span.end)
        for item in [*extraction.methods, *extraction.metrics]
        if item.source == "rules"
    }
    assert from_rules == {(i.start, i.end) for i in inline[abstract].items}
    assert {"DeepCF", "Collaborative Filtering (CF)"} <= {m.name for m in extraction.methods}


def test_a_dead_rule_worker_costs_nothing_but_time(
    prompt: PromptSet, monkeypatch: pytest.MonkeyPatch
) -> None:
    from concurrent.futures import BrokenExecutor, Future

    from enrich import pipeline

    class DeadWorker:
        def submit(self, *args: object) -> Future[object]:
            future: Future[object] = Future()
            future.set_exception(BrokenExecutor("worker killed"))
            return future

    monkeypatch.setattr(pipeline, "_rule_worker", lambda: DeadWorker())
    monkeypatch.setattr(pipeline._rule_worker, "cache_clear", lambda: None, raising=False)
    abstract = "We propose DeepCF and report a 5.2% gain in hit rate."
    (outcome,), _ = run_extraction(
        [_paper("p8", abstract)], FakeBackend(prompt, [_response("X")]), prompt,
        gains="rules", items="both",
    )  # fmt: skip
    assert outcome.extraction is not None
    assert [g.value for g in outcome.extraction.gains] == [5.2]  # the rules ran here instead
    assert "DeepCF" in {m.name for m in outcome.extraction.methods}


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_the_rule_worker_dies_with_a_killed_run() -> None:
    """A `kill -9` of a run leaves no worker behind holding its pipes."""
    script = (
        "import os, sys, time\n"
        "from enrich import pipeline\n"
        "print(pipeline._rule_worker().submit(os.getpid).result(), flush=True)\n"
        "time.sleep(60)\n"
    )
    run = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert run.stdout is not None
        worker = int(run.stdout.readline())
        run.kill()
        run.communicate(timeout=20)  # returns only once no process holds the pipes
    finally:
        if run.poll() is None:
            run.kill()
    deadline = time.monotonic() + 10
    while Path(f"/proc/{worker}").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not Path(f"/proc/{worker}").exists()
