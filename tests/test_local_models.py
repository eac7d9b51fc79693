"""Packaged GGUF models: parts found through package metadata, assembled once, verified."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from enrich.cli import app
from enrich.errors import ConfigError
from enrich.local import models
from enrich.local.models import PackagedModel, assemble, resolve_model

PARTS = [b"GGUF" + b"a" * 1000, b"b" * 3000, b"c" * 17]


def _install_parts(site: Path, prefix: str, parts: list[bytes], version: str = "1.0") -> None:
    """Fake installed distributions: a dist-info with a RECORD listing data/partNN.bin."""
    for index, data in enumerate(parts, start=1):
        package = f"{prefix.replace('-', '_')}{index}"
        (site / package / "data").mkdir(parents=True)
        (site / package / "data" / f"part{index:02d}.bin").write_bytes(data)
        info = site / f"{package}-{version}.dist-info"
        info.mkdir()
        name = f"{prefix}{index}"
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
        (info / "RECORD").write_text(f"{package}/data/part{index:02d}.bin,,\n")


def _model(parts: list[bytes], prefix: str = "fake-model-part") -> PackagedModel:
    whole = b"".join(parts)
    return PackagedModel(
        name="fake", title="Fake", prefix=prefix, parts=len(parts), version="1.0",
        size=len(whole), sha256=hashlib.sha256(whole).hexdigest(), extra="fake",
    )  # fmt: skip


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "site"
    folder.mkdir()
    monkeypatch.syspath_prepend(str(folder))
    return folder


def test_assembles_parts_in_order_and_verifies(site: Path, tmp_path: Path) -> None:
    _install_parts(site, "fake-model-part", PARTS)
    path = assemble(_model(PARTS), tmp_path / "models")
    assert path.read_bytes() == b"".join(PARTS)
    assert not list((tmp_path / "models").glob("*.partial"))


def test_second_use_trusts_the_verified_file_without_rereading_parts(
    site: Path, tmp_path: Path
) -> None:
    _install_parts(site, "fake-model-part", PARTS)
    first = assemble(_model(PARTS), tmp_path / "models")
    (site / "fake_model_part2" / "data" / "part02.bin").unlink()  # parts no longer needed
    assert assemble(_model(PARTS), tmp_path / "models") == first


def test_a_modified_file_is_rebuilt(site: Path, tmp_path: Path) -> None:
    _install_parts(site, "fake-model-part", PARTS)
    path = assemble(_model(PARTS), tmp_path / "models")
    path.write_bytes(b"GGUF tampered")
    assert assemble(_model(PARTS), tmp_path / "models").read_bytes() == b"".join(PARTS)


def test_missing_part_is_named(site: Path, tmp_path: Path) -> None:
    _install_parts(site, "fake-model-part", PARTS[:2])
    with pytest.raises(ConfigError) as caught:
        assemble(_model(PARTS), tmp_path / "models")
    assert "part 3 of 3 (fake-model-part3) is not installed" in str(caught.value)
    assert "pip install 'enrich[fake]'" in str(caught.value)


def test_wrong_hash_is_refused_and_leaves_no_file(site: Path, tmp_path: Path) -> None:
    _install_parts(site, "fake-model-part", [PARTS[0], b"X" * 3000, PARTS[2]])
    with pytest.raises(ConfigError) as caught:
        assemble(_model(PARTS), tmp_path / "models")
    assert "expected" in str(caught.value) and "sha256" in str(caught.value)
    assert list((tmp_path / "models").iterdir()) == []


def test_wrong_version_is_named(site: Path, tmp_path: Path) -> None:
    _install_parts(site, "fake-model-part", PARTS, version="2.0")
    with pytest.raises(ConfigError, match=r"is version 2\.0, expected 1\.0"):
        assemble(_model(PARTS), tmp_path / "models")


def test_parts_are_never_imported(site: Path, tmp_path: Path) -> None:
    _install_parts(site, "fake-model-part", PARTS)
    for index in range(1, 4):  # importing any part would raise
        (site / f"fake_model_part{index}" / "__init__.py").write_text("raise SystemExit(3)\n")
    assert assemble(_model(PARTS), tmp_path / "models").is_file()


def test_resolve_prefers_gguf_flag_then_env_then_name(
    site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _install_parts(site, "fake-model-part", PARTS)
    monkeypatch.setitem(models.PACKAGED_MODELS, "fake", _model(PARTS))
    gguf = tmp_path / "mine.gguf"
    gguf.write_bytes(b"GGUF" + b"\0" * 64)
    other = tmp_path / "other.gguf"
    other.write_bytes(b"GGUF" + b"\1" * 64)
    env = {"ENRICH_GGUF": str(other)}
    folder = tmp_path / "models"
    assert resolve_model(gguf=gguf, name="fake", models_dir=folder, env=env).path == gguf
    from_env = resolve_model(gguf=None, name="fake", models_dir=folder, env=env)
    assert (from_env.path, from_env.label) == (other, "other")
    packaged = resolve_model(gguf=None, name="fake", models_dir=folder, env={})
    assert packaged.label == "fake" and "Fake" in packaged.reason
    assert packaged.fingerprint != from_env.fingerprint


def test_resolve_refuses_a_file_that_is_not_gguf(tmp_path: Path) -> None:
    bad = tmp_path / "model.bin"
    bad.write_bytes(b"PK\3\4 not a model")
    with pytest.raises(ConfigError, match="not a GGUF file"):
        resolve_model(gguf=bad, name=None, models_dir=tmp_path, env={})


def test_cli_names_an_unknown_local_model_in_one_line(tmp_path: Path) -> None:
    listing = tmp_path / "papers.jsonl"
    listing.write_text(json.dumps({"title": "T", "abstract": "We propose X."}) + "\n")
    result = CliRunner().invoke(
        app,
        [str(listing), "--backend", "local", "--model", "nope", "--out", str(tmp_path / "o"),
         "--cache-dir", str(tmp_path / "cache")],
        env={"OPENAI_API_KEY": "", "ENRICH_GGUF": ""},
    )  # fmt: skip
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines()[-1].startswith("Error: unknown local model 'nope'")


def test_auto_never_chooses_local(tmp_path: Path) -> None:
    from enrich.config import resolve_settings

    settings = resolve_settings(env={"ENRICH_GGUF": str(tmp_path / "x.gguf")})
    assert settings.backend == "offline"


@pytest.mark.llama  # starts llama.cpp's server (the integration extra)
def test_a_gguf_the_server_cannot_load_is_one_line_naming_the_log(tmp_path: Path) -> None:
    listing = tmp_path / "papers.jsonl"
    listing.write_text(json.dumps({"title": "T", "abstract": "We propose X."}) + "\n")
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(b"GGUF" + b"\0" * 256)
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app,
        [str(listing), "--backend", "local", "--gguf", str(broken), "--out", str(out),
         "--cache-dir", str(tmp_path / "cache")],
        env={"OPENAI_API_KEY": "", "ENRICH_GGUF": ""},
    )  # fmt: skip
    lines = result.stderr.strip().splitlines()
    assert lines[1].startswith(f"backend: local · model broken · file {broken} — the GGUF given")
    assert lines[-1].startswith("Error: llama.cpp server exited with code")
    assert f"see {out / 'llama-server.log'}" in lines[-1]
    assert result.exit_code == 1
    assert "broken.gguf" in (out / "llama-server.log").read_text()
