"""Answers that run away: a small model that starts repeating itself until max_tokens.

Such an answer is not worth a second try in the same words: the re-ask tells the model what it
repeated, and the run reports it as a runaway rather than as a plain truncation.
"""

from __future__ import annotations

_MIN_REPEATS = 3
_MAX_PERIOD = 200
_MIN_TAIL = 24


def repeated_tail(text: str) -> str | None:
    """The unit that `text` ends by repeating at least three times over, or None.

    Trailing JSON punctuation is ignored; items that differ only by a counter do not count, so a
    long but honest list of distinct names is never taken for a loop.
    """
    body = text.rstrip(' \n\t"]},')
    for period in range(1, _MAX_PERIOD + 1):
        repeats = max(_MIN_REPEATS, -(-_MIN_TAIL // period))  # short units repeat more often
        span = period * repeats
        if span > len(body):
            break
        tail = body[-span:]
        unit = tail[:period]
        if unit * repeats == tail and unit.strip(' ,"'):
            return unit
    return None
