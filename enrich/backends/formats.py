"""Which response format an endpoint takes for a model, learned once and remembered.

A strict `json_schema` format is asked first; a server that rejects it gets JSON mode with the
schema in the prompt (`backends/chat.py` makes that switch). What worked is kept here for the
run and, through the optional `FormatMemory` (the cache), for later runs, so they start in the
right format.
"""

from __future__ import annotations

from enrich.backends.base import FormatMemory
from enrich.core.requests import Mode


class ResponseFormat:
    """The format in use for one endpoint and model, and whether json_schema is confirmed."""

    def __init__(
        self, endpoint: str, model: str, memory: FormatMemory | None, given: Mode | None
    ) -> None:
        self._endpoint, self._model, self._memory = endpoint, model, memory
        remembered = memory.get_format(endpoint, model) if memory is not None else None
        known = given or remembered
        self.mode: Mode = "json_object" if known == "json_object" else "json_schema"
        # json_schema has worked here: a later 400 is about the request, not the format
        self.confirmed = known == "json_schema"

    def learn(self, mode: Mode) -> None:
        """Record what the endpoint accepted, here and in the memory shared across runs."""
        if mode == "json_schema":
            if self.confirmed:
                return
            self.confirmed = True
        elif self.mode == "json_object":
            return
        self.mode = mode
        if self._memory is not None:
            self._memory.set_format(self._endpoint, self._model, mode)
