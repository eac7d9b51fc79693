"""The provider seam: a registry of built-ins and entry points, key variables, list prices.

A provider is one module. Here a third-party one ("acme": its own key variable, endpoint and
prices, an in-process transport) is installed as an entry point into a throwaway folder on
sys.path, and the real CLI runs the sample corpus through it.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from enrich import providers
from enrich.cli import app
from enrich.config import resolve_settings
from enrich.errors import ConfigError
from enrich.providers.base import Provider, Reply, error_parts, reply_from_json

runner = CliRunner()

ACME_MODULE = """
import json
from enrich.providers.base import Connection, Provider, Reply, StatusError

SEEN = []


class Transport:
    def __init__(self, connection):
        self.connection = connection

    async def chat(self, body):
        SEEN.append((self.connection.api_key, body["model"]))
        if self.connection.api_key == "bad":
            raise StatusError(401, reason="Unauthorized", message="bad key")
        answer = {"summary": "A paper.", "methods": [], "tasks": [], "datasets": [],
                  "metrics": [], "gains": []}
        return Reply(json.dumps(answer), "stop", None, 100, 20)

    async def close(self):
        pass


PROVIDER = Provider(
    name="acme",
    summary="Acme's hosted models",
    key_variable="ACME_API_KEY",
    connect=Transport,
    endpoint="https://api.acme.test/v1",
    prices={"acme-1": (1.0, 2.0)},
)
"""


@pytest.fixture
def acme(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An installed package `acme_provider` declaring the entry point, as pip would leave it."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "acme_provider.py").write_text(ACME_MODULE)
    info = site / "acme_provider-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-provider\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(
        textwrap.dedent("""\
            [enrich.providers]
            acme = acme_provider:PROVIDER
        """)
    )
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.setattr(providers, "_registry", dict(providers._registry))
    return site


def test_built_in_providers_and_unknown_names() -> None:
    assert {"openai", "server"} <= set(providers.names())
    assert providers.get("openai").key_variable == "OPENAI_API_KEY"
    assert providers.get("server").endpoint is None  # a self-hosted server has no default
    with pytest.raises(ConfigError, match=r"unknown provider 'nope'.*openai, server"):
        providers.get("nope")


def test_the_provider_follows_the_base_url_and_flag_beats_environment() -> None:
    assert resolve_settings(env={"OPENAI_API_KEY": "k"}).provider == "openai"
    assert resolve_settings(env={"OPENAI_BASE_URL": "http://h/v1"}).provider == "server"
    env = {"OPENAI_BASE_URL": "http://h/v1", "ENRICH_PROVIDER": "openai"}
    assert resolve_settings(env=env).provider == "openai"
    assert resolve_settings(provider="server", env=env).provider == "server"


def test_list_prices_apply_only_at_the_providers_own_endpoint() -> None:
    openai = providers.get("openai")
    assert openai.cost_usd("https://api.openai.com/v1/", "gpt-4o-mini", 1_000_000, 0) == 0.15
    assert openai.cost_usd("http://127.0.0.1:8080/v1", "gpt-4o-mini", 1_000_000, 0) is None
    assert openai.cost_usd("https://api.openai.com/v1", "unknown-model", 10, 10) is None
    assert providers.cost_usd("https://api.openai.com/v1", "gpt-4o", 0, 1_000_000) == 10.0
    # the Batch API's price: half, where the provider publishes it; unknown where it does not
    batched = providers.cost_usd("https://api.openai.com/v1", "gpt-4o", 0, 1_000_000, batch=True)
    assert batched == 5.0
    server = providers.get("server")
    assert server.cost_usd("http://127.0.0.1:8080/v1", "m", 10, 10, batch=True) is None


def test_replies_and_error_bodies_of_any_shape() -> None:
    body = {
        "choices": [{"finish_reason": "length", "message": {"content": "{", "refusal": None}}],
        "usage": {"prompt_tokens": 7, "completion_tokens": None},
    }
    assert reply_from_json(body) == Reply("{", "length", None, 7, 0)
    assert reply_from_json({"choices": []}).has_choice is False
    assert reply_from_json({"choices": ["x"], "usage": "?"}).has_choice is False
    wrapped = {"error": {"message": "slow down"}}
    assert error_parts(wrapped) == ({"message": "slow down"}, "slow down")
    assert error_parts({"detail": "nope"}) == ({"detail": "nope"}, "")
    assert error_parts("Bad Gateway") == ("Bad Gateway", "Bad Gateway")


def test_a_provider_from_an_entry_point_runs_the_corpus(
    acme: Path, sample_corpus: Path, tmp_path: Path
) -> None:
    env = {"ACME_API_KEY": "acme-key", "OPENAI_API_KEY": "", "OPENAI_BASE_URL": ""}
    argv = [str(sample_corpus), "--provider", "acme", "--model", "acme-1", "--quiet",
            "--cache-dir", str(tmp_path / "cache"), "--out", str(tmp_path / "out")]  # fmt: skip
    result = runner.invoke(app, argv, env=env)
    assert result.exit_code == 0, result.output
    import acme_provider  # type: ignore[import-not-found]

    assert len(acme_provider.SEEN) == 134
    assert set(acme_provider.SEEN) == {("acme-key", "acme-1")}  # its key variable, its model
    run = json.loads((tmp_path / "out/run.json").read_text())
    assert run["endpoint"] == "https://api.acme.test/v1"
    assert run["cost_usd"] == pytest.approx(134 * (100 * 1.0 + 20 * 2.0) / 1_000_000)
    assert isinstance(providers.get("acme"), Provider)


def test_a_rejected_key_names_the_providers_key_variable(
    acme: Path, sample_corpus: Path, tmp_path: Path
) -> None:
    env = {"ACME_API_KEY": "bad", "OPENAI_API_KEY": "", "OPENAI_BASE_URL": ""}
    argv = [str(sample_corpus / "004_816b7048286ea66e.txt"), "--provider", "acme", "--quiet",
            "--no-cache", "--out", str(tmp_path / "out")]  # fmt: skip
    result = runner.invoke(app, argv, env=env)
    assert result.exit_code == 1
    assert "rejected by https://api.acme.test/v1 (401)" in result.stderr
    assert "check ACME_API_KEY" in result.stderr


def test_a_batch_run_is_costed_at_the_batch_price() -> None:
    from enrich.backends.base import Usage
    from enrich.outputs import run_summary
    from enrich.pipeline import RunStats

    stats = RunStats(papers=10, extracted=10, usage=Usage(2_000_000, 1_000_000))
    where = {"endpoint": "https://api.openai.com/v1", "model": "gpt-4o-mini"}
    realtime = run_summary(stats, {}, batch=False, **where).cost_usd
    batched = run_summary(stats, {}, batch=True, **where).cost_usd
    assert realtime == pytest.approx(2 * 0.15 + 0.60)
    assert batched == pytest.approx(realtime / 2)
