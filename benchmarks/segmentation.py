"""Benchmark the Vietnamese sentence segmenter (corpus/segment.py) against the study's gold sets.

Prints boundary precision/recall/F1 on the seed gold (sentence-only and strict, i.e. with the
speaker-label boundaries) and on UD_Vietnamese-VTB dev detok (5-sentence paragraphs and one
running text), the tricky cases passed, and sentences per second on one core, with the regex
baseline of the study measured in the same run; and how fast ``corpus.readers`` reads a file of
one 2**20-character line, against a plain ``read_bytes().decode()`` of the same file in the same
run. A boundary is an interior segment end as an offset in whitespace-free text; paragraph ends
are given and not scored (study §2).

    .venv/bin/python benchmarks/segmentation.py [--shared ../shared] [--runs 7]
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
import time
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from corpus.clean import clean_text
from corpus.segment import Segmenter, Span
from tests.shared_data import SHARED

SEEDS = ("000_abbbb2874d62dfae", "003_31235d404d81b38e")
_NOT_WS = re.compile(r"\S")

# The study's plain regex baseline: split after .!?… and closing quotes when a capital, a digit
# or an opening quote follows the whitespace.
_UPPER = "".join(c for c in map(chr, [*range(0x41, 0x250), *range(0x1E00, 0x1F00)]) if c.isupper())
_BASELINE = re.compile(rf"[.!?…]+[\"”’'»)\]]*(?=\s+[{_UPPER}0-9“\"‘'«])")

Splitter = Callable[[list[str]], list[list[str]]]


def _texts(paragraphs: list[str], spans: list[list[Span]]) -> list[list[str]]:
    return [[p[s.start : s.end] for s in ps] for p, ps in zip(paragraphs, spans, strict=True)]


def _segmenter(paragraphs: list[str]) -> list[list[str]]:
    return _texts(paragraphs, Segmenter().split_document(paragraphs))


def _baseline(paragraphs: list[str]) -> list[list[str]]:
    out = []
    for p in paragraphs:
        segs, last = [], 0
        for m in _BASELINE.finditer(p):
            segs.append(p[last : m.end()].strip())
            last = m.end()
        segs.append(p[last:].strip())
        out.append([s for s in segs if s])
    return out


def _nonws_len(s: str) -> int:
    return len(_NOT_WS.findall(s))


def boundaries(paragraphs: Sequence[Sequence[str]], skip: Sequence[set[int]] = ()) -> set:
    """(paragraph, whitespace-free offset) of every interior segment end not in ``skip``."""
    out = set()
    for i, segs in enumerate(paragraphs):
        pos = 0
        for j, seg in enumerate(segs[:-1]):
            pos += _nonws_len(seg)
            if not (skip and j in skip[i]):
                out.add((i, pos))
    return out


def prf(gold: set, pred: set) -> tuple[float, float, float]:
    tp = len(gold & pred)
    p = tp / len(pred) if pred else 1.0
    r = tp / len(gold) if gold else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def _fmt(name: str, gold: set, pred: set) -> str:
    p, r, f = prf(gold, pred)
    return (
        f"  {name:<34} P {p:.3f}  R {r:.3f}  F1 {f:.3f}"
        f"  (gold {len(gold)}, found {len(pred)}, missed {len(gold - pred)},"
        f" false {len(pred - gold)})"
    )


def seed_report(shared: Path) -> list[str]:
    gold_dir = shared / "data" / "seeds-segmentation"
    lines = ["Seeds gold (cleaned with corpus.clean, one paragraph per non-blank line):"]
    gold_all: list[list[str]] = []
    gold_labels: list[set[int]] = []
    pred_all: list[list[str]] = []
    pred_labels: list[set[int]] = []
    base_all: list[list[str]] = []
    for seed in SEEDS:
        text = clean_text((shared / "seeds" / f"{seed}.txt").read_text(encoding="utf-8")).text
        paragraphs = [ln for ln in text.split("\n") if ln.strip()]
        gold_text = (gold_dir / f"{seed}.txt").read_text(encoding="utf-8")
        gold = [b.split("\n") for b in gold_text.strip("\n").split("\n\n")]
        with (gold_dir / f"{seed}.noise.tsv").open(encoding="utf-8") as f:
            labels = {
                r["segment"]
                for r in csv.DictReader(f, delimiter="\t")
                if r["category"] == "speaker-label"
            }
        assert len(gold) == len(paragraphs), (seed, len(gold), len(paragraphs))
        spans = Segmenter().split_document(paragraphs)
        gold_all += gold
        gold_labels += [{j for j, s in enumerate(g) if j == 0 and s in labels} for g in gold]
        pred_all += [
            [p[s.start : s.end] for s in ps] for p, ps in zip(paragraphs, spans, strict=True)
        ]
        pred_labels += [{j for j, s in enumerate(ps) if s.speaker} for ps in spans]
        base_all += _baseline(paragraphs)
    gold_sent = boundaries(gold_all, gold_labels)
    lines.append(_fmt("segmenter, sentence-only", gold_sent, boundaries(pred_all, pred_labels)))
    lines.append(_fmt("segmenter, strict (+labels)", boundaries(gold_all), boundaries(pred_all)))
    lines.append(_fmt("baseline, sentence-only", gold_sent, boundaries(base_all)))
    lines.append(_fmt("baseline, strict (+labels)", boundaries(gold_all), boundaries(base_all)))
    exact = sum(g == p for g, p in zip(gold_all, pred_all, strict=True))
    lines.append(f"  paragraphs exactly as gold: {exact} of {len(gold_all)}")
    return lines


def ud_sentences(shared: Path) -> list[str]:
    path = shared / "data" / "ud-vi-segmentation" / "dev.detok.txt"
    return [s for s in path.read_text(encoding="utf-8").split("\n") if s.strip()]


def ud_report(sentences: list[str]) -> list[str]:
    paras = [sentences[i : i + 5] for i in range(0, len(sentences), 5)]
    para_text = [" ".join(p) for p in paras]
    running = [" ".join(sentences)]
    lines = ["UD_Vietnamese-VTB dev detok (segmenter alone, no cleaning):"]
    for name, split in (("segmenter", _segmenter), ("baseline", _baseline)):
        lines.append(
            _fmt(f"{name}, 5-sentence paragraphs", boundaries(paras), boundaries(split(para_text)))
        )
        lines.append(
            _fmt(f"{name}, running text", boundaries([sentences]), boundaries(split(running)))
        )
    return lines


def tricky_report(shared: Path) -> list[str]:
    passed, failed = 0, []
    path = shared / "data" / "seeds-segmentation" / "tricky-cases.jsonl"
    for line in path.read_text(encoding="utf-8").splitlines():
        case = json.loads(line)
        if "input_paragraphs" in case:
            paras = [clean_text(p).text for p in case["input_paragraphs"]]
            expected = case["expected_per_paragraph"]
        else:
            paras = [clean_text(case["input"]).text]
            expected = [case["expected"]]
        got = _segmenter(paras)
        if got == expected:
            passed += 1
        else:
            failed.append(case["id"])
    total = passed + len(failed)
    out = [f"Tricky cases (cleaner then segmenter): {passed} of {total} passed"]
    if failed:
        out.append("  failed: " + ", ".join(failed))
    return out


def _best(fn: Callable[[], object], runs: int) -> float:
    best = float("inf")
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def speed_report(sentences: list[str], runs: int) -> list[str]:
    paras = [" ".join(sentences[i : i + 5]) for i in range(0, len(sentences), 5)]
    running = [" ".join(sentences)]
    n = len(sentences)
    lines = [f"Speed, one core, {n} UD dev sentences, best of {runs} runs:"]
    rates = {}
    for name, split in (("segmenter", _segmenter), ("baseline", _baseline)):
        for mode, data in (("paragraphs", paras), ("running", running)):
            t = _best(partial(split, data), runs)
            rates[name, mode] = n / t
            lines.append(
                f"  {name:<10} {mode:<10} {n / t:>10,.0f} sentences/s  ({t * 1e3:.2f} ms,"
                f" {t * 1e6 / n:.1f} µs/sentence)"
            )
    for mode in ("paragraphs", "running"):
        ratio = rates["baseline", mode] / rates["segmenter", mode]
        lines.append(f"  baseline/segmenter speed ratio, {mode}: {ratio:.2f}x")
    return lines


def reader_report(runs: int) -> list[str]:
    """``read_sources`` on a file of one 2**20-character line (the reader must not go quadratic on
    long lines) against the floor: reading and decoding the same bytes with nothing else."""
    import tempfile

    from corpus.readers import read_sources

    line = ("Hà Nội đón mùa thu với không khí se lạnh, " * 30000)[: 1 << 20]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.txt"
        path.write_text(line, encoding="utf-8")
        size = path.stat().st_size / 1e6
        reader = _best(lambda: list(read_sources([str(path)])), runs)
        floor = _best(lambda: path.read_bytes().decode("utf-8"), runs)
    return [
        f"Reading a file of one {len(line):,}-character line ({size:.2f} MB), best of {runs} runs:",
        f"  corpus.readers.read_sources  {reader * 1e3:8.2f} ms  ({size / reader:,.0f} MB/s)",
        f"  read_bytes().decode()        {floor * 1e3:8.2f} ms  ({size / floor:,.0f} MB/s)",
        f"  reader/plain-decode time ratio: {reader / floor:.1f}x",
    ]


def _gold_noise(shared: Path, seed: str) -> dict[str, str]:
    path = shared / "data" / "seeds-segmentation" / f"{seed}.noise.tsv"
    with path.open(encoding="utf-8") as f:
        rows = csv.DictReader(f, delimiter="\t")
        return {r["segment"]: r["category"] for r in rows if r["category"] != "whitespace-only"}


def _score_flags(
    shared: Path, name: str, docs: list[tuple[str, list[tuple[str, tuple[str, ...]]]]]
) -> list[str]:
    """``docs``: (seed, [(segment text, flags)]) -> accuracy lines against the gold noise."""
    right = total = flagged_content = content = 0
    wrong: list[str] = []
    for seed, segments in docs:
        noise = _gold_noise(shared, seed)
        for text, flags in segments:
            if text in noise:
                total += 1
                if noise[text] in flags:
                    right += 1
                else:
                    wrong.append(f"{text[:40]!r}: {flags} (gold {noise[text]})")
            else:
                content += 1
                if flags:
                    flagged_content += 1
                    wrong.append(f"{text[:40]!r}: {flags} (gold content)")
    lines = [
        f"  {name}: {right} of {total} noise/label segments carry the gold category;"
        f" {flagged_content} of {content} content segments flagged"
    ]
    return lines + [f"    {w}" for w in wrong[:15]]


def noise_report(shared: Path) -> list[str]:
    """Noise-flag accuracy on the seeds: through corpus.pipeline, and segmenter + corpus.flags."""
    lines = ["Noise flags on the seeds (gold: seeds-segmentation/*.noise.tsv):"]
    try:
        from corpus.model import RawDocument
        from corpus.pipeline import process_document
    except ImportError:
        lines.append("  corpus.pipeline.process_document does not exist yet: not measured.")
    else:
        docs = []
        for seed in SEEDS:
            src = shared / "seeds" / f"{seed}.txt"
            doc = process_document(RawDocument(seed, str(src), src.read_text(encoding="utf-8")))
            docs.append((seed, [(s.text, tuple(s.flags)) for s in doc.segments]))
        lines += _score_flags(shared, "corpus.pipeline.process_document", docs)
    try:
        from corpus.flags import flag_document
    except ImportError:
        lines.append("  corpus.flags.flag_document does not exist yet: not measured.")
        return lines
    docs = []
    for seed in SEEDS:
        text = clean_text((shared / "seeds" / f"{seed}.txt").read_text(encoding="utf-8")).text
        paragraphs = [ln for ln in text.split("\n") if ln.strip()]
        spans = Segmenter().split_document(paragraphs)
        texts = _texts(paragraphs, spans)
        speaker = [[s.speaker for s in ps] for ps in spans]
        flags = flag_document(texts, speaker)
        docs.append(
            (
                seed,
                [
                    (t, tuple(f))
                    for ts, fs in zip(texts, flags, strict=True)
                    for t, f in zip(ts, fs, strict=True)
                ],
            )
        )
    lines += _score_flags(shared, "segmenter + corpus.flags.flag_document", docs)
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--shared", type=Path, default=SHARED, help="shared data folder (default: %(default)s)"
    )
    parser.add_argument("--runs", type=int, default=7, help="timing runs (best is reported)")
    args = parser.parse_args(argv)
    sentences = ud_sentences(args.shared)
    report = [
        *seed_report(args.shared),
        *ud_report(sentences),
        *tricky_report(args.shared),
        *speed_report(sentences, args.runs),
        *reader_report(args.runs),
        *noise_report(args.shared),
    ]
    print("\n".join(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
