"""Translation throughput on the CPU: songngu's paths against a naive baseline.

Model: random weights with the exact opus-mt-vi-en architecture (``benchmarks/_opus_arch.py``);
output length forced to ``--tokens`` (min = max new tokens) so every configuration does
identical work. Input: ``--sentences`` sentences of seed text (``../shared/seeds``).
Each configuration runs in its own subprocess (so peak RSS is its own), warms up on 8
sentences, then takes the best of ``--repeats`` timed runs (the machine is shared: best-of-N).
The naive baseline (transformers ``generate``, batch 1, greedy, float32) runs on the first
``--naive-sentences`` sentences only, to save time; ratios are to its sentences/s.

    .venv/bin/python benchmarks/translate.py [--json] [--only NAME ...]
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import re
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# name -> settings. "batch": sentences per backend call ("tokens" = the engine's token budget).
CONFIGS: dict[str, dict[str, Any]] = {
    "naive": {"backend": "transformers", "precision": "float32", "batch": 1, "beam": 1},
    "tf-fp32-b16": {"backend": "transformers", "precision": "float32", "batch": 16, "beam": 1},
    "tf-bf16-b32": {"backend": "transformers", "precision": "bfloat16", "batch": 32, "beam": 1},
    "tf-int8-b16": {"backend": "transformers", "precision": "int8", "batch": 16, "beam": 1},
    "ct2-int8-1x0-b16": {"backend": "ct2-raw", "inter": 1, "intra": 0, "batch": 16, "beam": 1},
    "ct2-int8-1x0-b16-beam4": {
        "backend": "ct2-raw",
        "inter": 1,
        "intra": 0,
        "batch": 16,
        "beam": 4,
    },
    # The best reference: one batch per core, all sentences in one call.
    "ct2-int8-2x1-b32": {
        "backend": "ct2-raw",
        "inter": 2,
        "intra": 1,
        "batch": 32,
        "beam": 1,
        "all_at_once": True,
    },
    "ct2-int8-2x1-b16-beam4": {
        "backend": "ct2-raw",
        "inter": 2,
        "intra": 1,
        "batch": 16,
        "beam": 4,
        "all_at_once": True,
    },
    "songngu-ct2-int8": {"backend": "ct2", "precision": "int8", "batch": "tokens", "beam": 1},
    "songngu-ct2-int8-beam4": {
        "backend": "ct2",
        "precision": "int8",
        "batch": "tokens",
        "beam": 4,
    },
    "songngu-ct2-int8-vmap": {
        "backend": "ct2",
        "precision": "int8",
        "batch": "tokens",
        "beam": 1,
        "vmap": True,
    },
    "songngu-ct2-int8-vmap-beam4": {
        "backend": "ct2",
        "precision": "int8",
        "batch": "tokens",
        "beam": 4,
        "vmap": True,
    },
}


def seed_sentences(n: int) -> list[str]:
    from tests.shared_data import SEEDS

    """``n`` sentences of seed text (naive split on sentence punctuation), repeated if short."""
    paths = sorted(glob.glob(str(SEEDS / "*.txt")))
    text = " ".join(Path(p).read_text("utf-8") for p in paths)
    sents = [s.strip() for s in re.split(r"(?<=[.!?…])\s+|\n+", text) if len(s.strip()) > 3]
    if not sents:
        raise SystemExit(f"no seed text in {SEEDS}")
    while len(sents) < n:
        sents += sents
    return sents[:n]


def write_vmap(model_dir: Path) -> Path:
    """A synthetic vocabulary map: 1,000 always-allowed pieces + 20 per source piece.

    Random weights have no lexical table; with forced length the work depends only on the
    shortlist size, which this keeps near what a real lexical-table vmap gives.
    """
    path = model_dir / "vmap.txt"
    if path.is_file():
        return path
    vocab: dict[str, int] = json.loads((model_dir / "vocab.json").read_text("utf-8"))
    pieces = [p for p, i in sorted(vocab.items(), key=lambda kv: kv[1]) if p != "<pad>"]
    real = [p for p in pieces if not p.startswith("<fill_")]
    lines = ["\t" + " ".join(real[:1000])]
    for k, piece in enumerate(real):
        if "\t" in piece or " " in piece:
            continue
        targets = [real[(k * 7919 + j * 104729) % len(real)] for j in range(20)]
        lines.append(piece + "\t" + " ".join(targets))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run_config(name: str, n: int, tokens: int, repeats: int, threads: int | None) -> dict[str, Any]:
    """Run one configuration in this process; return its figures."""
    from benchmarks._opus_arch import opus_arch_model_dir

    cfg = CONFIGS[name]
    model_dir = opus_arch_model_dir()
    from transformers import MarianTokenizer

    tok = MarianTokenizer.from_pretrained(str(model_dir))
    sentences = seed_sentences(n)
    beam = int(cfg["beam"])
    t0 = time.perf_counter()
    if cfg["backend"] == "transformers":
        from translate.marian import load_backend as load_tf

        backend: Any = load_tf(model_dir, precision=cfg["precision"], device="cpu", threads=threads)
    elif cfg["backend"] == "ct2":
        from translate.ct2 import load_backend as load_ct2

        if cfg.get("vmap"):
            write_vmap(model_dir)
        backend = load_ct2(
            model_dir,
            model_id="bench/opus-vi-en-arch",
            revision="random",
            precision=cfg["precision"],
            device="cpu",
            threads=threads,
            vmap=bool(cfg.get("vmap")),
        )
    else:  # ct2 with explicit threading, bypassing songngu's sub-batching
        import ctranslate2

        from translate.ct2 import CT2Backend, ensure_converted

        conv = ensure_converted(
            model_dir, model_id="bench/opus-vi-en-arch", revision="random", precision="int8"
        )
        vocab: dict[str, int] = json.loads((model_dir / "vocab.json").read_text("utf-8"))
        pieces = [p for p, _ in sorted(vocab.items(), key=lambda kv: kv[1])]
        tr = ctranslate2.Translator(
            str(conv),
            device="cpu",
            compute_type="int8",
            inter_threads=cfg["inter"],
            intra_threads=cfg["intra"],
        )
        backend = CT2Backend(
            tr,
            precision="int8",
            device="cpu",
            source_pieces=pieces,
            target_ids=vocab,
            unk_id=1,
            workers=1,
        )
    load_s = time.perf_counter() - t0

    def once(batch_sents: list[str]) -> tuple[float, int]:
        from translate.batching import make_batches

        start = time.perf_counter()
        ids = [tok(s)["input_ids"] for s in batch_sents]
        if cfg.get("all_at_once"):  # CTranslate2 sorts and sub-batches by max_batch_size
            pieces = backend.source_pieces
            results = backend.translator.translate_batch(
                [[pieces[i] for i in x] for x in ids],
                max_batch_size=int(cfg["batch"]),
                beam_size=beam,
                max_decoding_length=tokens,
                min_decoding_length=tokens,
                max_input_length=0,
                return_scores=True,
            )
            return time.perf_counter() - start, sum(len(r.hypotheses[0]) for r in results)
        if cfg["batch"] == "tokens":  # the engine's default budget for this backend
            batches = make_batches([len(x) for x in ids], backend.preferred_batch_tokens)
        else:
            batches = make_batches([len(x) for x in ids], 10**9, int(cfg["batch"]))
        generated = 0
        for b in batches:
            out = backend.generate(
                [ids[i] for i in b], beam=beam, max_new_tokens=tokens, min_new_tokens=tokens
            )
            generated += sum(len(g.ids) for g in out)
        return time.perf_counter() - start, generated

    once(sentences[:8])  # warm-up
    best, gen = float("inf"), 0
    for _ in range(repeats):
        dt, gen = once(sentences)
        best = min(best, dt)
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "name": name,
        **{k: v for k, v in cfg.items()},
        "sentences": n,
        "seconds": round(best, 3),
        "sent_per_s": round(n / best, 2),
        "tok_per_s": round(gen / best, 1),
        "avg_out_tokens": round(gen / n, 2),
        "load_s": round(load_s, 2),
        "peak_rss_mb": round(rss_mb),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sentences", type=int, default=200)
    ap.add_argument("--naive-sentences", type=int, default=40)
    ap.add_argument("--tokens", type=int, default=32, help="forced output length")
    ap.add_argument("--repeats", type=int, default=3, help="best of N timed runs")
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--only", nargs="*", choices=sorted(CONFIGS), default=None)
    ap.add_argument("--json", action="store_true", help="print JSON instead of a table")
    ap.add_argument("--_child", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args._child:
        n = args.naive_sentences if args._child == "naive" else args.sentences
        reps = 1 if args._child == "naive" else args.repeats
        print(json.dumps(run_config(args._child, n, args.tokens, reps, args.threads)))
        return 0

    from benchmarks._opus_arch import opus_arch_model_dir

    opus_arch_model_dir()  # build once before timing anything
    names = args.only or list(CONFIGS)
    if "naive" not in names:
        names = ["naive", *names]
    rows: list[dict[str, Any]] = []
    for name in names:
        cmd = [
            sys.executable,
            __file__,
            "--_child",
            name,
            "--sentences",
            str(args.sentences),
            "--naive-sentences",
            str(args.naive_sentences),
            "--tokens",
            str(args.tokens),
            "--repeats",
            str(args.repeats),
        ]
        if args.threads:
            cmd += ["--threads", str(args.threads)]
        proc = subprocess.run(cmd, capture_output=True, text=True, env=dict(os.environ))
        if proc.returncode != 0:
            err = (proc.stderr.strip().splitlines() or ["?"])[-1]
            rows.append({"name": name, "error": err})
            print(f"{name}: failed: {err}", file=sys.stderr)
            continue
        rows.append(json.loads(proc.stdout.strip().splitlines()[-1]))
        print(f"{name}: {rows[-1]['sent_per_s']} sent/s", file=sys.stderr)
    base = next((r["sent_per_s"] for r in rows if r["name"] == "naive" and "error" not in r), None)
    refs = {r["name"]: r["sent_per_s"] for r in rows if "error" not in r}
    for r in rows:
        if base and "error" not in r:
            r["x_naive"] = round(r["sent_per_s"] / base, 1)
        # Ratio to the best reference configuration of the same decoding mode, same run.
        ref = refs.get("ct2-int8-2x1-b16-beam4" if r.get("beam") == 4 else "ct2-int8-2x1-b32")
        if ref and "error" not in r:
            r["x_ref"] = round(r["sent_per_s"] / ref, 2)
    if args.json:
        print(json.dumps({"tokens": args.tokens, "cpus": os.cpu_count(), "rows": rows}, indent=1))
        return 0
    print(
        f"forced output {args.tokens} tokens; {args.sentences} sentences "
        f"(naive: {args.naive_sentences}); best of {args.repeats}"
    )
    print("x ref: ratio to ct2 int8 inter_threads=2 intra_threads=1 (batch 32 greedy, 16 beam 4)")
    print(
        f"{'config':30} {'sent/s':>8} {'tok/s':>8} {'x naive':>8} {'x ref':>6} "
        f"{'RSS MB':>7} {'load s':>7}"
    )
    for r in rows:
        if "error" in r:
            print(f"{r['name']:30} error: {r['error'][:60]}")
            continue
        print(
            f"{r['name']:30} {r['sent_per_s']:8.1f} {r['tok_per_s']:8.0f} "
            f"{r.get('x_naive', 0):8.1f} {r.get('x_ref', 0):6.2f} "
            f"{r['peak_rss_mb']:7d} {r['load_s']:7.2f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
