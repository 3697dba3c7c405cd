"""Benchmark the exchange-format writers (and readers): pairs per second and peak memory.

Streams N generated pairs (default 1,000,000; Vietnamese and English sentences of news-like
lengths, built lazily from a fixed pool of words, never held in a list) through each writer
into a temp file, each format in a fresh subprocess so the peak RSS printed is that format's
own. The baseline, measured in the same run and the same way, is the bare cost of generating
the pairs and writing ``f"{vi}\\t{en}\\n"``; ratios are format time / baseline time. With
``--read`` each written file is also read back (in another fresh subprocess).

    .venv/bin/python benchmarks/export.py [--pairs 1000000] [--read] [--formats tsv,tmx,...]

Targets: TSV >= 50,000 pairs/s, TMX >= 20,000 pairs/s, peak RSS flat in N (compare two N).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aligned.formats import FORMATS, PairedFormat, get_format
from aligned.pairs import AlignedPair

_VI_WORDS = (
    "của và các có được cho trong là những người này với không đã một năm khi đến từ ngày "
    "Việt Nam Hà Nội thành phố Hồ Chí Minh chính phủ bộ trưởng kinh tế phát triển doanh nghiệp "
    "đầu tư tăng trưởng dự án xây dựng giao thông giáo dục học sinh bệnh viện y tế sức khỏe "
    "người dân công an điều tra vụ việc thông tin cho biết theo đó hiện nay tuy nhiên ngoài ra "
    "đồng tỷ triệu USD 2024 15% “an toàn” <tin> & quốc hội luật nghị định quy định tổ chức"
)
_EN_WORDS = (
    "the of and to in a is that for on was with said by it as from at have has are be will "
    "Vietnam Hanoi Ho Chi Minh City government minister economy development business investment "
    "growth project construction traffic education students hospital health people police "
    "investigation case information according however currently in addition million billion "
    'VND USD 2024 15% "safe" <news> & National Assembly law decree regulation organization'
)
POOL = 4096  # distinct sentence pairs, reused with distinct ids: generation stays cheap
SIGNATURE = "Helsinki-NLP/opus-mt-vi-en@main|transformers|fp32|beam4|max512|songngu 0.1.0"


def _pool(seed: int = 1) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    vi_words, en_words = _VI_WORDS.split(), _EN_WORDS.split()
    out = []
    for _ in range(POOL):
        n = max(3, min(80, int(rng.gauss(26, 11))))  # syllables per Vietnamese sentence
        vi = " ".join(rng.choices(vi_words, k=n)).capitalize() + "."
        en = " ".join(rng.choices(en_words, k=max(2, int(n * 0.8)))).capitalize() + "."
        out.append((vi, en))
    return out


def generate(n: int) -> Iterator[AlignedPair]:
    """``n`` pairs with every field set, made one at a time."""
    pool = _pool()
    for i in range(n):
        vi, en = pool[i % POOL]
        yield AlignedPair(
            source=vi,
            target=en,
            doc=f"doc{i // 300:06d}",
            para=i // 10 % 30 + 1,
            sent=i % 10 + 1,
            start=(i % 10) * 120,
            end=(i % 10) * 120 + len(vi),
            flags=("heading",) if i % 17 == 0 else (),
            signature=SIGNATURE,
            score=(i % 1000) / 1000,
            reviewed=i % 50 == 0,
        )


def _child(mode: str, fmt_name: str, n: int, path: Path) -> dict[str, float]:
    t0 = time.perf_counter()
    count = 0
    if mode == "write" and fmt_name == "baseline":
        with open(path, "w", encoding="utf-8", newline="\n") as f:
            for p in generate(n):
                f.write(f"{p.source}\t{p.target}\n")
                count += 1
    elif mode == "write":
        fmt = get_format(fmt_name)
        if isinstance(fmt, PairedFormat):
            vi_path, en_path = fmt.paths(path)
            with (
                open(vi_path, "w", encoding="utf-8", newline="\n") as vi,
                open(en_path, "w", encoding="utf-8", newline="\n") as en,
            ):
                count = fmt.write_pair_files(generate(n), vi, en).pairs
        else:
            with open(path, "w", encoding="utf-8", newline="\n") as f:
                count = fmt.write(generate(n), f).pairs
    else:
        fmt = get_format(fmt_name)
        if isinstance(fmt, PairedFormat):
            vi_path, en_path = fmt.paths(path)
            with open(vi_path, "rb") as vi, open(en_path, "rb") as en:
                count = sum(1 for _ in fmt.read_pair_files(vi, en, str(path)))
        else:
            with open(path, "rb") as f:
                count = sum(1 for _ in fmt.read(f, name=str(path)))
    seconds = time.perf_counter() - t0
    size = sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))
    return {
        "pairs": count,
        "seconds": seconds,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "mib": size / 2**20,
    }


def _run(mode: str, fmt_name: str, n: int, path: Path) -> dict[str, float]:
    cmd = [sys.executable, __file__, "--child", mode, fmt_name, str(n), str(path)]
    done = subprocess.run(cmd, check=True, capture_output=True, text=True)
    result: dict[str, float] = json.loads(done.stdout)
    return result


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pairs", type=int, default=1_000_000, help="pairs per format")
    ap.add_argument("--formats", default="tsv,tmx,jsonl,moses", help="comma-separated")
    ap.add_argument("--read", action="store_true", help="also time reading the files back")
    ap.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        mode, fmt_name, n, path = args.child
        print(json.dumps(_child(mode, fmt_name, int(n), Path(path))))
        return
    names = [f.strip() for f in args.formats.split(",") if f.strip()]
    for name in names:
        get_format(name)  # unknown names fail before any work
    print(f"export benchmark: {args.pairs:,} pairs, Python {sys.version.split()[0]}, "
          f"{os.cpu_count()} CPUs; each row a fresh process")  # fmt: skip
    print(f"{'':16}{'pairs/s':>12}{'seconds':>10}{'x baseline':>12}{'peak RSS':>12}{'size':>11}")
    with tempfile.TemporaryDirectory(prefix="songngu-bench-") as tmp:
        base = _run("write", "baseline", args.pairs, Path(tmp, "baseline.txt"))
        rows = [("baseline", base)]
        for name in names:
            suffix = "" if issubclass(FORMATS[name], PairedFormat) else f".{name}"
            path = Path(tmp, f"corpus-{name}{suffix}")
            rows.append((f"{name} write", _run("write", name, args.pairs, path)))
            if args.read:
                rows.append((f"{name} read", _run("read", name, args.pairs, path)))
            for p in Path(tmp).glob(f"corpus-{name}*"):
                p.unlink()  # keep the temp dir small
        for label, r in rows:
            rate = r["pairs"] / r["seconds"]
            print(
                f"{label:16}{rate:12,.0f}{r['seconds']:10.2f}"
                f"{r['seconds'] / base['seconds']:12.2f}{r['peak_rss_mib']:9.1f} MiB"
                f"{r['mib']:7.0f} MiB"
            )


if __name__ == "__main__":
    main()
