"""Overviews: a few sentences about a researcher profile's papers (or the whole corpus), each
citing the papers it rests on. Pure: the answer's schema, the citation check, and what is kept.

The model cites the short ids its input lists them by (P1, P2, ...; `core/overview_input.py`):
a long DOI is easy to miscopy, and every character of it costs generation time. An answer is
accepted only when every sentence cites at least one listed paper and nothing else; the kept
overview (`StoredOverview`) cites paper ids of the run, and is checked again against the run
before anything shows it.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from enrich.core.schema import bounded_schema, strict_schema

Scope = Literal["corpus", "profile"]
MAX_SENTENCES = 6  # kept of an answer; the prompt asks for 3 to 6
# JSON-mode bounds (a grammar for llama.cpp): a small model cannot ramble past them.
OVERVIEW_BOUNDS: dict[str, int] = {"sentences": MAX_SENTENCES, "text": 400, "cites": 4, "name": 40}
MIN_SENTENCES = 3  # what a grammar asks for, or one per listed paper when fewer
_REF = re.compile(r"^\s*[\[(]?\s*([Pp])\s*(\d{1,4})\s*[\])]?\s*$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class OverviewSentence(_Strict):
    """One sentence and the papers it rests on."""

    text: str = Field(description="one sentence in your own words")
    cites: list[str] = Field(
        description='the ids of the listed papers this sentence rests on, e.g. ["P2", "P5"]'
    )


class ModelOverview(_Strict):
    """The structured output asked of the model for one overview."""

    sentences: list[OverviewSentence] = Field(description="3 to 6 sentences")


@cache
def _base_schemas() -> tuple[dict[str, Any], dict[str, Any]]:
    return strict_schema(ModelOverview), bounded_schema(ModelOverview, OVERVIEW_BOUNDS)


def overview_schema_hash() -> str:
    """Content hash of the overview's schemas: part of every overview's cache key."""
    canonical = json.dumps(list(_base_schemas()), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


def answer_schemas(refs: Sequence[str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(strict, grammar) schemas whose citations can only be one of `refs`: a server that
    enforces the schema (llama.cpp's grammar, strict structured outputs) cannot cite a paper
    that is not listed. The grammar also wants `MIN_SENTENCES` sentences (fewer when fewer
    papers are listed) and a citation in each. The answer is checked all the same
    (`check_citations`): not every server enforces it."""
    strict, grammar = copy.deepcopy(_base_schemas())
    for schema in (strict, grammar):
        cites = schema["$defs"]["OverviewSentence"]["properties"]["cites"]
        cites["items"].pop("maxLength", None)
        cites["items"]["enum"] = list(refs)
    grammar["$defs"]["OverviewSentence"]["properties"]["cites"]["minItems"] = 1
    grammar["properties"]["sentences"]["minItems"] = max(1, min(MIN_SENTENCES, len(refs)))
    return strict, grammar


def grammar_shape_schema() -> dict[str, Any]:
    """The grammar schema without a reference list: what the prompt sketches in JSON mode."""
    return _base_schemas()[1]


def normalize_cite(cite: str) -> str:
    """A model's spelling of a listed id as the list writes it: "[p3]", " P3 " -> "P3"; any
    other text unchanged but stripped."""
    match = _REF.match(cite)
    return f"P{int(match.group(2))}" if match else cite.strip()


@dataclass(frozen=True)
class CitationProblem:
    """Why an overview cannot be shown as it is."""

    kind: Literal["no sentence", "no citation", "unknown id"]
    sentence: int = 0  # 1-based; 0: the overview as a whole
    cite: str | None = None

    def __str__(self) -> str:
        if self.kind == "no sentence":
            return "the overview has no sentence"
        if self.kind == "no citation":
            return f"sentence {self.sentence} cites no paper"
        return f"sentence {self.sentence} cites {self.cite!r}, which is not a listed paper"


def check_citations(
    overview: ModelOverview | StoredOverview, allowed: Collection[str]
) -> list[CitationProblem]:
    """What keeps `overview` from being shown: no sentence at all, a sentence citing nothing,
    or a citation that is not in `allowed` (the listed refs for a model's answer; the run's
    paper ids in its scope for a kept overview). Citations are compared as `normalize_cite`
    writes them."""
    if not overview.sentences:
        return [CitationProblem("no sentence")]
    problems: list[CitationProblem] = []
    for number, sentence in enumerate(overview.sentences, 1):
        cites = [normalize_cite(cite) for cite in sentence.cites]
        if not any(cites):
            problems.append(CitationProblem("no citation", number))
        problems += [
            CitationProblem("unknown id", number, cite)
            for cite in dict.fromkeys(cites)
            if cite and cite not in allowed
        ]
    return problems


