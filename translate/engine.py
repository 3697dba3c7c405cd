"""The translation engine shared by every backend.

normalize -> split what is too long -> tokenize -> length-sorted token-budget batches ->
backend.generate -> decode -> restore input order -> rejoin split parts. Backends only map
source ids to target ids, so the transformers and CTranslate2 paths give the same outputs on
the same model, and this logic is tested once.
"""

from __future__ import annotations

import importlib.metadata
import math
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from corpus.errors import ConfigError, ModelError
from translate.backend import Generated, GenerationBackend
from translate.batching import make_batches, restore_order
from translate.defaults import (
    DEFAULT_BACKEND,
    DEFAULT_BATCH_TOKENS,
    DEFAULT_BEAM,
    DEFAULT_DEVICE,
    DEFAULT_MAX_LENGTH,
    DEFAULT_MAX_LENGTH_FACTOR,
    DEFAULT_MODEL,
)
from translate.loader import resolve_model
from translate.normalize import normalize_for_mt
from translate.split import split_to_fit
from translate.types import Hypothesis, Signature

Progress = Callable[[int, int], None]  # (sentences done, total)


def songngu_version() -> str:
    try:
        return importlib.metadata.version("songngu")
    except importlib.metadata.PackageNotFoundError:  # running from a source tree
        return "0+unknown"


@dataclass(frozen=True, slots=True)
class _Unit:
    """One model input: a whole sentence or one part of a split one."""

    sentence: int
    ids: list[int]


