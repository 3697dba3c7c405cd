"""Reference-free checks on real MT output: flag rates, length-ratio calibration, speed.

Data: the two public OPUS-MT vi→en systems' outputs in ``shared/data/*/systems`` (NTREX-128
dev, FLORES-200 dev and devtest), line-aligned with ``dev.vi``. These outputs are mostly fine,
so the share of lines a check flags is an **upper bound on its false-positive rate** (some
flags are true errors: see ``--show``).

It also recomputes the ``length-ratio`` thresholds: the 0.5 % and 99.5 % quantiles of
log(len(output) / len(source)) over every pair whose source has at least
``aligned.checks.LENGTH_MIN_CHARS`` characters, rounded outwards to 0.05, and compares them
with the constants in ``aligned/checks.py``.

    .venv/bin/python benchmarks/checks.py            # rates + calibration
    .venv/bin/python benchmarks/checks.py --show 5   # and 5 flagged examples per check
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aligned import checks
from tests.shared_data import DATA

SETS = ("ntrex128", "flores200-dev", "flores200-devtest")
SYSTEMS = ("opus-2020-09-10", "opus+bt-2021-04-30")
LOW_Q, HIGH_Q = 0.005, 0.995


def read(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def quantile(values: list[float], q: float) -> float:
    """Linear-interpolation quantile (numpy's default) of sorted ``values``."""
    pos = q * (len(values) - 1)
    lo = math.floor(pos)
    hi = min(lo + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (pos - lo)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--show", type=int, default=0, metavar="N", help="examples per check")
    args = parser.parse_args()

    pairs: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for name in SETS:
        src = read(DATA / name / "dev.vi")
        for system in SYSTEMS:
            hyp = read(DATA / name / "systems" / f"{system}.en")
            assert len(hyp) == len(src), (name, system)
            pairs[(name, system)] = list(zip(src, hyp, strict=True))

    # -- length-ratio calibration --
    ratios = sorted(
        math.log(len(h) / len(s))
        for rows in pairs.values()
        for s, h in rows
        if len(s) >= checks.LENGTH_MIN_CHARS and h
    )
    low, high = quantile(ratios, LOW_Q), quantile(ratios, HIGH_Q)
    low_r, high_r = math.floor(low / 0.05) * 0.05, math.ceil(high / 0.05) * 0.05
    print(
        f"length-ratio calibration: {len(ratios)} pairs with source >= "
        f"{checks.LENGTH_MIN_CHARS} chars; log ratio quantiles {LOW_Q:.1%} = {low:.3f}, "
        f"{HIGH_Q:.1%} = {high:.3f} -> rounded out to 0.05: [{low_r:.2f}, {high_r:.2f}]; "
        f"constants in aligned/checks.py: [{checks.LENGTH_RATIO_LOW:.2f}, "
        f"{checks.LENGTH_RATIO_HIGH:.2f}]"
        + (
            ""
            if (round(low_r, 2), round(high_r, 2))
            == (checks.LENGTH_RATIO_LOW, checks.LENGTH_RATIO_HIGH)
            else "  ** MISMATCH: update the constants **"
        )
    )

    # -- flag rates --
    print()
    short = {"ntrex128": "ntrex", "flores200-dev": "flores-dev", "flores200-devtest": "flores-test"}
    header = f"{'check':16}" + "".join(f"{short[n] + ' ' + s[:9]:>22}" for n, s in pairs)
    print("flagged lines (% of lines; an upper bound on the false-positive rate)")
    print(header)
    found: dict[tuple[str, str], list[tuple[int, checks.Flag, str, str]]] = {}
    total_pairs = 0
    began = time.perf_counter()
    counts: dict[tuple[str, str], Counter[str]] = {}
    for key, rows in pairs.items():
        c: Counter[str] = Counter()
        for i, (s, h) in enumerate(rows, start=1):
            for flag in checks.check_pair(s, h):
                c[flag.name] += 1
                found.setdefault((key[0], flag.name), []).append((i, flag, s, h))
        counts[key] = c
        total_pairs += len(rows)
    seconds = time.perf_counter() - began
    for name in (*checks.CHECKS, "any"):
        cells = []
        for key, rows in pairs.items():
            if name == "any":
                n = sum(1 for s, h in rows if checks.check_pair(s, h))
            else:
                n = counts[key][name]
            cells.append(f"{n:5d} {100 * n / len(rows):5.2f}%")
        print(f"{name:16}" + "".join(f"{c:>22}" for c in cells))
    print(f"lines per set: {', '.join(f'{n}: {len(pairs[(n, SYSTEMS[0])])}' for n in SETS)}")
    print(
        "(split is 0 here: these outputs carry no split information; it is read from the "
        "store's translations.split)"
    )
    print(f"\nspeed: {total_pairs} pairs in {seconds:.2f} s = {total_pairs / seconds:,.0f} pairs/s")

    if args.show:
        rng = random.Random(0)
        for (name, check), items in sorted(found.items()):
            print(f"\n== {check} on {name}: {len(items)} flags (both systems)")
            for i, flag, s, h in rng.sample(items, min(args.show, len(items))):
                print(f"  line {i}: {flag.name}={flag.value:g} {flag.detail}")
                print(f"    vi: {s[:160]}\n    en: {h[:160]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
