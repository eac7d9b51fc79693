"""The `offline` backend: the embedded extractor, deterministic and without network or LLM.

Entities come from a small CRF tagger trained on public labeled data (`enrich.offline.train`),
gains, summaries and method roles from rules; every string is a span of the abstract, so
grounding keeps everything by construction. The content hash of the model and of the extractor's
source files is the backend's "model" name, so retraining or editing a rule invalidates exactly
its cached results.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from pathlib import Path

from enrich.backends.base import ExtractRequest, ExtractResult, ResultCallback
from enrich.core.schema import ModelExtraction, ModelMethod
from enrich.errors import ConfigError
from enrich.offline.gains import find_gains
from enrich.offline.roles import method_role
from enrich.offline.summary import pick_summary
from enrich.offline.tagger import DEFAULT_MODEL, Entity, EntityTagger, clusters_file

# Abstracts tagged together: enough to share the Viterbi steps, few enough to report promptly.
TAG_BATCH = 64

_SOURCES = Path(__file__).resolve().parent.parent / "offline"


def _version(model: Path) -> str:
    """Hash of the model file (and the word clusters beside it) and the extractor's code: what
    decides its output."""
    digest = hashlib.sha256(model.read_bytes())
    clusters = clusters_file(model)
    if clusters.is_file():
        digest.update(clusters.read_bytes())
    for source in sorted(_SOURCES.glob("*.py")):
        digest.update(source.name.encode())
        digest.update(source.read_bytes())
    return digest.hexdigest()[:12]


class OfflineBackend:
    """Tagger + rules behind the same interface as the LLM backends."""

    name = "offline"

    def __init__(self, model: Path | None = None) -> None:
        path = model or DEFAULT_MODEL
        if not path.is_file():
            raise ConfigError(
                f"the offline extractor's model {path} is missing",
                "reinstall enrich, or train it with `python -m enrich.offline.train`",
            )
        self.tagger = EntityTagger.load(path)
        self.model = f"offline-{_version(path)}"

    def identity(self) -> Mapping[str, str]:
        return {"backend": self.name, "model": self.model}

    def params(self) -> Mapping[str, object]:
        return {}

    def close(self) -> None:
        """Nothing to release."""

    def extract_one(self, abstract: str) -> ModelExtraction:
        """The extraction of one abstract (what `extract` returns for each request)."""
        return self._extraction(abstract, self.tagger.tag(abstract))

    def _extraction(self, abstract: str, entities: Sequence[Entity]) -> ModelExtraction:
        fields: dict[str, list[str]] = {"tasks": [], "datasets": [], "metrics": []}
        methods: list[ModelMethod] = []
        seen: set[tuple[str, str]] = set()
        for entity in entities:
            key = (entity.field, entity.text.casefold())
            if key in seen:
                continue
            seen.add(key)
            if entity.field == "methods":
                role = method_role(abstract, entity.start, entity.end)
                methods.append(ModelMethod(name=entity.text, role=role))
            else:
                fields[entity.field].append(entity.text)
        return ModelExtraction(
            summary=pick_summary(abstract),
            methods=methods,
            tasks=fields["tasks"],
            datasets=fields["datasets"],
            metrics=fields["metrics"],
            gains=find_gains(abstract),
        )

    def extract(
        self, batch: Sequence[ExtractRequest], on_result: ResultCallback | None = None
    ) -> list[ExtractResult]:
        """Tags `TAG_BATCH` abstracts at a time (one Viterbi pass over all their sentences is
        several times faster than one per abstract); results are reported as each is built."""
        results: list[ExtractResult] = []
        for first in range(0, len(batch), TAG_BATCH):
            requests = batch[first : first + TAG_BATCH]
            tagged = self.tagger.tag_many([request.abstract for request in requests])
            for request, entities in zip(requests, tagged, strict=True):
                result = ExtractResult(request.key, self._extraction(request.abstract, entities))
                results.append(result)
                if on_result is not None:
                    on_result(result)
        return results
