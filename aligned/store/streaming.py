"""A streamed document's rows, made in a forked child while the store writes them.

Why: storing a ``--segment lines`` file is two sequential jobs of similar cost: making the
rows (cleaning, segmenting, flags, the n=0 segment uid, the paragraph key's hash) and writing
them to SQLite. On Linux a child forked for the document (it shares the text copy-on-write, no
copy) runs :meth:`~corpus.pipeline.LineStream.blocks` and sends each block's rows as compact
columns through a pipe while the parent writes the previous block; a pipe send waits for the
parent to take the message, so at most about two blocks are in flight. The parent keeps
everything that needs the database (uids already taken, all SQL).

The child's end: its last message carries the stream's positional flags, cleaning counts and
text digest. An exception in the child reaches the parent as the same exception (pickled; one
that cannot be pickled as a :class:`~corpus.errors.SongnguError` naming it); a child that dies
without a word is an error naming its exit status, never a hang; Ctrl-C is the parent's (the
child ignores SIGINT and is stopped by the parent, or by the kernel if the parent dies).

Where fork is unavailable, for a small document (< :data:`BACKGROUND_MIN_CHARS`) or when
``SONGNGU_STORE_BACKGROUND=0``, the same rows are made in-process (:func:`produce`):
identical results either way (``tests/test_store_streaming.py``).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import pickle
import signal
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from aligned.store.boilerplate import key_hash
from aligned.store.core import flags_str
from aligned.store.schema import segment_uid
from corpus.errors import SongnguError
from corpus.flags import paragraph_keys
from corpus.pipeline import LineBlock, LineStream

#: ``0``: make the rows in-process; ``1``: in a child whenever fork exists; unset: by size.
BACKGROUND_ENV = "SONGNGU_STORE_BACKGROUND"
#: Documents shorter than this (characters) are made in-process (a fork costs milliseconds).
BACKGROUND_MIN_CHARS = 1 << 20


@dataclass(slots=True)
class RowBlock:
    """One block's segments as columns, one paragraph a segment, with each paragraph's
    ``corpus.flags.paragraph_key`` (the child's share of the work; the uids and the keys'
    hashes are the parent's, which has the other core: see :meth:`uids`, :meth:`key_rows`)."""

    paras: list[int]
    starts: list[int]
    ends: list[int]
    texts: list[str]
    flags: list[str]
    keys: list[str]

    def uids(self, doc: str) -> list[str]:
        """Each segment's uid with n = 0 (``segment_uid``)."""
        return [segment_uid(doc, t) for t in self.texts]

    def key_rows(self, doc: str) -> list[tuple[str, int, int]]:
        """``boilerplate_paras`` rows (doc, para, hashed key) in key order, so that the inserts
        into the key index land near one another."""
        rows = [
            (doc, p, h)
            for p, k in zip(self.paras, self.keys, strict=True)
            if (h := key_hash(k)) is not None
        ]
        rows.sort(key=itemgetter(2))
        return rows


@dataclass(slots=True)
class StreamEnd:
    """What a full pass over the stream knows at its end."""

    positional: dict[int, str]
    cleaning: dict[str, int]
    digest: str


def row_block(block: LineBlock) -> RowBlock:
    """The columns of a block of a stream."""
    texts = block.texts
    return RowBlock(
        paras=block.paras,
        starts=block.starts,
        ends=block.ends,
        texts=texts,
        flags=list(map(flags_str, block.flags)),
        keys=paragraph_keys([[t] for t in texts]),
    )


def produce(stream: LineStream) -> Iterator[RowBlock | StreamEnd]:
    """The stream's blocks as :class:`RowBlock`, then its :class:`StreamEnd`."""
    from aligned.store.documents import text_digest  # (documents imports this module)

    for block in stream.line_blocks():
        yield row_block(block)
    cleaning = dict(stream.document.cleaning)
    yield StreamEnd(dict(stream.positional), cleaning, text_digest(stream.raw.text))


def use_background(stream: LineStream) -> bool:
    """Whether :func:`rows` makes this stream's rows in a child (see the module doc)."""
    setting = os.environ.get(BACKGROUND_ENV, "")
    if setting not in ("", "0", "1"):
        from corpus.errors import ConfigError

        raise ConfigError(
            f"{BACKGROUND_ENV}={setting!r} is not understood; use 1 (make a streamed "
            "document's rows in a child process), 0 (in this process) or leave it unset"
        )
    if setting == "0" or "fork" not in multiprocessing.get_all_start_methods():
        return False
    return setting == "1" or len(stream.raw.text) >= BACKGROUND_MIN_CHARS


class Rows:
    """The rows of ``stream``, in a child (:func:`use_background`, started here, so it works
    while the caller writes the document row) or in-process; iterate once, then
    :meth:`close` (or use ``with``: it stops a child still running)."""

    def __init__(self, stream: LineStream) -> None:
        self.stream = stream
        self.child: Any = None
        self.conn: Any = None
        if use_background(stream):
            ctx = multiprocessing.get_context("fork")
            self.conn, send = ctx.Pipe(duplex=False)
            self.child = ctx.Process(
                target=_child, args=(stream, send), name="songngu-rows", daemon=True
            )
            try:
                self.child.start()
            finally:
                send.close()  # the child's end only: its death closes the pipe (EOF here)

    def __iter__(self) -> Iterator[RowBlock | StreamEnd]:
        if self.child is None:
            return produce(self.stream)
        return self._received()

    def _received(self) -> Iterator[RowBlock | StreamEnd]:
        doc = self.stream.document.id
        while True:
            try:
                message = pickle.loads(self.conn.recv_bytes())
            except EOFError:
                self.child.join(5)
                raise SongnguError(
                    f"the process making the rows of {doc!r} stopped without a result (exit "
                    f"status {self.child.exitcode}); it may have been killed (out of memory?). "
                    f"Run again, or set {BACKGROUND_ENV}=0 to make them in this process"
                ) from None
            if message[0] == "error":
                _, exc, trace = message
                if exc is None:
                    raise SongnguError(
                        f"making the rows of {doc!r} failed in a child process:\n{trace}"
                    )
                exc.add_note(f"(raised in the child process making the rows)\n{trace}")
                raise exc
            item = message[1]
            yield item
            if isinstance(item, StreamEnd):
                self.child.join()
                return

    def close(self) -> None:
        """Stop the child if it still runs (after an error, or Ctrl-C, in the caller)."""
        child, self.child = self.child, None
        if child is None:
            return
        self.conn.close()
        if child.is_alive():
            child.terminate()
            child.join(5)
            if child.is_alive():
                child.kill()
                child.join()

    def __enter__(self) -> Rows:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _child(stream: LineStream, conn: Any) -> None:
    """The child's whole life: send every block, then the end (or the exception)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with_parent()
    _one_core()
    try:
        for item in produce(stream):
            conn.send_bytes(pickle.dumps(("item", item), pickle.HIGHEST_PROTOCOL))
    except BaseException as exc:  # every failure goes to the parent
        trace = traceback.format_exc()
        try:
            payload = pickle.dumps(("error", exc, trace), pickle.HIGHEST_PROTOCOL)
            pickle.loads(payload)
        except Exception:  # an exception that cannot travel: its text does
            payload = pickle.dumps(("error", None, trace), pickle.HIGHEST_PROTOCOL)
        with contextlib.suppress(OSError):  # the parent is gone
            conn.send_bytes(payload)
    finally:
        conn.close()


def _die_with_parent() -> None:
    """Ask Linux to stop this child if its parent dies (prctl PR_SET_PDEATHSIG)."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM, 0, 0, 0)  # PR_SET_PDEATHSIG = 1
    except (OSError, AttributeError):  # not Linux: the broken pipe ends it instead
        pass


def _one_core() -> None:
    """Keep the child to one core and its freed memory returned.

    Why: the parent writes SQLite on the other core. numpy's OpenBLAS (language
    identification's products) would start a thread per core and spin on the parent's core:
    1M lines used 24 s of CPU for 18 s of work; :mod:`threadpoolctl` caps every such pool at
    one thread. glibc raises its mmap threshold after each big free, so the per-block arrays
    then stay on the heap for good; fixing the threshold at 1 MB gives them back (1M lines:
    ~30 MB less).
    """
    import numpy  # noqa: F401 - loaded first: threadpoolctl caps the pools already loaded
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1)
    try:
        import ctypes

        ctypes.CDLL(None).mallopt(-3, 1 << 20)  # M_MMAP_THRESHOLD = -3 (glibc)
    except (OSError, AttributeError):  # another libc: its own policy
        pass
