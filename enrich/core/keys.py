"""Cache keys: a hash of everything that changes an extraction, and nothing else."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping

KEY_VERSION = 1


def _digest(payload: Mapping[str, object]) -> str:
    """The sha256 of `payload`'s canonical JSON: key order and spacing never change a key."""
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def extraction_key(
    *,
    identity: Mapping[str, str],
    prompt_hash: str,
    schema_hash: str,
    params: Mapping[str, object],
    title: str,
    abstract: str,
) -> str:
    """Backend, model and endpoint (`identity`), prompt and schema versions, generation
    parameters and the text sent (title and abstract). Paper ids, sources and authors are not
    part of it: the same abstract listed twice is extracted once."""
    payload = {
        "v": KEY_VERSION,
        "identity": dict(sorted(identity.items())),
        "prompt": prompt_hash,
        "schema": schema_hash,
        "params": dict(sorted(params.items())),
        "title": title,
        "abstract": abstract,
    }
    return _digest(payload)


def overview_key(
    *,
    identity: Mapping[str, str],
    prompt_hash: str,
    schema_hash: str,
    params: Mapping[str, object],
    text: str,
) -> str:
    """An overview's key: backend and model (`identity`), the overview prompt's and schema's
    versions, generation parameters and the input text (whose papers, listed how). Its own
    payload kind, so it can never equal an extraction's key."""
    payload = {
        "v": KEY_VERSION,
        "kind": "overview",
        "identity": dict(sorted(identity.items())),
        "prompt": prompt_hash,
        "schema": schema_hash,
        "params": dict(sorted(params.items())),
        "text": text,
    }
    return _digest(payload)
