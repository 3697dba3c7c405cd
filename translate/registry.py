"""The registry of translation backends: one entry per inference library.

The CLI reads ``--backend``'s choices, default and help, ``--device``'s choices and
``--precision``'s help from here, and ``load_translator`` looks the loader up here, so adding a
backend is one module with a ``load_backend`` (see ``translate/backend.py`` for what it returns)
plus one line in :data:`BACKENDS`. Importing this module stays cheap: each backend module
imports its library (torch, ctranslate2) inside ``load_backend`` only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from corpus.errors import ConfigError
from translate import ct2, marian
from translate.backend import GenerationBackend
from translate.defaults import DEFAULT_BACKEND, DEFAULT_BATCH_TOKENS


class BackendLoader(Protocol):
    """What every backend module's ``load_backend`` takes: a resolved model directory, the id
    and revision it came from (for caches keyed by them) and the user's device options."""

    def __call__(
        self,
        model_dir: Path,
        *,
        model_id: str,
        revision: str,
        precision: str | None,
        device: str,
        threads: int | None,
    ) -> GenerationBackend: ...


@dataclass(frozen=True, slots=True)
class BackendInfo:
    """One backend: how to load it and what to tell users about it."""

    name: str
    help: str  # one line for --backend's help
    load: BackendLoader
    precisions: tuple[str, ...]  # what --precision may say (the hardware may allow fewer)
    devices: tuple[str, ...]  # what --device may say, "auto" first
    default_precision: Mapping[str, str]  # device -> precision without --precision
    batch_tokens: Mapping[str, int]  # device -> default --batch-tokens ("*": any device)
    precision_note: str = ""  # said after the precision list in --precision's help

    def default_batch_tokens(self, device: str) -> int:
        return self.batch_tokens.get(device, self.batch_tokens.get("*", DEFAULT_BATCH_TOKENS))


BACKENDS: dict[str, BackendInfo] = {
    b.name: b
    for b in (
        BackendInfo(
            name="ct2",
            help="CTranslate2: several times faster on CPU; the model is converted once and cached",
            load=ct2.load_backend,
            precisions=ct2.PRECISIONS,
            devices=ct2.DEVICES,
            default_precision=ct2.DEFAULT_PRECISION,
            batch_tokens={"cpu": ct2.CPU_BATCH_TOKENS, "cuda": ct2.GPU_BATCH_TOKENS},
            precision_note="whichever of them CTranslate2 supports on the device",
        ),
        BackendInfo(
            name="transformers",
            help="PyTorch MarianMTModel, the reference implementation",
            load=marian.load_backend,
            precisions=marian.PRECISIONS,
            devices=marian.DEVICES,
            default_precision=marian.DEFAULT_PRECISION,
            batch_tokens={"*": DEFAULT_BATCH_TOKENS},
            precision_note="int8 on CPU only",
        ),
    )
}


def get_backend(name: str) -> BackendInfo:
    """The backend called ``name``; ConfigError naming the known ones otherwise."""
    info = BACKENDS.get(name)
    if info is None:
        raise ConfigError(
            f"--backend {name!r} is not one of {', '.join(BACKENDS)}; the default is "
            f"{DEFAULT_BACKEND}"
        )
    return info


def all_devices() -> list[str]:
    """Every --device some backend takes, in registry order ("auto" first)."""
    seen: dict[str, None] = {}
    for info in BACKENDS.values():
        seen.update(dict.fromkeys(info.devices))
    return list(seen)


def backend_help() -> str:
    """--backend's help: one line per backend, the default marked."""
    return "; ".join(
        f"'{b.name}' ({b.help}{', default' if b.name == DEFAULT_BACKEND else ''})"
        for b in BACKENDS.values()
    )


def precision_help() -> str:
    """--precision's help: per backend, the defaults per device, then the other precisions."""
    parts = []
    for b in BACKENDS.values():
        devices_of: dict[str, list[str]] = {}
        for device, prec in b.default_precision.items():
            devices_of.setdefault(prec, []).append(device)
        named = [f"{p} ({', '.join(ds)} default)" for p, ds in devices_of.items()]
        rest = [p for p in b.precisions if p not in devices_of]
        note = f"; {b.precision_note}" if b.precision_note else ""
        parts.append(f"{b.name}: {', '.join(named + rest)}{note}")
    return (
        "; ".join(parts) + ". Only float32 reproduces the model's reference outputs exactly; "
        "int8 and 16-bit types are faster and may change a few translations"
    )


def batch_tokens_help() -> str:
    """--batch-tokens' default per backend and device."""
    parts = []
    for b in BACKENDS.values():
        for device, n in b.batch_tokens.items():
            parts.append(f"{n} for {b.name}" + ("" if device == "*" else f" on {device}"))
    return ", ".join(parts)
