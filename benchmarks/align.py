"""Reference alignment accuracy: merge reference lines into paragraphs, re-split, re-align.

For each data set and document (``dev.docid``): the Vietnamese lines are the source segments,
one real OPUS-MT system output in ``systems/`` is the MT bridge, and the English reference
lines are joined into paragraphs (every K lines, or the whole document), split again with
:func:`aligned.align.split_sentences` and aligned. A source line counts as right when the
reference text aligned to it equals its own reference line (whitespace-normalized). The
Gale–Church figure (no MT) is the baseline, measured in the same run. ``s`` is the wall time
of both aligners for that row; chrF values are cached, so rows after the first of a data set
reuse most of them.

    .venv/bin/python benchmarks/align.py [--data ../shared/data] [--system NAME]
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from itertools import groupby
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aligned.align import align, split_sentences

SETS = ("ntrex128", "flores200-dev", "flores200-devtest")


def _norm(text: str) -> str:
    return " ".join(text.split())


def _read(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").split("\n")[:-1]


_END = re.compile(r"""[.!?…]["'”’)\]]*$""")


def paragraphs(lines: list[str], group: int | None) -> list[list[str]]:
    """Lines joined ``group`` at a time (None: all), except that a line without an end mark
    (a headline: NTREX has 74) stays a paragraph of its own, as a title does in a document."""
    out: list[list[str]] = []
    current: list[str] = []
    for line in lines:
        if not _END.search(line.strip()):
            if current:
                out.append(current)
            out.append([line])
            current = []
            continue
        current.append(line)
        if group is not None and len(current) == group:
            out.append(current)
            current = []
    if current:
        out.append(current)
    return out


def evaluate(
    vi: list[str], en: list[str], mt: list[str] | None, docid: list[str], group: int | None
) -> tuple[int, int, int]:
    """(right, total, pieces) for one data set; ``group`` lines per paragraph, None = whole doc."""
    right = total = pieces = 0
    index = list(range(len(vi)))
    for _, members in groupby(index, key=lambda k: docid[k]):
        lines = list(members)
        src = [vi[k] for k in lines]
        refs_lines = [en[k] for k in lines]
        sentences: list[str] = []
        for para in paragraphs(refs_lines, group):
            sentences.extend(split_sentences(" ".join(para)))
        pieces += len(sentences)
        bridge: list[str | None] | None = [mt[k] for k in lines] if mt is not None else None
        beads = align(src, sentences, bridge)
        got: dict[int, str] = {}
        for bead in beads:
            text = " ".join(sentences[j] for j in bead.ref)
            for i in bead.src:
                got[i] = text
        for i, line in enumerate(refs_lines):
            total += 1
            right += got.get(i) == _norm(line)
    return right, total, pieces


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    default_data = os.environ.get(
        "SONGNGU_SHARED_DATA", str(Path(__file__).parents[2] / "shared/data")
    )
    ap.add_argument("--data", default=default_data)
    ap.add_argument("--system", default="opus-2020-09-10", help="systems/NAME.en as the bridge")
    ap.add_argument("--groups", default="3,5,0", help="lines per paragraph; 0 = whole document")
    args = ap.parse_args()
    groups = [int(g) or None for g in args.groups.split(",")]
    print(f"bridge: systems/{args.system}.en; a pair is right when line i gets exactly line i")
    head = ("set", "paragraph", "lines", "pieces", "MT+chrF", "GC only", "s")
    print(f"{head[0]:<18} " + " ".join(f"{h:>9}" for h in head[1:]))
    totals = {"mt": [0, 0], "gc": [0, 0]}
    for name in SETS:
        d = Path(args.data) / name
        vi, en, docid = _read(d / "dev.vi"), _read(d / "dev.en"), _read(d / "dev.docid")
        mt = _read(d / "systems" / f"{args.system}.en")
        assert len(vi) == len(en) == len(docid) == len(mt), name
        for g in groups:
            t0 = time.perf_counter()
            r_mt, n, pieces = evaluate(vi, en, mt, docid, g)
            r_gc, _, _ = evaluate(vi, en, None, docid, g)
            dt = time.perf_counter() - t0
            totals["mt"][0] += r_mt
            totals["mt"][1] += n
            totals["gc"][0] += r_gc
            totals["gc"][1] += n
            label = f"{g} lines" if g else "document"
            print(
                f"{name:<18} {label:>9} {n:>9} {pieces:>9} {r_mt / n:>9.2%} {r_gc / n:>9.2%} "
                f"{dt:>9.1f}"
            )
    mt_r, mt_n = totals["mt"]
    gc_r, gc_n = totals["gc"]
    print(f"{'all':<18} {'':>9} {mt_n:>9} {'':>9} {mt_r / mt_n:>9.2%} {gc_r / gc_n:>9.2%}")


if __name__ == "__main__":
    main()