class Engine:
    """A loaded model: ``Translator`` over a MarianTokenizer and a ``GenerationBackend``."""

    def __init__(
        self,
        tokenizer: Any,
        backend: GenerationBackend,
        *,
        model_id: str,
        revision: str,
        beam: int = DEFAULT_BEAM,
        max_length: int = DEFAULT_MAX_LENGTH,
        max_length_factor: float = DEFAULT_MAX_LENGTH_FACTOR,
        batch_tokens: int = DEFAULT_BATCH_TOKENS,
        max_batch_size: int | None = None,
        progress: bool | Progress = False,
    ) -> None:
        if beam < 1:
            raise ConfigError(f"--beam must be at least 1, got {beam}")
        if max_length < 2:
            raise ConfigError(
                f"--max-length must be at least 2 (one token + EOS), got {max_length}"
            )
        if not (max_length_factor > 0 and math.isfinite(max_length_factor)):
            raise ConfigError(
                f"--max-length-factor must be a positive number, got {max_length_factor}; "
                f"the default is {DEFAULT_MAX_LENGTH_FACTOR:g} (Marian's)"
            )
        if batch_tokens < 1:
            raise ConfigError(f"--batch-tokens must be at least 1, got {batch_tokens}")
        self.tokenizer = tokenizer
        self.backend = backend
        self.beam = beam
        self.max_length = max_length
        self.max_length_factor = max_length_factor
        self.batch_tokens = batch_tokens
        self.max_batch_size = max_batch_size
        self.progress = progress
        self.eos_id = int(tokenizer.eos_token_id)
        self.unk_id = int(tokenizer.unk_token_id)
        self._signature = Signature(
            model=model_id,
            revision=revision,
            backend=backend.name,
            precision=backend.precision,
            beam=beam,
            max_length=max_length,
            version=songngu_version(),
            max_length_factor=max_length_factor,
        )

    @property
    def signature(self) -> Signature:
        return self._signature

    # -- tokenization -------------------------------------------------------------------

    def _encode(self, text: str) -> list[int]:
        """Source ids of ``text`` with EOS at the end (as MarianTokenizer builds inputs)."""
        ids: list[int] = self.tokenizer(text, add_special_tokens=True, truncation=False)[
            "input_ids"
        ]
        return ids

    def _count(self, text: str) -> int:
        return len(self._encode(text)) - 1  # without EOS

    def bound(self, source_tokens: int) -> int:
        """New tokens (EOS included) a source of ``source_tokens`` (EOS included) may produce.

        Marian's rule (``--max-length-factor``, default 3: decoding stops after factor x the
        source length), rounded up, and never beyond the model's positions. A model that loops
        stops here instead of at the maximum: 48 new tokens for 15 source words + EOS, not 511.
        """
        return max(1, min(self.max_length - 1, math.ceil(self.max_length_factor * source_tokens)))

    def _decode(self, ids: list[int]) -> str:
        # use_source_tokenizer=False: with a shared vocab transformers would otherwise decode
        # English pieces with the *source* SentencePiece model.
        text: str = self.tokenizer.decode(ids, skip_special_tokens=True, use_source_tokenizer=False)
        return text.strip()

    # -- translation --------------------------------------------------------------------

    def translate(self, sentences: list[str]) -> list[Hypothesis]:
        """One hypothesis per sentence, in input order (see module docstring)."""
        if not sentences:
            return []
        units: list[_Unit] = []
        parts = [0] * len(sentences)
        notes: list[list[str]] = [[] for _ in sentences]
        for i, sentence in enumerate(sentences):
            if not isinstance(sentence, str):
                raise TypeError(f"sentence {i} is {type(sentence).__name__}, not str")
            text = normalize_for_mt(sentence) if sentence.strip() else ""
            if not text:
                continue
            ids = self._encode(text)
            if len(ids) <= self.max_length:
                pieces = [ids]
            else:
                texts = split_to_fit(text, self._count, self.max_length - 1)
                pieces = [self._encode(t) for t in texts]
                notes[i].append(
                    f"source of {len(ids)} tokens exceeds max length {self.max_length}: "
                    f"translated in {len(pieces)} parts"
                )
            unk = sum(p.count(self.unk_id) for p in pieces)
            if unk:
                notes[i].append(f"{unk} source tokens unknown to the model")
            parts[i] = len(pieces)
            units.extend(_Unit(i, p) for p in pieces)

        generated = self._generate(units, total_sentences=len(sentences))

        per_sentence: list[list[Generated]] = [[] for _ in sentences]
        src_tokens = [0] * len(sentences)
        for unit, gen in zip(units, generated, strict=True):
            per_sentence[unit.sentence].append(gen)
            src_tokens[unit.sentence] += len(unit.ids)
            bound = self.bound(len(unit.ids))
            if len(gen.ids) >= bound:
                notes[unit.sentence].append(self._bound_note(len(unit.ids), bound))
        out: list[Hypothesis] = []
        for i, gens in enumerate(per_sentence):
            if not gens:
                out.append(Hypothesis("", None, 0, 0, self._signature))
                continue
            texts = [self._decode(g.ids) for g in gens]
            tgt = sum(len(g.ids) for g in gens)
            score = _combined_score(gens)
            out.append(
                Hypothesis(
                    text=" ".join(t for t in texts if t),
                    score=score,
                    src_tokens=src_tokens[i],
                    tgt_tokens=tgt,
                    signature=self._signature,
                    split=parts[i] > 1,
                    parts=parts[i],
                    notes=tuple(notes[i]),
                )
            )
        return out

    def _bound_note(self, source_tokens: int, bound: int) -> str:
        """Why an output stopped without EOS (a looping model, most likely)."""
        if bound == self.max_length - 1:
            why = f"the model's maximum length {self.max_length}"
        else:
            why = f"--max-length-factor {self.max_length_factor:g} x {source_tokens} source tokens"
        return f"length bound: the translation was stopped at {bound} tokens ({why})"

    def _generate(self, units: list[_Unit], *, total_sentences: int) -> list[Generated]:
        if not units:
            return []
        batches = make_batches([len(u.ids) for u in units], self.batch_tokens, self.max_batch_size)
        report = self._progress_reporter(len(units))
        results: list[list[Generated]] = []
        done = 0
        try:
            for batch in batches:
                gens = self.backend.generate(
                    [units[i].ids for i in batch],
                    beam=self.beam,
                    # Per sentence; at most max_length - 1: the decoder start takes a position.
                    max_new_tokens=[self.bound(len(units[i].ids)) for i in batch],
                )
                if len(gens) != len(batch):
                    raise ModelError(
                        f"backend {self.backend.name!r} returned {len(gens)} hypotheses for "
                        f"{len(batch)} inputs; this is a bug, please report it"
                    )
                results.append(gens)
                done += len(batch)
                report(done)
        finally:
            report(-1)
        return restore_order(batches, results)

    def _progress_reporter(self, total: int) -> Callable[[int], None]:
        if callable(self.progress):
            callback = self.progress
            return lambda done: callback(done, total) if done >= 0 else None
        if not self.progress:
            return lambda done: None
        from tqdm import tqdm

        bar = tqdm(total=total, unit="seg", desc="translating", file=sys.stderr, leave=False)

        def report(done: int) -> None:
            if done < 0:
                bar.close()
            else:
                bar.update(done - bar.n)

        return report


