"""Length-sorted, token-budget batching: the main lever on translation speed.

Padding wastes compute, so sequences of similar length go together: sort by length, then fill
each batch while its *padded* size (longest sequence x batch size) stays within
``batch_tokens``. A sequence longer than the budget still gets a batch of its own (never
dropped). Callers translate batches in any order and put results back by index.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")


def make_batches(
    lengths: Sequence[int], batch_tokens: int, max_batch_size: int | None = None
) -> list[list[int]]:
    """Group indices of ``lengths`` into batches, longest first; every index appears once."""
    if batch_tokens < 1:
        raise ValueError(f"batch_tokens must be at least 1, got {batch_tokens}")
    if max_batch_size is not None and max_batch_size < 1:
        raise ValueError(f"max_batch_size must be at least 1 or None, got {max_batch_size}")
    # Stable sort: equal lengths keep input order, so batches are deterministic.
    order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
    batches: list[list[int]] = []
    current: list[int] = []
    longest = 0
    for i in order:
        n = max(1, lengths[i])
        width = max(longest, n)
        full = max_batch_size is not None and len(current) >= max_batch_size
        if current and (width * (len(current) + 1) > batch_tokens or full):
            batches.append(current)
            current, width = [], n
        current.append(i)
        longest = width
    if current:
        batches.append(current)
    return batches


def restore_order(batches: Sequence[Sequence[int]], results: Sequence[Sequence[T]]) -> list[T]:
    """Inverse of batching: ``results[b][k]`` belongs to input ``batches[b][k]``."""
    total = sum(len(b) for b in batches)
    out: list[T] = [None] * total  # type: ignore[list-item]  # every slot is filled below
    for batch, res in zip(batches, results, strict=True):
        if len(batch) != len(res):
            raise ValueError(f"batch of {len(batch)} inputs gave {len(res)} results")
        for i, r in zip(batch, res, strict=True):
            out[i] = r
    return out
