"""Child processes that die with enrich: the local model server and the rules worker.

On Linux the kernel can send a child a signal when its parent dies (`PR_SET_PDEATHSIG`), so
a `kill -9` of enrich leaves neither a server generating for nobody nor a worker holding the
terminal's pipes. Elsewhere there is no such hook and children end when their parent closes
their pipes.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
from collections.abc import Callable

_PR_SET_PDEATHSIG = 1


def parent_death_hook() -> Callable[[], None] | None:
    """A function that, run in a child, makes the kernel SIGKILL it when its parent dies
    (None where the platform has no such hook).

    SIGKILL, not SIGTERM: on SIGTERM a server first finishes the request it is generating,
    and with enrich gone nobody would follow up.
    """
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None

    def hook() -> None:
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)

    return hook


def die_with_parent(parent: int) -> None:
    """In a forked child of `parent`: die when it does (and now, if it already has)."""
    hook = parent_death_hook()
    if hook is not None:
        hook()
    if os.getppid() != parent:  # the parent died before the hook was set
        os._exit(1)
