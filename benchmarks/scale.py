"""Throughput of ``songngu run`` with the Ray engine: 1 and 2 local actors against the local engine.

Model: random weights with the exact opus-mt-vi-en architecture (``benchmarks/_opus_arch.py``);
greedy, ``--max-length`` tokens (random weights rarely emit EOS, so most outputs run to the cap:
every configuration decodes the same sentences and, being deterministic, the same tokens).
Input: the FLORES-200 dev + devtest Vietnamese sentences (``../shared/data``), one per line, in
documents of 50 lines. Every configuration runs the whole job (store, translate, exports) into a
fresh directory; the Ray ones use one local Ray instance started before the clock (2 CPUs), so
the figures include actor start-up and model loading but not the Ray daemon's start.

    .venv/bin/python benchmarks/scale.py [--sentences N] [--max-length N] [--json]

The last line projects the wall time of a 10M-sentence corpus from the best measured rate of
this 2-core machine once its actors run, linear in machines; see README "Scaling out".
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.shared_data import DATA  # noqa: E402


def sentences(n: int) -> list[str]:
    lines: list[str] = []
    for name in ("flores200-dev", "flores200-devtest"):
        path = DATA / name / "dev.vi"
        if path.is_file():
            lines += [s.strip() for s in path.read_text("utf-8").splitlines() if s.strip()]
    if not lines:
        raise SystemExit(f"no FLORES text in {DATA}")
    unique = list(dict.fromkeys(lines))
    if n > len(unique):
        raise SystemExit(f"--sentences {n}: only {len(unique)} unique sentences are available")
    return unique[:n]


def documents(sents: list[str]) -> list[Any]:
    from corpus.model import RawDocument
    from corpus.pipeline import PipelineOptions, process_documents

    raws = [
        RawDocument(id=f"flores-{i // 50:03d}", text="\n".join(sents[i : i + 50]), source="bench")
        for i in range(0, len(sents), 50)
    ]
    return process_documents(raws, PipelineOptions())


def run_one(
    name: str, docs: list[Any], model_dir: Path, max_length: int, work: Path, commit_every: int
) -> dict:
    from aligned.distributed import ModelSpec, RayChunks
    from aligned.runner import run_corpus
    from aligned.store import open_store
    from translate.engine import load_translator

    actors = {"local": 0, "ray-1": 1, "ray-2": 2}[name]
    threads = 2 if actors <= 1 else 1
    spec = ModelSpec(model=str(model_dir), beam=1, max_length=max_length, threads=threads)
    ray = RayChunks(spec, actors=actors) if actors else None

    def load() -> Any:
        return load_translator(str(model_dir), beam=1, max_length=max_length, threads=threads)

    out = work / name
    start = time.perf_counter()
    result = run_corpus(docs, out, load, chunk_translator=ray, commit_every=commit_every)
    wall = time.perf_counter() - start
    with open_store(out / "corpus.sqlite", create=False) as store:
        tokens = store.target_tokens()
    plan = ray.plan if ray is not None else {}
    steady = None  # texts/s after the first block arrived: actors started, models loaded
    if plan.get("last_result_s", 0) > plan.get("first_result_s", 0):
        steady = (plan["texts"] - plan["first_texts"]) / (
            plan["last_result_s"] - plan["first_result_s"]
        )
    return {
        "config": name,
        "steady_sent_per_s": steady,
        "first_block_s": plan.get("first_result_s"),
        "actors": actors,
        "threads_per_actor": threads,
        "sentences": result.translated,
        "seconds": wall,
        "sent_per_s": result.translated / wall,
        "tok_per_s": tokens / wall,
    }


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sentences", type=int, default=600)
    ap.add_argument("--max-length", type=int, default=64)
    ap.add_argument("--commit-every", type=int, default=128, help="texts per block/batch")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)

    import ray

    from benchmarks._opus_arch import opus_arch_model_dir
    from translate.engine import load_translator

    model_dir = opus_arch_model_dir()
    load_translator(str(model_dir), beam=1, max_length=args.max_length)  # convert once, cached
    docs = documents(sentences(args.sentences))
    t0 = time.perf_counter()
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level=logging.ERROR)
    ray_start = time.perf_counter() - t0
    rows = []
    try:
        with tempfile.TemporaryDirectory(prefix="songngu-scale-") as tmp:
            for name in ("local", "ray-1", "ray-2"):
                rows.append(
                    run_one(name, docs, model_dir, args.max_length, Path(tmp), args.commit_every)
                )
    finally:
        ray.shutdown()
    base = rows[0]["sent_per_s"]
    one = rows[1]["sent_per_s"]
    for r in rows:
        r["x_local"] = r["sent_per_s"] / base
        r["x_ray1"] = r["sent_per_s"] / one
    # Rate once running (actor start-up and model load are paid once per actor, not per
    # sentence); the best way to use this 2-core machine is what one machine adds.
    running = [r["steady_sent_per_s"] for r in rows[1:] if r["steady_sent_per_s"]]
    per_machine = max(running) if running else max(r["sent_per_s"] for r in rows[1:])
    projection = {n: 10_000_000 / (per_machine * n) / 3600 for n in (1, 2, 10)}
    if args.json:
        print(
            json.dumps(
                {"rows": rows, "ray_start_s": ray_start, "projection_hours": projection}, indent=2
            )
        )
        return
    print(
        f"{args.sentences} FLORES sentences, greedy, max length {args.max_length}, "
        f"opus-mt-vi-en architecture (random weights), ct2 int8; Ray start {ray_start:.1f} s"
    )
    head = ("config", "actors", "thr", "sent", "wall s", "sent/s", "tok/s", "x local",
            "x ray-1", "1st blk s", "steady/s")  # fmt: skip
    widths = (8, 6, 4, 5, 7, 7, 6, 7, 7, 9, 8)
    print(
        " ".join(
            h.ljust(w) if i == 0 else h.rjust(w)
            for i, (h, w) in enumerate(zip(head, widths, strict=True))
        )
    )
    for r in rows:
        first = f"{r['first_block_s']:.1f}" if r["first_block_s"] is not None else "-"
        steady = f"{r['steady_sent_per_s']:.1f}" if r["steady_sent_per_s"] else "-"
        print(
            f"{r['config']:8} {r['actors']:>6} {r['threads_per_actor']:>4} {r['sentences']:>5} "
            f"{r['seconds']:>7.1f} {r['sent_per_s']:>7.1f} {r['tok_per_s']:>6.0f} "
            f"{r['x_local']:>7.2f} {r['x_ray1']:>7.2f} {first:>9} {steady:>8}"
        )
    print(
        f"10M sentences at {per_machine:.1f} sent/s per running 2-core machine (best Ray "
        "config), linear in machines: "
        + ", ".join(f"{n} x {h:,.1f} h" for n, h in projection.items())
    )


if __name__ == "__main__":
    main()
