"""How ``songngu run`` scales: storing a million one-line segments, and what a run adds to
translation.

Part 1 (store): a file of ``--lines`` lines (default 1,000,000, ~142 bytes each: FLORES-200
Vietnamese sentences cut at a word before 110 characters, each made unique by its number) is
run through ``songngu run FILE --segment lines --no-translate -o OUT`` in a subprocess; its
wall time and peak RSS (``resource.getrusage(RUSAGE_CHILDREN)``) are measured. Baseline,
measured in the same run: the same rows (doc, para, sent, start, end, text, flags, uid) given to
a plain ``sqlite3`` ``executemany`` into a fresh store with the same schema, in one
transaction: what storing alone costs, without reading, cleaning, flagging and language
identification. Targets (issue 15): >= 50,000 segments/s and peak memory <= 500 MB: the peak
of the sum of the PSS of the run and the child it forks to make the rows (sampled from /proc
every 0.2 s; PSS counts the copy-on-write document text they share once); the parent's peak RSS
and the RSS sum are printed too. Other work on the machine (2 cores) slows the run: say so
with the figures.

Part 2 (run overhead): ``--sentences`` FLORES lines (default 2,000, or as many as the shared
data has) in documents of 50 lines, translated by the random-weight opus-mt-vi-en-sized model
(``benchmarks/_opus_arch.py``; CTranslate2 int8, greedy, ``--max-length``). Baseline:
``translator.translate`` on exactly the texts the run translates (its distinct segments, in
order) in the same batches of ``--commit-every`` (translation alone); then
``run_corpus`` (reading, storing, boilerplate, checks, exports, report) with the model already
loaded. Target: the run adds <= 5 % to translation alone.

    .venv/bin/python benchmarks/scale_store.py [--lines N] [--sentences N] [--skip-run] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# First, before benchmarks/ (whose translate.py would shadow the package).
sys.path.insert(0, str(ROOT))

from tests.shared_data import DATA  # noqa: E402

RSS_TARGET_MB = 500
RATE_TARGET = 50_000
OVERHEAD_TARGET = 0.05


def flores() -> list[str]:
    lines: list[str] = []
    for name in ("flores200-dev", "flores200-devtest"):
        path = DATA / name / "dev.vi"
        if path.is_file():
            lines += [s.strip() for s in path.read_text("utf-8").splitlines() if s.strip()]
    if not lines:
        raise SystemExit(f"no FLORES text in {DATA}")
    return list(dict.fromkeys(lines))


def write_lines(path: Path, n: int) -> int:
    """A file of ``n`` unique one-sentence lines of about 142 bytes; returns its size."""
    base = []
    for s in flores():
        cut = s if len(s) <= 110 else s[: s.rfind(" ", 0, 110)]
        base.append(cut.rstrip(",;:") + ".")
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            fh.write(f"{base[i % len(base)]} ({i})\n")
    return path.stat().st_size


def baseline_executemany(path: Path, work: Path) -> float:
    """Seconds for plain sqlite3 executemany of the rows ``run`` stores for ``path``."""
    from aligned.store import open_store
    from aligned.store.schema import segment_uid

    db_path = work / "baseline.sqlite"
    with open_store(db_path):
        pass
    db = sqlite3.connect(str(db_path), isolation_level=None)
    db.execute("INSERT INTO documents (id, source, sha256, text) VALUES ('d', 'd', '', '')")
    start = time.perf_counter()

    def rows() -> Any:
        offset = 0
        with path.open(encoding="utf-8", newline="") as fh:
            for n, line in enumerate(fh, start=1):
                text = line.rstrip("\n")
                yield ("d", n, 1, offset, offset + len(text), text, "", segment_uid("d", text))
                offset += len(line)

    db.execute("BEGIN")
    db.executemany(
        "INSERT INTO segments (doc, para, sent, start, end, text, flags, uid) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        rows(),
    )
    db.execute("COMMIT")
    seconds = time.perf_counter() - start
    db.close()
    return seconds


def _tree(pid: int) -> list[int]:
    """``pid`` and its descendants (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            ppid = int(stat[stat.rindex(")") + 2 :].split()[1])
            children.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo += children.get(p, [])
    return out


def _memory_kb(pid: int) -> tuple[int, int]:
    """(Rss, Pss) of one process in kB from /proc/PID/smaps_rollup; (0, 0) if it is gone."""
    rss = pss = 0
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Rss:"):
                rss = int(line.split()[1])
            elif line.startswith("Pss:"):
                pss = int(line.split()[1])
    except OSError:
        pass
    return rss, pss


def store_run(path: Path, work: Path) -> dict[str, Any]:
    """Run songngu on ``path``; its wall time and memory: the parent's peak RSS (getrusage)
    and, sampled every 0.2 s from /proc, the peak of the sum over the run and its children
    (the forked child that makes the rows) of RSS and of PSS. PSS counts a page shared by
    the two processes (the document text, copy-on-write) once, RSS twice: the PSS sum is the
    figure compared with the target."""
    out = work / "out"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "aligned", "run", str(path), "--segment", "lines",
         "--no-translate", "-q", "-o", str(out)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    peak_rss = peak_pss = processes = 0
    sampling = Path("/proc").is_dir()
    while proc.poll() is None:
        if sampling:
            pids = _tree(proc.pid)
            sizes = [_memory_kb(p) for p in pids]
            processes = max(processes, sum(1 for r, _ in sizes if r))
            peak_rss = max(peak_rss, sum(r for r, _ in sizes))
            peak_pss = max(peak_pss, sum(p for _, p in sizes))
        time.sleep(0.2)
    _, stderr = proc.communicate()
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"songngu run failed ({proc.returncode}): {stderr[-2000:]}")
    rss_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    with sqlite3.connect(out / "corpus.sqlite") as db:
        segments = int(db.execute("SELECT count(*) FROM segments").fetchone()[0])
    return {
        "seconds": wall,
        "segments": segments,
        "parent_peak_rss_mb": rss_kb / 1024,
        "sum_peak_rss_mb": peak_rss / 1024,
        "sum_peak_pss_mb": peak_pss / 1024,
        "processes": processes,
    }


