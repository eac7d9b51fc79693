"""Run ids: sortable by time, unique between concurrent runs (runs table, eval runs)."""

from __future__ import annotations

import secrets
from datetime import datetime


def new_run_id(now: datetime) -> str:
    """Sorts by time (to the millisecond); the random tail keeps concurrent runs apart."""
    moment = now.strftime("%Y%m%dT%H%M%S") + f"{now.microsecond // 1000:03d}"
    return f"{moment}-{secrets.token_hex(3)}"
