"""The ``not-vietnamese`` flag of a block of segments: one text at a time vs. the batch path.

``corpus.langid.segment_flags`` used to count letters and call py3langid once per segment
(about 10 us of Python per segment, 300 us per text the model ranks); it now counts letters for
all segments at once over code-point tables and ranks the remaining texts with a vectorized
re-implementation of py3langid's ``rank``. This measures both on the same segments, in the same
run, and counts how many flags agree (they must all agree; ``tests/test_langid.py`` asserts it).

Segments: ``--lines`` one-line paragraphs of the ``benchmarks/scale_store.py`` kind (FLORES-200
Vietnamese sentences cut before 110 characters, numbered; about 8 % go to the model), then the
13,240 distinct lines of the shared parallel sets (Vietnamese sources, English references, MT
outputs; 9,124 go to the model). Issue 15's target for the 100,000 lines: <= 0.3 s.

    .venv/bin/python benchmarks/langid_batch.py [--lines 100000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.scale_store import write_lines
from corpus import langid
from tests.shared_data import DATA

Flags = list[list[bool]]


def shared_lines() -> list[str]:
    paths = [*sorted(DATA.glob("*/dev.vi")), *sorted(DATA.glob("*/dev.en"))]
    paths += sorted(DATA.glob("*/systems/*.en"))
    lines = (s for p in paths for line in p.read_text("utf-8").splitlines() if (s := line.strip()))
    return list(dict.fromkeys(lines))


def timed(
    fn: Callable[[Sequence[Sequence[str]]], Flags], paras: list[list[str]], n: int
) -> tuple[float, Flags]:
    best, result = float("inf"), list[list[bool]]()
    for _ in range(n):
        start = time.perf_counter()
        result = fn(paras)
        best = min(best, time.perf_counter() - start)
    return best, result


def compare(name: str, texts: list[str], repeat: int) -> None:
    paras = [[t] for t in texts]
    n_letters, n_alpha, n_vi = langid._letter_counts(texts)
    ranked = int(((n_letters >= langid.MIN_LETTERS) & ~langid._at_sight(n_alpha, n_vi)).sum())
    single, want = timed(langid.segment_flags_reference, paras, 1)
    batch, got = timed(langid.segment_flags, paras, repeat)
    agree = sum(g == w for g, w in zip(got, want, strict=True))
    flagged = sum(m for marks in got for m in marks)
    print(
        f"{name}: {len(texts):,} segments, {ranked:,} ranked by the model, {flagged:,} flagged\n"
        f"  one at a time {single:.3f} s, batch {batch:.3f} s (best of {repeat}), "
        f"{single / batch:.1f}x; flags agree on {agree:,} of {len(texts):,}"
    )
    model_texts = [t for t, m in zip(texts, n_letters.tolist(), strict=True) if m >= 15][:3000]
    probs = langid.vietnamese_probabilities(model_texts)
    pairs = zip(model_texts, probs, strict=True)
    diff = max(abs(p - langid.vietnamese_probability(t)) for t, p in pairs)
    print(f"  max |P(vi) batch - per text| on {len(model_texts):,} texts: {diff:.1e}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    langid._identifier()  # load the model (about 0.5 s) outside the timings
    langid.segment_flags([["warm up the code-point tables"]])
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "lines.txt"
        write_lines(path, args.lines)
        lines = path.read_text("utf-8").splitlines()
    compare(f"{args.lines:,} benchmark lines", lines, args.repeat)
    compare("shared parallel sets", shared_lines(), args.repeat)


if __name__ == "__main__":
    main()
