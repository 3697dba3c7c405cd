"""The ``--segment lines`` hot path, reference path against fast path on the same lines.

Measures, in one run and on the same text: cleaning (``clean_text_reference`` / ``clean_text``),
the ``--segment lines`` split (``_segment_texts(..., reference=True)`` / fast), the flagger
(``DocumentFlagger(reference=True)`` / fast) with language identification replaced by a
constant stub (it is the same call on both paths and is measured on its own), whole
``LineStream.blocks()`` passes, and ``paragraph_key`` per paragraph against ``paragraph_keys``.
Each figure is the best of ``--repeat`` runs; both paths' outputs are checked equal.

    python benchmarks/flags_block.py [--lines 100000] [--file FILE] [--repeat 3]

Without ``--file`` the text is ``benchmarks/scale_store.py``'s benchmark lines.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from corpus import flags, langid
from corpus.clean import clean_text, clean_text_reference
from corpus.model import RawDocument
from corpus.pipeline import LineStream, PipelineOptions, _segment_texts

T = TypeVar("T")


def best(fn: Callable[[], T], repeat: int) -> tuple[float, T]:
    times = []
    result: T
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return min(times), result


def row(name: str, ref: float, fast: float, lines: int) -> None:
    print(
        f"{name:28s} ref {ref:7.3f} s ({ref / lines * 1e6:6.1f} us/line)   "
        f"fast {fast:7.3f} s ({fast / lines * 1e6:6.1f} us/line)   x{ref / fast:5.1f}"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--lines", type=int, default=100_000)
    ap.add_argument("--file", type=Path)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    if args.file:
        text = args.file.read_text(encoding="utf-8")
    else:
        import benchmarks.scale_store as scale

        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "lines.txt"
            scale.write_lines(path, args.lines)
            text = path.read_text(encoding="utf-8")
    n = text.count("\n") or 1
    raw = RawDocument(id="d", source="d", text=text)
    options = PipelineOptions(segment="lines")
    print(f"{n} lines, {len(text)} characters, best of {args.repeat}")

    ref_t, ref_c = best(lambda: clean_text_reference(text), args.repeat)
    fast_t, fast_c = best(lambda: clean_text(text), args.repeat)
    assert (ref_c.text, ref_c.counts) == (fast_c.text, fast_c.counts)
    row("clean_text", ref_t, fast_t, n)

    ref_t, ref_p = best(lambda: _segment_texts(raw, options, reference=True), args.repeat)
    fast_t, fast_p = best(lambda: _segment_texts(raw, options), args.repeat)
    assert ref_p == fast_p
    row("_segment_texts (lines)", ref_t, fast_t, n)

    paragraphs = [[t for _, _, t, _ in para] for _, para in fast_p[0]]
    ids = [number for number, _ in fast_p[0]]
    real = langid.segment_flags
    langid.segment_flags = lambda ps: [[False] * len(p) for p in ps]
    try:

        def flag(reference: bool) -> object:
            flagger = flags.DocumentFlagger(reference=reference)
            return flagger.block(paragraphs, ids=ids), flagger.positional(), flagger._heading

        ref_t, ref_f = best(lambda: flag(True), args.repeat)
        fast_t, fast_f = best(lambda: flag(False), args.repeat)
        assert ref_f == fast_f
        row("DocumentFlagger.block -langid", ref_t, fast_t, n)

        def blocks(reference: bool) -> list[object]:
            return list(LineStream(raw, options, reference=reference).blocks())

        ref_t, ref_b = best(lambda: blocks(True), args.repeat)
        fast_t, fast_b = best(lambda: blocks(False), args.repeat)
        assert ref_b == fast_b
        row("LineStream.blocks -langid", ref_t, fast_t, n)
    finally:
        langid.segment_flags = real
    lang_t, _ = best(lambda: langid.segment_flags(paragraphs), 1)
    print(f"{'langid.segment_flags':28s} {lang_t:7.3f} s (not part of this path's work)")

    ref_t, ref_k = best(lambda: [flags.paragraph_key(p) for p in paragraphs], args.repeat)
    fast_t, fast_k = best(lambda: flags.paragraph_keys(paragraphs), args.repeat)
    assert ref_k == fast_k
    row("paragraph_key(s)", ref_t, fast_t, n)


if __name__ == "__main__":
    main()
