"""llama.cpp's OpenAI-compatible server (llama-cpp-python) as a child process of enrich.

The server is started on a free 127.0.0.1 port and stopped when the run ends, fails or is
interrupted. On Linux the child also asks the kernel to kill it when enrich dies (even by
SIGKILL), so no server outlives the run that started it.
"""

from __future__ import annotations

import importlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import IO

from enrich.errors import BackendError, ConfigError
from enrich.lifetime import parent_death_hook

N_CTX = 8192  # a ~2,000-token prompt, a long abstract and a 1,024-token answer fit
READY_TIMEOUT_S = 180.0
_STOP_TIMEOUT_S = 5.0
_POLL_S = 0.2
_START_ATTEMPTS = 3
_INSTALL = "pip install 'enrich[local]'"


def available_cores() -> int:
    """Cores this process may run on (the affinity mask, not the machine's total)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _server_environment() -> dict[str, str]:
    """The environment minus variables the server's settings would read as its own options
    (a stray MODEL, PORT or API_KEY would otherwise change the server)."""
    try:
        settings = importlib.import_module("llama_cpp.server.settings")
    except ImportError as exc:
        raise ConfigError(
            f"--backend local needs llama-cpp-python's server ({exc})", _INSTALL
        ) from None
    names = set(settings.ServerSettings.model_fields) | set(settings.ModelSettings.model_fields)
    names.add("config_file")
    return {key: value for key, value in os.environ.items() if key.lower() not in names}


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _served_model(base_url: str) -> str | None:
    """The model id the server reports, or None while it is not answering yet."""
    try:
        with urllib.request.urlopen(f"{base_url}/models", timeout=5) as response:
            payload = json.load(response)
    except (OSError, ValueError):
        return None
    data = payload.get("data") if isinstance(payload, dict) else None
    return str(data[0]["id"]) if data else None


def _log_tail(path: Path, start: int, lines: int = 3) -> str:
    try:
        with path.open("rb") as file:
            file.seek(start)
            text = file.read().decode("utf-8", errors="replace")
    except OSError:
        return ""
    kept = [line.strip() for line in text.splitlines() if line.strip()]
    return " | ".join(kept[-lines:])


class LocalServer:
    """A running llama.cpp server for one GGUF; a context manager that always stops it."""

    def __init__(
        self,
        model_path: Path,
        *,
        alias: str,
        log_path: Path,
        threads: int | None = None,
        n_ctx: int = N_CTX,
        ready_timeout: float = READY_TIMEOUT_S,
    ) -> None:
        self.model_path = model_path
        self.alias = alias
        self.log_path = log_path
        self.threads = threads or available_cores()
        self.n_ctx = n_ctx
        self.ready_timeout = ready_timeout
        self.base_url = ""
        self.startup_seconds = 0.0
        self.process: subprocess.Popen[bytes] | None = None

    def command(self, port: int) -> list[str]:
        return [
            sys.executable, "-m", "llama_cpp.server",
            "--model", str(self.model_path),
            "--model_alias", self.alias,
            "--host", "127.0.0.1",
            "--port", str(port),
            "--n_ctx", str(self.n_ctx),
            "--n_threads", str(self.threads),
            "--n_threads_batch", str(self.threads),
        ]  # fmt: skip

    def start(self) -> str:
        """Start the server and wait until it answers; its base URL."""
        env = _server_environment()
        try:
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
            log = self.log_path.open("ab")
        except OSError as exc:
            raise ConfigError(
                f"{self.log_path}: cannot write the server log ({exc.strerror})",
                "pass a writable --out",
            ) from None
        with log:
            for _ in range(_START_ATTEMPTS):
                if self._start_once(log, env):
                    return self.base_url
        raise BackendError(
            f"llama.cpp server could not bind a free port in {_START_ATTEMPTS} attempts",
            f"see {self.log_path}",
        )

    def _start_once(self, log: IO[bytes], env: dict[str, str]) -> bool:
        port = _free_port()
        base_url = f"http://127.0.0.1:{port}/v1"
        command = self.command(port)
        log_start = log.tell()
        log.write(f"$ {' '.join(command)}\n".encode())
        log.flush()
        started = time.monotonic()
        self.process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            preexec_fn=parent_death_hook(),  # the hook only calls prctl
        )
        try:
            while _served_model(base_url) is None:
                code = self.process.poll()
                if code is not None:
                    tail = _log_tail(self.log_path, log_start)
                    if "address already in use" in tail.lower():
                        return False
                    raise BackendError(
                        f"llama.cpp server exited with code {code} while loading "
                        f"{self.model_path.name}: {tail[-300:]}",
                        f"see {self.log_path}",
                    )
                if time.monotonic() - started > self.ready_timeout:
                    raise BackendError(
                        f"llama.cpp server did not answer within {self.ready_timeout:.0f} s",
                        f"see {self.log_path}",
                    )
                time.sleep(_POLL_S)
        except BaseException:
            self.stop()
            raise
        self.base_url = base_url
        self.startup_seconds = time.monotonic() - started
        return True

    def stop(self) -> None:
        """Terminate the server, then kill it if it does not exit in time; safe to call twice.

        The kill sits in a `finally`, so a second Ctrl-C or SIGTERM arriving while the server
        winds down (it first finishes the request it is generating) cannot leave it running.
        """
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        try:
            process.terminate()
            process.wait(timeout=_STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            pass
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()

    def __enter__(self) -> LocalServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
