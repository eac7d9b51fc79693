"""The exceptions enrich raises. Each carries the fix; the CLI turns them into one-line messages."""

from __future__ import annotations


class EnrichError(Exception):
    """Base class: `message` says what went wrong, `hint` says how to fix it."""

    exit_code = 1

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message} ({self.hint})"


class UsageError(EnrichError):
    """The command line asks for something impossible: a bad option value or a missing path."""

    exit_code = 2


class InputPathError(UsageError):
    """A corpus path does not exist or is not a file or folder."""


class PromptError(EnrichError):
    """A prompt file is missing, unknown or invalid."""


class ConfigError(UsageError):
    """The backend cannot be configured from the flags and environment given."""


class BackendError(EnrichError):
    """A backend failed in a way that retrying will not fix (bad key, unknown model)."""


class StateError(EnrichError):
    """A file or folder enrich keeps or writes is unusable (exit 2: bad state, not a bug)."""

    exit_code = 2


class CacheError(StateError):
    """The result cache cannot be opened, read or written: corrupt, a file, not writable."""


class OutputError(StateError):
    """The output folder cannot be created or written, or another run holds it."""
