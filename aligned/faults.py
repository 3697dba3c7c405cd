"""Crash points: a test hook that kills this process with SIGKILL at a named place.

This is for the fault-injection tests (``tests/test_faults.py``), not for users. Code that
writes durable state calls :func:`crash_point` at the places where a crash would be the most
damaging (inside an open transaction, between a commit and the next step, half-way through an
export file, just before a temp file is renamed). With no test variable set, the first call reads
the environment once and every call after that returns at once.

Environment (read once per process, on the first crash point reached):

``SONGNGU_TEST_CRASH_AT=NAME:N``
    Send SIGKILL to this process the N-th time (1-based) crash point ``NAME`` is reached, as
    ``kill -9`` from outside would: no ``finally`` block, no ``atexit``, no flush runs.
``SONGNGU_TEST_CRASH_COUNT=PATH``
    Write ``{NAME: times reached}`` as JSON to ``PATH`` after every hit, so a test can run the
    job once and learn which (point, N) pairs exist before it picks some to kill at.

A malformed value is a :class:`~corpus.errors.ConfigError` naming the variable. The points are
listed in :data:`CRASH_POINTS`; :func:`crash_every` puts a point after every ``every`` items of
a stream (export rows) without touching the stream when the hook is off.

How the tests use it: one uninterrupted run with ``SONGNGU_TEST_CRASH_COUNT`` is the reference
and says how often each point is reached; 20 (point, N) pairs are drawn from those with a seeded
``random.Random``; for each, ``python -m aligned run`` runs with ``SONGNGU_TEST_CRASH_AT`` and
must die by SIGKILL, what it left is checked against where the point is, and the same command
run again must give the reference's store content and byte-identical exports.
"""

from __future__ import annotations

import json
import os
import signal
from collections import Counter
from collections.abc import Iterable, Iterator
from typing import TypeVar

from corpus.errors import ConfigError

CRASH_AT_ENV = "SONGNGU_TEST_CRASH_AT"
CRASH_COUNT_ENV = "SONGNGU_TEST_CRASH_COUNT"

#: Every crash point, with where it is. ``export.<format>`` points are reached once per
#: :data:`EXPORT_ROWS` rows written, so only in files that have that many.
CRASH_POINTS: dict[str, str] = {
    "store.lock": "the store's writer lock just taken and its PID written, nothing else done",
    "store.migrate": "each schema migration step (a new store runs all), in its transaction",
    "store.document": "after each document is written, inside add_documents' transaction",
    "store.translation": "after each text's translations are written, inside the batch's "
    "transaction",
    "store.review": "after review decisions are inserted (one decision, or an import's "
    "accepts), inside their transaction",
    "store.history": "after human work of a removed segment is copied to history, inside "
    "add_documents' transaction",
    "run.batch": "a batch translated by the model, before its transaction",
    "run.committed": "right after a batch's transaction committed",
    "export.tmx": "every EXPORT_ROWS rows of corpus.tmx, mid-write",
    "export.tsv": "every EXPORT_ROWS rows of corpus.tsv, mid-write",
    "export.moses": "every EXPORT_ROWS rows of corpus.vi + corpus.en, mid-write",
    "export.jsonl": "every EXPORT_ROWS rows of corpus.jsonl, mid-write",
    "output.open": "an output's temp file just created, nothing written yet",
    "output.rename": "an output's temp file written and synced, before the rename",
    "report.render": "rendering report.html, its temp file open",
}
EXPORT_ROWS = 16

T = TypeVar("T")

_armed: bool | None = None  # None: environment not read yet
_target: tuple[str, int] | None = None
_count_path: str | None = None
_hits: Counter[str] = Counter()


def _load() -> bool:
    """Read the environment once; return whether any hook is on."""
    global _armed, _target, _count_path
    target = None
    value = os.environ.get(CRASH_AT_ENV, "")
    if value:
        name, sep, n = value.rpartition(":")
        if not sep or not name or not n.isdigit() or int(n) < 1:
            raise ConfigError(
                f"{CRASH_AT_ENV}={value!r} is not NAME:N (a crash point name and a count from "
                f"1, e.g. run.committed:2); it is a test hook, unset it for normal use"
            )
        if name not in CRASH_POINTS:
            raise ConfigError(
                f"{CRASH_AT_ENV}={value!r} names no crash point; known: "
                f"{', '.join(sorted(CRASH_POINTS))}"
            )
        target = (name, int(n))
    _target = target
    _count_path = os.environ.get(CRASH_COUNT_ENV) or None
    _hits.clear()
    _armed = target is not None or _count_path is not None
    return _armed


def reset() -> None:
    """Forget what was read from the environment (tests that change it in-process)."""
    global _armed
    _armed = None


def enabled() -> bool:
    """Whether a crash-point hook is on in this process."""
    return _load() if _armed is None else _armed


def crash_point(name: str) -> None:
    """Mark crash point ``name`` (one of :data:`CRASH_POINTS`); see the module docstring."""
    if _armed is False or (_armed is None and not _load()):
        return
    _hits[name] += 1
    if _count_path is not None:
        with open(_count_path, "w", encoding="utf-8") as fh:
            json.dump(dict(sorted(_hits.items())), fh)
    if _target is not None and _target == (name, _hits[name]):
        os.kill(os.getpid(), signal.SIGKILL)


def crash_every(items: Iterable[T], name: str, every: int = EXPORT_ROWS) -> Iterable[T]:
    """``items`` with crash point ``name`` after every ``every`` of them (``items`` itself when
    no hook is on, so a normal run pays nothing per item)."""
    if not enabled():
        return items
    return _counted(items, name, every)


def _counted(items: Iterable[T], name: str, every: int) -> Iterator[T]:
    for i, item in enumerate(items, 1):
        yield item
        if i % every == 0:
            crash_point(name)
