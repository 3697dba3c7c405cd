"""The CTranslate2 backend: the fast CPU path, converted from the same checkpoint on first use.

Why CTranslate2: int8 weights with VNNI kernels and a lean decoder loop run opus-mt several
times faster than ``MarianMTModel.generate`` on a CPU. ctranslate2 is imported here only.

* **Conversion** happens once per (model, revision, conversion type) and is cached under
  ``$SONGNGU_CACHE/ct2/`` (default: the user cache dir). int8 precisions are converted to int8
  (a quarter of the disk and load time); others to their own type. A conversion is written into a
  temporary directory in the same parent, completed with a marker file, then renamed into
  place, so a half-written conversion is never used and concurrent converters cannot corrupt
  each other (the loser of the rename just uses the winner's copy).
* **Threads**: on CPU one small batch per core (``inter_threads`` = cores, ``intra_threads`` = 1)
  is about 2x faster than one batch spread over all cores (2-core Zen 5, int8), because
  per-step overhead, not arithmetic, dominates small-batch decoding. ``generate`` therefore
  splits every batch into per-core sub-batches that CTranslate2 runs in parallel.
* **Precision** changes outputs slightly (int8 vs float32); float32 greedy outputs and scores
  equal the transformers backend's on the same model (tested). Beam search is CTranslate2's
  own and can pick different hypotheses than transformers' beam search.
* **vmap** (opt-in, in code only: ``load_backend(..., vmap=True)``; there is no CLI flag): a
  target-vocabulary shortlist from ``vmap.txt`` in the model directory; much faster (the
  512 x 53,685 output projection dominates each step) but it can change outputs, so it is never
  on by default.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from corpus.errors import ConfigError, ModelError
from translate.backend import Generated, per_example
from translate.defaults import DEFAULT_DEVICE

MARKER = ".songngu-complete"
#: The compute types CTranslate2 knows (``ctranslate2.get_supported_compute_types`` says which
#: of them a device runs; int16, for instance, only on Intel CPUs). For help texts; the check
#: itself asks CTranslate2.
PRECISIONS = (
    "int8",
    "int8_float32",
    "int8_float16",
    "int8_bfloat16",
    "int16",
    "float32",
    "float16",
    "bfloat16",
)
ALIASES = {"bf16": "bfloat16", "fp16": "float16", "fp32": "float32", "int8_bf16": "int8_bfloat16"}
DEVICES = ("auto", "cpu", "cuda")
#: The precision without --precision, per device (float16 only where the GPU supports it).
DEFAULT_PRECISION = {"cpu": "int8", "cuda": "float16"}
# Sentences per parallel sub-batch on CPU, by decoding mode (benchmarks/translate.py on the
# opus-mt architecture, 2 cores, int8: greedy best around 20-28, beam 4 around 16).
SUB_BATCH_GREEDY = 24
SUB_BATCH_BEAM = 16
# Padded source tokens the engine hands CTranslate2 per call on CPU: large, so that CTranslate2
# can keep every core busy with equal sub-batches (4096 left cores idle at batch ends).
CPU_BATCH_TOKENS = 65536
GPU_BATCH_TOKENS = 8192


def cache_root() -> Path:
    """``$SONGNGU_CACHE`` or the platform's user cache dir for songngu."""
    env = os.environ.get("SONGNGU_CACHE")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_cache_dir("songngu"))


def pick_device(device: str) -> str:
    """``auto`` -> cuda when CTranslate2 sees a CUDA device, else cpu."""
    import ctranslate2

    if device not in DEVICES:
        raise ConfigError(
            f"--device {device!r} is not available with --backend ct2; use one of "
            f"{', '.join(DEVICES)} (Apple MPS needs --backend transformers)"
        )
    cuda = ctranslate2.get_cuda_device_count() > 0
    if device == "auto":
        return "cuda" if cuda else "cpu"
    if device == "cuda" and not cuda:
        raise ConfigError("--device cuda: CTranslate2 sees no CUDA GPU; use --device cpu")
    return device