def citation_feedback(problems: Sequence[CitationProblem], refs: Sequence[str]) -> str:
    """What a re-ask tells the model: its mistakes, and the ids it may cite."""
    listed = f"{refs[0]} to {refs[-1]}" if len(refs) > 1 else (refs[0] if refs else "none")
    mistakes = "; ".join(str(problem) for problem in problems[:6])
    return (
        f"{mistakes}. Cite only the ids of the listed papers ({listed}), at least one in every "
        "sentence, and write only what those papers state"
    )


class CitedPaper(_Strict):
    """A paper an overview cites, as the run lists it."""

    id: str
    title: str
    year: int | None = None


class StoredOverview(BaseModel):
    """An overview as overviews.json keeps it: sentences citing the run's paper ids, the cited
    papers (in order of first citation), and what it was written from."""

    model_config = ConfigDict(extra="ignore")

    scope: Scope
    label: str  # the profile's label; "corpus" for the corpus
    papers: int  # papers with an extraction in its scope
    shown: int  # of which the model was given
    sentences: list[OverviewSentence]
    cited: list[CitedPaper] = Field(default_factory=list)
    input_hash: str = ""  # of the text the model was given

    def cited_ids(self) -> list[str]:
        return list(dict.fromkeys(cite for s in self.sentences for cite in s.cites))


class OverviewsFile(BaseModel):
    """overviews.json: the overviews of one run (`run_id`), and the model that wrote them."""

    model_config = ConfigDict(extra="ignore")

    version: Literal[1] = 1
    run_id: str | None = None
    backend: str
    model: str
    prompt_hash: str
    schema_hash: str
    overviews: list[StoredOverview] = Field(default_factory=list)

    def corpus(self) -> StoredOverview | None:
        return next((o for o in self.overviews if o.scope == "corpus"), None)

    def for_profile(self, label: str) -> StoredOverview | None:
        return next((o for o in self.overviews if o.scope == "profile" and o.label == label), None)

    def cited_ids(self) -> set[str]:
        return {cite for overview in self.overviews for cite in overview.cited_ids()}


def current_overviews(
    stored: OverviewsFile,
    run_id: str | None,
    allowed: Callable[[StoredOverview], Collection[str]],
) -> tuple[OverviewsFile, list[str]]:
    """The overviews fit to show with this run: written for it (same `run_id`: a new
    extraction makes them stale), citing only papers `allowed` in their scope. Returns them
    and a warning per overview left out."""
    if stored.run_id != run_id:
        note = f"overviews.json was written for run {stored.run_id}, not {run_id}: left out"
        return stored.model_copy(update={"overviews": []}), [note]
    kept: list[StoredOverview] = []
    warnings: list[str] = []
    for overview in stored.overviews:
        problems = check_citations(overview, allowed(overview))
        if problems:
            warnings.append(f"{overview.label}: overview left out: {problems[0]}")
        else:
            kept.append(overview)
    return stored.model_copy(update={"overviews": kept}), warnings


class OverviewExample(_Strict):
    """A few-shot example: an input as `OverviewInput.text` writes it, and the answer."""

    id: str
    input: str
    output: ModelOverview


class OverviewPrompt(BaseModel):
    """The overview prompt folder's content, and the hash that versions it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    system: str
    instructions: str
    examples: tuple[OverviewExample, ...] = ()
    hash: str


_LISTED = re.compile(r"^(P\d+) ", re.MULTILINE)


def listed_refs(text: str) -> list[str]:
    """The ids an input lists its papers by (each paper's line starts with its id)."""
    return _LISTED.findall(text)


def example_problems(example: OverviewExample) -> list[str]:
    """What is wrong with an example's answer: a citation problem, or too many sentences."""
    problems = [str(p) for p in check_citations(example.output, set(listed_refs(example.input)))]
    if len(example.output.sentences) > MAX_SENTENCES:
        problems.append(f"{len(example.output.sentences)} sentences, more than {MAX_SENTENCES}")
    return problems