def run_overhead(n: int, max_length: int, commit_every: int, work: Path) -> dict[str, Any]:
    from benchmarks._opus_arch import opus_arch_model_dir
    from corpus.model import Document, RawDocument
    from corpus.pipeline import PipelineOptions, iter_documents
    from translate.engine import load_translator

    sents = flores()[:n]
    model_dir = opus_arch_model_dir()
    translator = load_translator(str(model_dir), beam=1, max_length=max_length)
    translator.translate(sents[:8])  # warm up

    def raws() -> Any:
        for i in range(0, len(sents), 50):
            yield RawDocument(
                id=f"flores-{i // 50:03d}", source="bench", text="\n".join(sents[i : i + 50])
            )

    # Translation alone: the texts the run translates (its segments: a FLORES line may hold
    # two sentences), each once, in document order and in the run's batches. Segmenting here
    # is not timed.
    unique = list(
        dict.fromkeys(
            s.text
            for d in iter_documents(raws(), PipelineOptions())
            if isinstance(d, Document)
            for s in d.segments
        )
    )
    start = time.perf_counter()
    for i in range(0, len(unique), commit_every):
        translator.translate(unique[i : i + commit_every])
    alone = time.perf_counter() - start

    from aligned.runner import run_corpus

    start = time.perf_counter()
    result = run_corpus(
        iter_documents(raws(), PipelineOptions()),
        work / "run",
        lambda: translator,
        commit_every=commit_every,
    )
    whole = time.perf_counter() - start
    return {
        "sentences": len(sents),
        "texts": len(unique),
        "translated": result.translated,
        "translate_alone_s": alone,
        "run_s": whole,
        "overhead": (whole - alone) / alone,
    }


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--lines", type=int, default=1_000_000)
    ap.add_argument("--sentences", type=int, default=2_000)
    ap.add_argument("--max-length", type=int, default=64)
    ap.add_argument("--commit-every", type=int, default=256)
    ap.add_argument("--skip-run", action="store_true", help="part 1 only")
    ap.add_argument("--skip-store", action="store_true", help="part 2 only")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    report: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="songngu-scale-store-") as tmp:
        work = Path(tmp)
        if not args.skip_store:
            path = work / "lines.txt"
            size = write_lines(path, args.lines)
            base = baseline_executemany(path, work)
            run = store_run(path, work)
            report["store"] = {
                "lines": args.lines,
                "file_mb": size / 1e6,
                "baseline_executemany_s": base,
                "baseline_rows_per_s": args.lines / base,
                **run,
                "segments_per_s": run["segments"] / run["seconds"],
                "x_baseline_time": run["seconds"] / base,
            }
        if not args.skip_run:
            report["run"] = run_overhead(args.sentences, args.max_length, args.commit_every, work)
    if args.json:
        print(json.dumps(report, indent=2))
        return
    if "store" in report:
        s = report["store"]
        print(
            f"store: {s['lines']:,} lines ({s['file_mb']:.0f} MB), songngu run --segment lines "
            f"--no-translate: {s['seconds']:.1f} s, {s['segments_per_s']:,.0f} segments/s "
            f"(target >= {RATE_TARGET:,}); memory: peak of the sum over its "
            f"{s['processes']} processes {s['sum_peak_pss_mb']:.0f} MB PSS (target <= "
            f"{RSS_TARGET_MB}; RSS sum {s['sum_peak_rss_mb']:.0f} MB counts the shared text "
            f"twice), parent's peak RSS {s['parent_peak_rss_mb']:.0f} MB"
        )
        print(
            f"  baseline plain sqlite3 executemany of the same rows: "
            f"{s['baseline_executemany_s']:.1f} s ({s['baseline_rows_per_s']:,.0f} rows/s); "
            f"run / baseline = {s['x_baseline_time']:.2f}x"
        )
    if "run" in report:
        r = report["run"]
        print(
            f"run: {r['sentences']} FLORES lines ({r['texts']} distinct segments), opus-mt-size "
            f"random weights, ct2 int8, greedy: translation alone "
            f"{r['translate_alone_s']:.1f} s, whole run {r['run_s']:.1f} s, "
            f"overhead {100 * r['overhead']:.1f} % "
            f"(target <= {100 * OVERHEAD_TARGET:.0f} %)"
        )


if __name__ == "__main__":
    main()
