"""Secrets out of error text, before it is stored or shown.

A server may echo the request (its Authorization header, the key in a URL) in an error body,
and that body becomes a paper's stored error: in papers.jsonl, the CSVs, the database, the
report and the terminal. `redact` is applied where such text is made, so every output
downstream is clean. Pure: no I/O, no environment; the caller passes the key it knows.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

REDACTED = "[redacted]"
# Shorter "keys" are no secret worth blanking out of every word they occur in.
MIN_SECRET_CHARS = 4

# `Bearer <token>`: whatever credential an echoed Authorization header carried.
_BEARER = re.compile(r"(?i)\b(bearer)\s+(?!\[redacted\])[A-Za-z0-9._~+/=:-]+")
# OpenAI-style keys (sk-..., sk-proj-...), even when the configured key is not known.
_SK_TOKEN = re.compile(r"(?<![A-Za-z0-9_-])sk-[A-Za-z0-9_-]{8,}")
# `api_key=...`, `"api-key": "..."`, `x-api-key: ...` (query strings, JSON, headers).
_KEY_VALUE = re.compile(
    r"(?i)((?:api[-_]?key|access[-_]?token)[\"']?\s*[:=]\s*[\"']?)(?!\[redacted\])[^\s\"'&,;]+"
)


def redact(text: str, secrets: Iterable[str | None] = ()) -> str:
    """`text` with every known secret (exact, wherever it appears) and anything shaped like a
    bearer token, an `sk-` key or an `api_key=` value replaced by `[redacted]`."""
    for secret in sorted({s.strip() for s in secrets if s}, key=len, reverse=True):
        if len(secret) >= MIN_SECRET_CHARS:
            text = text.replace(secret, REDACTED)
    text = _BEARER.sub(lambda m: f"{m.group(1)} {REDACTED}", text)
    text = _SK_TOKEN.sub(REDACTED, text)
    return _KEY_VALUE.sub(lambda m: m.group(1) + REDACTED, text)
