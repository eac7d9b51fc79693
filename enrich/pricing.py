"""Known list prices, so a run can report its cost; unknown models report no cost at all."""

from __future__ import annotations

OPENAI_ENDPOINT = "https://api.openai.com/v1"

# USD per million tokens (input, output), OpenAI's published standard-tier list prices.
_OPENAI_PRICES: dict[str, tuple[float, float]] = {
    "gpt-4o-mini": (0.15, 0.60),
    "gpt-4o": (2.50, 10.00),
    "gpt-4.1": (2.00, 8.00),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1-nano": (0.10, 0.40),
}


def cost_usd(endpoint: str, model: str, prompt_tokens: int, completion_tokens: int) -> float | None:
    """The cost of the tokens at list price, or None when the price is not known."""
    if endpoint.rstrip("/") != OPENAI_ENDPOINT:
        return None
    price = _OPENAI_PRICES.get(model)
    if price is None:
        return None
    return (prompt_tokens * price[0] + completion_tokens * price[1]) / 1_000_000
