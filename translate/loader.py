"""Resolve ``--model`` / ``--revision`` to a local model directory and a pinned revision.

A hub id goes through ``huggingface_hub.snapshot_download``: the local cache first, then a
download unless ``HF_HUB_OFFLINE=1``. The resolved revision (the snapshot's commit hash, or
``local:<hash of the model files>`` for a directory) goes into every hypothesis' signature,
so a translation can be reproduced and cached. Failures become one ``ModelError`` paragraph
that says what is missing and how to fix it -- never a traceback, never a long retry loop.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from corpus.errors import ConfigError, ModelError
from translate.defaults import DEFAULT_MODEL

# What MarianTokenizer + MarianMTModel need (and the CTranslate2 converter reads).
REQUIRED_FILES = ("config.json", "source.spm", "target.spm", "vocab.json")
WEIGHT_FILES = (
    "model.safetensors",
    "pytorch_model.bin",
    "model.safetensors.index.json",
    "pytorch_model.bin.index.json",
)
OPTIONAL_FILES = (
    "generation_config.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "target_vocab.json",
)
ALLOW_PATTERNS = [
    *REQUIRED_FILES,
    *OPTIONAL_FILES,
    "model.safetensors",
    "model-*.safetensors",
    "model.safetensors.index.json",
    "pytorch_model.bin",
]
# A fresh download with no network must fail in seconds, not minutes.
DEFAULT_HUB_TIMEOUT_S = 10.0


@dataclass(frozen=True, slots=True)
class ResolvedModel:
    """A model directory ready to load, and what to write in the signature."""

    path: Path
    model_id: str  # the hub id, or the directory's name for a local model
    revision: str  # hub commit hash, or "local:<12 hex>"
    from_hub: bool


def missing_files(path: Path) -> list[str]:
    """Required files absent from ``path`` (weights count as one: any of ``WEIGHT_FILES``)."""
    missing = [name for name in REQUIRED_FILES if not (path / name).is_file()]
    if not any((path / name).is_file() for name in WEIGHT_FILES):
        missing.append(" or ".join(WEIGHT_FILES))
    return missing


def local_revision(path: Path) -> str:
    """``local:`` + short sha256 over the model files' names, sizes and content hashes."""
    names = set(REQUIRED_FILES) | set(WEIGHT_FILES) | set(OPTIONAL_FILES) | {"model.bin"}
    files = sorted(
        p
        for p in path.iterdir()
        if p.is_file() and (p.name in names or p.name.endswith(".safetensors"))
    )
    total = hashlib.sha256()
    for p in files:
        content = hashlib.sha256()
        with p.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                content.update(block)
        total.update(f"{p.name}\0{p.stat().st_size}\0{content.hexdigest()}\n".encode())
    return "local:" + total.hexdigest()[:12]


def _offline() -> bool:
    return any(
        os.environ.get(var, "").strip().lower() in {"1", "on", "yes", "true"}
        for var in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")
    )


def _looks_like_path(model: str) -> bool:
    return (
        model.startswith((".", "/", "~", "\\"))
        or model.count("/") > 1
        or os.sep in model.replace("/", "")
    )


def resolve_model(
    model: str = DEFAULT_MODEL,
    revision: str | None = None,
) -> ResolvedModel:
    """Local directory or hub id -> ``ResolvedModel``; raises ``ModelError``/``ConfigError``.

    Every backend starts from the same checkpoint files (CTranslate2 converts them itself and
    caches the conversion), so one list of weight files (``WEIGHT_FILES``) serves them all.
    """
    if not model or not model.strip():
        raise ConfigError(f"--model is empty; pass a hub id (e.g. {DEFAULT_MODEL}) or a directory")
    local = Path(model).expanduser()
    if local.is_dir():
        if revision is not None:
            raise ConfigError(
                f"--revision {revision!r} applies to hub models only, but --model {model!r} "
                "is a local directory; drop --revision"
            )
        return _check_local(local)
    if _looks_like_path(model) or local.exists():
        raise ModelError(
            f"model directory {model!r} does not exist (or is not a directory); pass an "
            f"existing directory to --model, or a hub id such as {DEFAULT_MODEL}"
        )
    return _resolve_hub(model, revision)