def _combined_score(gens: list[Generated]) -> float | None:
    """Parts' scores weighted by their length (+EOS), as if one long sequence."""
    pairs = [(g.score, len(g.ids) + 1) for g in gens if g.score is not None]
    if not pairs:
        return None
    return sum(s * w for s, w in pairs) / sum(w for _, w in pairs)


def load_translator(
    model: str = DEFAULT_MODEL,
    *,
    revision: str | None = None,
    backend: str = DEFAULT_BACKEND,
    precision: str | None = None,
    beam: int = DEFAULT_BEAM,
    max_length: int | None = None,
    max_length_factor: float = DEFAULT_MAX_LENGTH_FACTOR,
    batch_tokens: int | None = None,
    max_batch_size: int | None = None,
    device: str = DEFAULT_DEVICE,
    threads: int | None = None,
    progress: bool | Progress = False,
) -> Engine:
    """Resolve, load and wrap a model: the one entry point for the CLI and the library.

    ``max_length`` defaults to the model's ``max_position_embeddings`` (512 for opus-mt) and
    may not exceed it; ``max_length_factor`` bounds each output by its source length (see
    :meth:`Engine.bound`). ``precision=None`` lets the backend choose (its ``default_precision``
    for the device in ``translate.registry``). ``backend`` names an entry of
    ``translate.registry.BACKENDS``; ``batch_tokens=None`` takes the backend's measured
    preference (``preferred_batch_tokens``).
    """
    from translate.registry import get_backend

    info = get_backend(backend)
    resolved = resolve_model(model, revision)
    tokenizer = _load_tokenizer(resolved.path)
    positions = _max_positions(resolved.path)
    if max_length is None:
        max_length = positions
    elif max_length > positions:
        raise ConfigError(
            f"--max-length {max_length} exceeds the model's {positions} positions; "
            f"use --max-length {positions} or less"
        )
    gen: GenerationBackend = info.load(
        resolved.path,
        model_id=resolved.model_id,
        revision=resolved.revision,
        precision=precision,
        device=device,
        threads=threads,
    )
    return Engine(
        tokenizer,
        gen,
        model_id=resolved.model_id,
        revision=resolved.revision,
        beam=beam,
        max_length=max_length,
        max_length_factor=max_length_factor,
        batch_tokens=batch_tokens or gen.preferred_batch_tokens,
        max_batch_size=max_batch_size,
        progress=progress,
    )


def _max_positions(model_dir: Any) -> int:
    import json

    try:
        config = json.loads((model_dir / "config.json").read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelError(
            f"cannot read {model_dir}/config.json: {exc}; re-download the model"
        ) from None
    return int(config.get("max_position_embeddings") or DEFAULT_MAX_LENGTH)


def _load_tokenizer(model_dir: Any) -> Any:
    try:
        from transformers import MarianTokenizer
    except ImportError as exc:
        raise ModelError(
            f"translation needs transformers and sentencepiece ({exc}); install them with "
            "`pip install 'songngu[mt]'`"
        ) from None
    try:
        return MarianTokenizer.from_pretrained(str(model_dir))
    except (OSError, ValueError, KeyError, RuntimeError) as exc:
        raise ModelError(
            f"cannot load the MarianMT tokenizer from {str(model_dir)!r}: "
            f"{' '.join(str(exc).split())[:300]}; re-download the model or pass another --model"
        ) from None
