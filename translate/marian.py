"""The transformers backend: ``MarianMTModel.generate`` behind ``GenerationBackend``.

torch and transformers are imported here only, when a model is loaded. Precision:

* ``float32`` -- exact reference outputs; the default on CPU and MPS.
* ``float16`` -- the default on CUDA (half the memory, faster); outputs may differ slightly.
* ``bfloat16`` -- CPU or GPU; outputs can differ from float32 (fewer mantissa bits).
* ``int8`` -- CPU only: dynamic quantization of the Linear layers
  (``torch.ao.quantization.quantize_dynamic``); faster on CPU, outputs can differ.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from corpus.errors import ConfigError, ModelError
from translate.backend import Generated, per_example
from translate.defaults import DEFAULT_BATCH_TOKENS, DEFAULT_DEVICE

PRECISIONS = ("float32", "float16", "bfloat16", "int8")
DEVICES = ("auto", "cpu", "cuda", "mps")
#: The precision without --precision, per device (see the module docstring).
DEFAULT_PRECISION = {"cpu": "float32", "mps": "float32", "cuda": "float16"}


def pick_device(device: str) -> str:
    """``auto`` -> cuda, else mps, else cpu; an unavailable explicit device is an error."""
    import torch

    if device not in DEVICES:
        raise ConfigError(f"--device {device!r} is not one of {', '.join(DEVICES)}")
    cuda = torch.cuda.is_available()
    mps = bool(getattr(torch.backends, "mps", None)) and torch.backends.mps.is_available()
    if device == "auto":
        return "cuda" if cuda else "mps" if mps else "cpu"
    if device == "cuda" and not cuda:
        raise ConfigError("--device cuda: no CUDA GPU is visible to torch; use --device cpu")
    if device == "mps" and not mps:
        raise ConfigError("--device mps: Apple MPS is not available; use --device cpu")
    return device


class MarianBackend:
    """``GenerationBackend`` over a loaded ``MarianMTModel``."""

    name = "transformers"

    def __init__(self, model: Any, *, device: str, precision: str, pad_id: int, eos_id: int):
        self.model = model
        self.device = device
        self.precision = precision
        self.pad_id = pad_id
        self.eos_id = eos_id
        self.preferred_batch_tokens = DEFAULT_BATCH_TOKENS

    def generate(
        self,
        batch: list[list[int]],
        *,
        beam: int,
        max_new_tokens: int | Sequence[int],
        min_new_tokens: int = 0,
    ) -> list[Generated]:
        import torch

        if not batch:
            return []
        bounds = per_example(max_new_tokens, len(batch))
        longest = max(bounds)
        stopping = None
        if min(bounds) < longest:
            stopping = _row_bounds(bounds, self.device)
        width = max(len(ids) for ids in batch)
        # Right padding, as MarianTokenizer pads.
        input_ids = torch.full((len(batch), width), self.pad_id, dtype=torch.long)
        mask = torch.zeros((len(batch), width), dtype=torch.long)
        for row, ids in enumerate(batch):
            input_ids[row, : len(ids)] = torch.tensor(ids, dtype=torch.long)
            mask[row, : len(ids)] = 1
        input_ids = input_ids.to(self.device)
        mask = mask.to(self.device)
        with torch.inference_mode():
            out = self.model.generate(
                input_ids=input_ids,
                attention_mask=mask,
                num_beams=beam,
                num_return_sequences=1,
                do_sample=False,
                max_length=None,
                max_new_tokens=longest,
                min_new_tokens=min_new_tokens or None,
                stopping_criteria=stopping,
                # opus-mt configs force EOS at the last position; Marian and CTranslate2 just
                # stop there, and so does every shorter per-sentence bound: stop without EOS.
                forced_eos_token_id=None,
                output_scores=True,
                return_dict_in_generate=True,
            )
            sequences = out.sequences
            if beam > 1 and getattr(out, "sequences_scores", None) is not None:
                scores = out.sequences_scores.float().tolist()
            else:
                # Greedy: mean log-probability per generated token (EOS included), which is
                # what beam search's sequences_scores is with length_penalty=1.
                steps = self.model.compute_transition_scores(
                    sequences, out.scores, normalize_logits=True
                ).float()
                gen = sequences[:, -steps.shape[1] :]
                valid = gen != self.pad_id
                steps = steps.masked_fill(~valid, 0.0)
                counts = valid.sum(dim=1).clamp(min=1)
                scores = (steps.sum(dim=1) / counts).tolist()
        results: list[Generated] = []
        for seq, score in zip(sequences.tolist(), scores, strict=True):
            target: list[int] = []
            for tok in seq[1:]:  # drop the decoder start token
                if tok == self.eos_id:
                    break
                if tok != self.pad_id:
                    target.append(tok)
            results.append(Generated(ids=target, score=float(score)))
        return results


def _row_bounds(bounds: list[int], device: str) -> Any:
    """A stopping criterion that ends each sequence at its own bound of new tokens.

    transformers stops a row (greedy) or finishes a beam hypothesis (beam search) when a
    criterion says so for that row, as its own max-length criterion does for all rows at once;
    this one does it per sentence. Rows are sentences (greedy) or sentences x kept beams.
    """
    import torch
    from transformers import StoppingCriteria, StoppingCriteriaList

    limit = torch.tensor(bounds, dtype=torch.long, device=device)

    class RowBounds(StoppingCriteria):
        def __call__(self, input_ids: Any, scores: Any, **kwargs: Any) -> Any:
            rows = input_ids.shape[0]
            per_row = limit.repeat_interleave(rows // limit.shape[0])
            # input_ids starts with the decoder start token: new tokens = length - 1.
            return (input_ids.shape[1] - 1) >= per_row

    return StoppingCriteriaList([RowBounds()])


def load_backend(
    model_dir: Path,
    *,
    model_id: str = "",
    revision: str = "",
    precision: str | None = None,
    device: str = DEFAULT_DEVICE,
    threads: int | None = None,
) -> MarianBackend:
    """Load ``MarianMTModel`` from ``model_dir`` onto ``device`` in ``precision``.

    ``model_id`` and ``revision`` are part of every backend's loader signature (CTranslate2
    keys its conversion cache by them); the checkpoint itself needs neither."""
    import torch

    dev = pick_device(device)
    prec = precision or DEFAULT_PRECISION[dev]
    if prec not in PRECISIONS:
        raise ConfigError(
            f"--precision {prec!r} is not supported by the transformers backend; "
            f"use one of {', '.join(PRECISIONS)}"
        )
    if prec == "int8" and dev != "cpu":
        raise ConfigError(
            f"--precision int8 (dynamic quantization) runs on CPU only, not {dev}; "
            "use --device cpu, or float16/bfloat16 on a GPU"
        )
    if prec == "float16" and dev == "cpu":
        raise ConfigError(
            "--precision float16 is slow or unsupported on CPU; use float32, bfloat16 or int8"
        )
    if threads is not None:
        if threads < 1:
            raise ConfigError(f"--threads must be at least 1, got {threads}")
        torch.set_num_threads(threads)

    from transformers import MarianMTModel

    quiet_transformers()
    try:
        model: Any = MarianMTModel.from_pretrained(str(model_dir))
    except (OSError, ValueError, RuntimeError) as exc:
        raise ModelError(
            f"cannot load the MarianMT model in {str(model_dir)!r}: "
            f"{' '.join(str(exc).split())[:300]}; re-download it or pass another --model"
        ) from None
    model.eval()
    if prec == "int8":
        model = _quantize_int8(model)
    elif prec in ("float16", "bfloat16"):
        model = model.to(dtype=getattr(torch, prec))
    model = model.to(dev)
    config = model.config
    logging.getLogger(__name__).debug("loaded %s on %s (%s)", model_dir, dev, prec)
    return MarianBackend(
        model,
        device=dev,
        precision=prec,
        pad_id=int(config.pad_token_id),
        eos_id=int(config.eos_token_id),
    )


def _quantize_int8(model: Any) -> Any:
    """Dynamic int8 quantization of the Linear layers (int8 weights, activations quantized per
    batch).

    torch 2.13 marks all of ``torch.ao.quantization`` deprecated (``torch.quantization`` is the
    same code under another name) and points to the separate ``torchao`` package; it still
    ships ``quantize_dynamic`` and has no replacement of its own. Until songngu takes torchao as
    a dependency this call is the API, so its two notices -- one a UserWarning every
    ``--precision int8`` run would print -- are silenced here, for this call only, by their text.
    """
    import torch

    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", r"torch\.ao\.quantization is deprecated", category=DeprecationWarning
        )
        warnings.filterwarnings(
            "ignore",
            r"torch\.quantize_per_tensor, torch\.quantize_per_channel",
            category=UserWarning,
        )
        return torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)


def quiet_transformers() -> None:
    """Our own messages and progress bar suffice: no "max_length and max_new_tokens both set"
    chatter, no "Loading weights" bar (which would also break stderr for pipes and tests)."""
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