def resolve_precision(precision: str | None, device: str) -> str:
    """Canonical CTranslate2 compute type for ``precision`` on ``device``, or ConfigError.

    Any compute type CTranslate2 reports for the device is accepted (int16 on Intel CPUs,
    bfloat16 where the CPU has the instructions); the message for any other names this
    machine's list, because that list depends on the hardware.
    """
    import ctranslate2

    supported = sorted(ctranslate2.get_supported_compute_types(device))
    if precision in (None, "", "auto", "default"):
        prec = DEFAULT_PRECISION.get(device, "int8")
        return prec if prec in supported else "int8"
    prec = ALIASES.get(precision.lower(), precision.lower())
    if prec in supported:
        return prec
    if prec in PRECISIONS:
        raise ConfigError(
            f"--precision {precision} is not supported by CTranslate2 on this machine's "
            f"{device} (supported here: {', '.join(supported)}); pick one of those"
        )
    raise ConfigError(
        f"--precision {precision!r} is not a CTranslate2 precision; on this machine's {device} "
        f"use one of {', '.join(supported)}"
    )


def conversion_type(precision: str) -> str:
    """What the weights are stored as: int8 for every int8_* compute type, else ``precision``
    (int16 too: CTranslate2 converts to it)."""
    return "int8" if precision.startswith("int8") else precision


def cache_dir_for(model_id: str, revision: str, precision: str, vmap: Path | None = None) -> Path:
    """Cache key: model, revision, stored weight type, CTranslate2 major version, vmap content."""
    import hashlib

    import ctranslate2

    quant = conversion_type(precision)
    vmap_hash = hashlib.sha256(vmap.read_bytes()).hexdigest() if vmap else ""
    key = hashlib.sha256(
        json.dumps(
            [model_id, revision, quant, ctranslate2.__version__.split(".")[0], vmap_hash]
        ).encode()
    ).hexdigest()[:16]
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", model_id.strip("/"))[-60:] or "model"
    return cache_root() / "ct2" / f"{slug}-{quant}-{key}"


def _convert(model_dir: Path, out: Path, quantization: str, vmap: Path | None) -> None:
    import ctranslate2

    from translate.marian import quiet_transformers

    quiet_transformers()
    try:
        converter = ctranslate2.converters.TransformersConverter(
            str(model_dir), low_cpu_mem_usage=True
        )
        converter.convert(
            str(out), quantization=quantization, force=True, vmap=str(vmap) if vmap else None
        )
    except (OSError, ValueError, RuntimeError, NotImplementedError) as exc:
        raise ModelError(
            f"cannot convert {str(model_dir)!r} to CTranslate2: "
            f"{' '.join(str(exc).split())[:300]}; use --backend transformers"
        ) from None


def _decoder_start_is_zero(model_dir: Path) -> bool:
    """Whether the decoder-start (pad) embedding row is zero, as CTranslate2's Marian assumes.

    Marian starts decoding from a zero vector and opus-mt checkpoints store a zero pad row;
    CTranslate2 hard-codes that. A checkpoint fine-tuned with tied embeddings can have a
    non-zero row, and would then translate differently under CTranslate2.
    """
    config = json.loads((model_dir / "config.json").read_text("utf-8"))
    pad = int(config.get("decoder_start_token_id", config.get("pad_token_id", -1)))
    names = ("model.decoder.embed_tokens.weight", "model.shared.weight")
    path = model_dir / "model.safetensors"
    if path.is_file():
        from safetensors import safe_open

        with safe_open(str(path), framework="np") as f:
            for name in names:
                if name in f.keys():  # noqa: SIM118  (safe_open has no __contains__)
                    row = f.get_slice(name)[pad : pad + 1]
                    return not bool((row != 0).any())
        return True
    path = model_dir / "pytorch_model.bin"
    if path.is_file():
        import torch

        state = torch.load(str(path), map_location="cpu", weights_only=True, mmap=True)
        for name in names:
            if name in state:
                return not bool(state[name][pad].any())
    return True


def ensure_converted(
    model_dir: Path, *, model_id: str, revision: str, precision: str, vmap: Path | None = None
) -> Path:
    """The cached conversion of ``model_dir``, converting (atomically) if none is complete."""
    final = cache_dir_for(model_id, revision, precision, vmap)
    if (final / MARKER).is_file():
        return final
    if not _decoder_start_is_zero(model_dir):
        raise ModelError(
            f"{str(model_dir)!r} has a non-zero decoder-start (<pad>) embedding, which "
            "CTranslate2's Marian decoder cannot represent (it starts from zeros): its "
            "translations would differ; use --backend transformers"
        )
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.tmp-", dir=final.parent))
    try:
        work = tmp / "model"
        _convert(model_dir, work, conversion_type(precision), vmap)
        (work / MARKER).write_text(
            json.dumps({"model": model_id, "revision": revision, "source": str(model_dir)}) + "\n",
            encoding="utf-8",
        )
        if final.exists() and not (final / MARKER).is_file():
            # A half-written or foreign directory: move it aside atomically, then delete it.
            stale = tmp / "stale"
            with contextlib.suppress(OSError):  # another process moved it first
                os.replace(final, stale)
        try:
            os.replace(work, final)
        except OSError:
            # Someone else's complete conversion won the race (a non-empty target dir).
            if not (final / MARKER).is_file():
                raise ModelError(
                    f"cannot install the CTranslate2 conversion into {final}; remove that "
                    "directory and retry"
                ) from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return final


