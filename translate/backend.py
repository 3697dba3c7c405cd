"""The narrow interface between the shared translation engine and an inference library.

The engine (normalization, long-input splitting, tokenization, length-sorted token-budget
batching, order restoration, detokenization, signatures) is the same for every backend; a
backend only turns batches of source token ids into target token ids. Keeping it this narrow
is what lets the transformers and CTranslate2 paths give the same outputs on the same model.
"""

from __future__ import annotations

from collections.abc import Sequence
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
        max_new_tokens: int | Sequence[int],
        min_new_tokens: int = 0,
    ) -> list[Generated]:
        """Translate one batch of source id sequences (each ending with EOS), in order.

        ``max_new_tokens``: one bound for the batch, or one per sequence (the engine passes
        ``--max-length-factor`` x its source length). Each output is decoded as if alone
        under its own bound: at most that many tokens (EOS counted), and an output stopped
        there has no EOS and its score covers the tokens it has.
        """
        ...


def per_example(max_new_tokens: int | Sequence[int], n: int) -> list[int]:
    """``max_new_tokens`` as one bound per sequence of a batch of ``n``."""
    if isinstance(max_new_tokens, int):
        return [max_new_tokens] * n
    bounds = [int(b) for b in max_new_tokens]
    if len(bounds) != n:
        raise ValueError(f"{len(bounds)} bounds for a batch of {n} sequences")
    return bounds
