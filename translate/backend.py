"""The narrow interface between the shared translation engine and an inference library.

The engine (normalization, long-input splitting, tokenization, length-sorted token-budget
batching, order restoration, detokenization, signatures) is the same for every backend; a
backend only turns batches of source token ids into target token ids. Keeping it this narrow
is what lets the transformers and CTranslate2 paths give the same outputs on the same model.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Generated:
    """Target token ids of one hypothesis (no BOS, EOS or padding) and its model score."""

    ids: list[int]
    score: float | None


class GenerationBackend(Protocol):
    name: str  # its name in translate.registry.BACKENDS ("ct2", "transformers")
    precision: str  # e.g. "float32", "int8", "bfloat16"
    preferred_batch_tokens: int  # the engine's default token budget per call (measured)

    def generate(
        self,
        batch: list[list[int]],
        *,
        beam: int,
        max_new_tokens: int,
        min_new_tokens: int = 0,
    ) -> list[Generated]:
        """Translate one batch of source id sequences (each ending with EOS), in order."""
        ...