def _check_local(path: Path) -> ResolvedModel:
    missing = missing_files(path)
    if missing:
        raise ModelError(
            f"model directory {str(path)!r} is missing {', '.join(missing)}; a MarianMT model "
            "directory needs config.json, source.spm, target.spm, vocab.json and the weights "
            f"(e.g. as saved by `hf download {DEFAULT_MODEL} --local-dir DIR`)"
        )
    try:
        revision = local_revision(path)
    except OSError as exc:
        raise ModelError(f"cannot read model directory {str(path)!r}: {exc}") from None
    return ResolvedModel(path=path, model_id=path.resolve().name, revision=revision, from_hub=False)


def _unavailable(model: str, revision: str | None, reason: str) -> ModelError:
    rev = revision or "main"
    download = f"hf download {model}" + (f" --revision {revision}" if revision else "")
    return ModelError(
        f"model {model!r} (revision {rev}) is not available: {reason}. Download it once with "
        f"`{download}` (older huggingface_hub: `huggingface-cli download {model}`) or run this "
        "command once while online; or point --model at a local directory that holds "
        "config.json, source.spm, target.spm, vocab.json and the weights. HF_HUB_OFFLINE=1 "
        "is honoured: with it set only the local cache (HF_HOME / HF_HUB_CACHE) is used."
    )


def _resolve_hub(model: str, revision: str | None) -> ResolvedModel:
    from huggingface_hub import constants, snapshot_download
    from huggingface_hub.errors import (
        GatedRepoError,
        HFValidationError,
        LocalEntryNotFoundError,
        RepositoryNotFoundError,
        RevisionNotFoundError,
    )

    patterns = [*ALLOW_PATTERNS, *(w for w in WEIGHT_FILES if w not in ALLOW_PATTERNS)]
    cache = constants.HF_HUB_CACHE
    try:
        timeout = float(os.environ.get("HF_HUB_ETAG_TIMEOUT") or DEFAULT_HUB_TIMEOUT_S)
    except ValueError:
        timeout = DEFAULT_HUB_TIMEOUT_S

    def attempt(local_only: bool) -> Path | None:
        try:
            path = snapshot_download(
                model,
                revision=revision,
                allow_patterns=patterns,
                local_files_only=local_only,
                etag_timeout=timeout,
            )
        except HFValidationError:
            raise ModelError(
                f"--model {model!r} is neither an existing directory nor a valid hub id "
                f"(like {DEFAULT_MODEL}); fix the path or the id"
            ) from None
        except GatedRepoError:
            raise ModelError(
                f"model {model!r} is gated on the Hugging Face Hub; accept its terms on "
                "huggingface.co and log in with `hf auth login`, or pass --model DIR"
            ) from None
        except RepositoryNotFoundError:
            raise ModelError(
                f"model {model!r} was not found on the Hugging Face Hub; check the id "
                f"(default {DEFAULT_MODEL}) or pass a local directory to --model"
            ) from None
        except RevisionNotFoundError:
            raise ModelError(
                f"revision {revision!r} of model {model!r} was not found on the Hugging Face "
                "Hub; pass an existing branch, tag or commit hash to --revision"
            ) from None
        except LocalEntryNotFoundError as exc:
            if local_only:
                return None
            raise _unavailable(model, revision, _short_reason(exc, cache)) from None
        except (OSError, ValueError) as exc:  # network, disk, HTTP errors
            if local_only:
                return None
            raise _unavailable(model, revision, _short_reason(exc, cache)) from None
        if not isinstance(path, (str, os.PathLike)):  # dry_run result; not used here
            return None
        p = Path(path)
        return p if not missing_files(p) else None

    found = attempt(local_only=True)
    if found is None:
        if _offline():
            raise _unavailable(
                model,
                revision,
                f"it is not in the local Hugging Face cache ({cache}) and HF_HUB_OFFLINE=1 "
                "forbids downloading",
            )
        found = attempt(local_only=False)
        if found is None:
            raise _unavailable(
                model, revision, f"the download into {cache} lacks required model files"
            )
    return ResolvedModel(path=found, model_id=model, revision=found.name, from_hub=True)


def _short_reason(exc: BaseException, cache: str) -> str:
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    first = lines[0].removeprefix("Got: ") if lines else type(exc).__name__
    if len(first) > 120:
        first = first[:117] + "..."
    return (
        f"it is not in the local Hugging Face cache ({cache}) and the Hub could not be "
        f"reached ({first})"
    )
