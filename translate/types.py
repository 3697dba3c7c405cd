"""What every translation backend takes and returns.

``translate/`` turns a list of Vietnamese sentences into English hypotheses; it knows nothing of
files or storage. Every hypothesis carries the ``Signature`` of the settings that produced it,
in the spirit of sacrebleu's signatures: the same signature and the same source text give the
same cache key, which the aligned store uses as its translation memory.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from typing import Protocol

from translate.defaults import DEFAULT_MAX_LENGTH_FACTOR


@dataclass(frozen=True, slots=True)
class Signature:
    """Every setting that can change an output, so a translation can be reproduced."""

    model: str  # hub id or local directory name
    revision: str  # resolved hub commit, or "local:<hash of the model files>"
    backend: str
    precision: str
    beam: int
    max_length: int
    version: str  # songngu version
    # Last, with a default, so that older call sites (positional) keep working.
    max_length_factor: float = DEFAULT_MAX_LENGTH_FACTOR  # new tokens <= factor x source tokens

    def __str__(self) -> str:
        # sacrebleu style: short keys, '|' separated, stable order.
        return (
            f"model:{self.model}|rev:{self.revision}|backend:{self.backend}"
            f"|prec:{self.precision}|beam:{self.beam}|maxlen:{self.max_length}"
            f"|lenfactor:{self.max_length_factor:g}|songngu:{self.version}"
        )

    def as_dict(self) -> dict[str, object]:
        return asdict(self)

    def cache_key(self, source: str) -> str:
        """Key of (this signature, this source text) in a translation memory."""
        h = hashlib.sha256()
        h.update(str(self).encode("utf-8"))
        h.update(b"\x00")
        h.update(source.encode("utf-8"))
        return h.hexdigest()


@dataclass(frozen=True, slots=True)
class Hypothesis:
    """One English translation of one source sentence."""

    text: str
    score: float | None  # model log-probability (length-normalized where the backend does so)
    src_tokens: int
    tgt_tokens: int
    signature: Signature
    split: bool = False  # the source was too long and was translated in parts, then rejoined
    parts: int = 1
    notes: tuple[str, ...] = field(default=())

    def as_dict(self) -> dict[str, object]:
        return {
            "text": self.text,
            "score": self.score,
            "src_tokens": self.src_tokens,
            "tgt_tokens": self.tgt_tokens,
            "split": self.split,
            "parts": self.parts,
            "notes": list(self.notes),
            "signature": str(self.signature),
        }


class Translator(Protocol):
    """A loaded model that translates Vietnamese sentences to English."""

    @property
    def signature(self) -> Signature: ...

    def translate(self, sentences: list[str]) -> list[Hypothesis]:
        """One hypothesis per input, in input order; empty input gives empty output."""
        ...