def _read_vocab(model_dir: Path, name: str) -> dict[str, int]:
    try:
        vocab: dict[str, int] = json.loads((model_dir / name).read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelError(f"cannot read {model_dir / name}: {exc}; re-download the model") from None
    return vocab


def _cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class CT2Backend:
    """``GenerationBackend`` over a ``ctranslate2.Translator``."""

    name = "ct2"

    def __init__(
        self,
        translator: Any,
        *,
        precision: str,
        device: str,
        source_pieces: list[str],
        target_ids: dict[str, int],
        unk_id: int,
        workers: int,
        use_vmap: bool = False,
    ) -> None:
        self.translator = translator
        self.precision = precision
        self.device = device
        self.source_pieces = source_pieces
        self.target_ids = target_ids
        self.unk_id = unk_id
        self.workers = workers
        self.use_vmap = use_vmap
        self.preferred_batch_tokens = CPU_BATCH_TOKENS if device == "cpu" else GPU_BATCH_TOKENS
        self._target_pieces: list[str] | None = None

    def generate(
        self,
        batch: list[list[int]],
        *,
        beam: int,
        max_new_tokens: int | Sequence[int],
        min_new_tokens: int = 0,
    ) -> list[Generated]:
        if not batch:
            return []
        pieces = self.source_pieces
        try:
            source = [[pieces[i] for i in ids] for ids in batch]
        except IndexError:
            raise ModelError(
                "a source token id is outside the model's vocabulary; the tokenizer and the "
                "CTranslate2 conversion disagree; delete the cache in "
                f"{cache_root() / 'ct2'} and retry"
            ) from None
        bounds = per_example(max_new_tokens, len(batch))
        # Source lists end with EOS; CTranslate2's Marian models add no EOS themselves
        # (add_source_eos=false), so the input is passed as is.
        sub = len(batch)
        if self.workers > 1:
            # Equal sub-batches, a multiple of the number of cores, none above the target:
            # 64 sentences on 2 cores -> 4 x 16, not 24 + 24 + 16 with one core idle.
            target = SUB_BATCH_GREEDY if beam == 1 else SUB_BATCH_BEAM
            rounds = math.ceil(len(batch) / (self.workers * target))
            sub = math.ceil(len(batch) / (self.workers * rounds))
        # CTranslate2 has one max_decoding_length per call, not per sentence: sub-batches of
        # sentences with similar bounds (sorted, longest first) are submitted as separate
        # asynchronous calls, which run in parallel on the cores as one call's sub-batches do.
        order = sorted(range(len(batch)), key=lambda i: -bounds[i])
        chunks = [order[k : k + sub] for k in range(0, len(order), sub)]
        options: dict[str, Any] = dict(
            beam_size=beam,
            min_decoding_length=min_new_tokens,
            max_input_length=0,  # the engine splits long inputs; never truncate here
            return_scores=True,
            use_vmap=self.use_vmap,
        )
        pending = [
            self.translator.translate_batch(
                [source[i] for i in chunk],
                max_batch_size=0,
                asynchronous=True,
                max_decoding_length=bounds[chunk[0]],
                **options,
            )
            for chunk in chunks
        ]
        out: list[Generated | None] = [None] * len(batch)
        over: list[int] = []  # decoded further than their own bound allows
        for chunk, results in zip(chunks, pending, strict=True):
            longest = bounds[chunk[0]]
            for i, res in zip(chunk, results, strict=True):
                gen = self._generated(res.result())
                out[i] = gen
                if bounds[i] < longest and len(gen.ids) >= bounds[i]:
                    over.append(i)
        if over:
            self._bound(over, source, bounds, out, beam=beam, options=options)
        return [g for g in out if g is not None]

    def _generated(self, res: Any) -> Generated:
        get = self.target_ids.get
        ids = [get(p, self.unk_id) for p in res.hypotheses[0]]
        score = float(res.scores[0]) if res.scores else None
        return Generated(ids=ids, score=score)

    def _bound(
        self,
        over: list[int],
        source: list[list[str]],
        bounds: list[int],
        out: list[Generated | None],
        *,
        beam: int,
        options: dict[str, Any],
    ) -> None:
        """Give the sentences in ``over`` what decoding under their own bound gives.

        Greedy: the first ``bound`` tokens are the same whatever the horizon, so they are kept
        and rescored (one teacher-forced pass: the mean log-probability of those tokens, what
        a decode stopped there scores). Beam search: the horizon can change the search, so
        they are decoded again, grouped by bound. Only sentences that reached their bound
        (models that loop) come here.
        """
        if beam == 1:
            targets: list[list[str]] = []
            for i in over:
                gen = out[i]
                assert gen is not None
                res_ids = gen.ids[: bounds[i]]
                out[i] = Generated(ids=res_ids, score=None)
                targets.append([self._target_piece(t) for t in res_ids])
            scored = self.translator.score_batch(
                [source[i] for i in over], targets, max_input_length=0
            )
            for i, res in zip(over, scored, strict=True):
                logp = list(res.log_probs)[: bounds[i]]  # the last one is EOS's
                gen = out[i]
                assert gen is not None
                out[i] = Generated(ids=gen.ids, score=sum(logp) / max(1, len(logp)))
            return
        groups: dict[int, list[int]] = {}
        for i in over:
            groups.setdefault(bounds[i], []).append(i)
        for bound, rows in groups.items():
            results = self.translator.translate_batch(
                [source[i] for i in rows], max_decoding_length=bound, **options
            )
            for i, res in zip(rows, results, strict=True):
                out[i] = self._generated(res)

    def _target_piece(self, token_id: int) -> str:
        if self._target_pieces is None:
            pieces = [""] * (max(self.target_ids.values()) + 1)
            for piece, i in self.target_ids.items():
                pieces[i] = piece
            self._target_pieces = pieces
        return self._target_pieces[token_id]


def load_backend(
    model_dir: Path,
    *,
    model_id: str,
    revision: str,
    precision: str | None = None,
    device: str = DEFAULT_DEVICE,
    threads: int | None = None,
    vmap: bool = False,
) -> CT2Backend:
    """Convert ``model_dir`` once (cached) and load it with CTranslate2.

    ``threads``: CPU cores to use (default: all available); on CPU each core runs its own
    sub-batch. ``vmap``: restrict the output vocabulary with the ``vmap.txt`` shipped in the
    model directory (faster, but may change outputs; off by default).
    """
    try:
        import ctranslate2
    except ImportError as exc:
        raise ModelError(
            f"--backend ct2 needs the ctranslate2 package ({exc}); install it with "
            "`pip install 'songngu[mt]'` or use --backend transformers"
        ) from None
    model_dir = Path(model_dir)
    dev = pick_device(device)
    prec = resolve_precision(precision, dev)
    if threads is not None and threads < 1:
        raise ConfigError(f"--threads must be at least 1, got {threads}")
    if vmap and not (model_dir / "vmap.txt").is_file():
        raise ConfigError(
            f"vmap=True needs a vocabulary map {model_dir / 'vmap.txt'}; none is there: add "
            "one to the model directory or load without vmap"
        )

    vocab = _read_vocab(model_dir, "vocab.json")
    target_vocab = (
        _read_vocab(model_dir, "target_vocab.json")
        if (model_dir / "target_vocab.json").is_file()
        else vocab
    )
    size = max(vocab.values()) + 1
    source_pieces = [""] * size
    for piece, i in vocab.items():
        source_pieces[i] = piece
    unk_id = int(target_vocab.get("<unk>", 1))

    # A vmap conversion is cached apart (keyed by the map's content): the plain one stays exact.
    converted = ensure_converted(
        model_dir,
        model_id=model_id,
        revision=revision,
        precision=prec,
        vmap=model_dir / "vmap.txt" if vmap else None,
    )

    if dev == "cpu":
        cores = threads or _cpu_count()
        inter, intra = cores, 1
    else:
        inter, intra = 1, threads or 0
    try:
        translator = ctranslate2.Translator(
            str(converted),
            device=dev,
            compute_type=prec,
            inter_threads=inter,
            intra_threads=intra,
        )
    except (OSError, ValueError, RuntimeError) as exc:
        raise ModelError(
            f"cannot load the CTranslate2 model in {str(converted)!r}: "
            f"{' '.join(str(exc).split())[:300]}; delete that directory to reconvert"
        ) from None
    return CT2Backend(
        translator,
        precision=prec,
        device=dev,
        source_pieces=source_pieces,
        target_ids=target_vocab,
        unk_id=unk_id,
        workers=inter,
        use_vmap=vmap,
    )
