"""Bounded decoding: a model that loops stops at ``--max-length-factor`` x its source length.

The looping model is the trained tiny model with EOS (and ``<pad>``) pushed out of reach by its
output bias: it translates the first words right, then never stops. Without the bound every
output runs to the model's maximum; with it, every output stops at exactly
``ceil(factor x source tokens)`` new tokens (source and output counts both include EOS, as
Marian counts them), on both backends, greedy and beam, whatever else is in the batch.
"""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import pytest

from corpus.errors import ConfigError
from tests.cli import run_cli
from tests.tinymodels import TRAINED_PAIRS
from translate.engine import Engine, load_translator

SOURCES = [s for s, _ in TRAINED_PAIRS]
# Short and long sentences in one call: their bounds differ, so one batch holds several bounds.
MIXED = [SOURCES[0], " ".join(SOURCES[:6]), SOURCES[3], " ".join(SOURCES[:12]), SOURCES[1]]
NOTE = "length bound: the translation was stopped at"


@pytest.fixture(autouse=True)
def _cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SONGNGU_CACHE", str(tmp_path_factory.getbasetemp() / "songngu-cache"))


@pytest.fixture(scope="module")
def looping_model_dir(trained_model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The trained model, made to loop: EOS and <pad> get a -1e4 output bias."""
    import torch
    from transformers import MarianMTModel

    out = tmp_path_factory.mktemp("looping") / "model"
    shutil.copytree(trained_model_dir, out)
    model = MarianMTModel.from_pretrained(str(trained_model_dir))
    with torch.no_grad():
        for token in (model.config.eos_token_id, model.config.pad_token_id):
            model.final_logits_bias[0, token] = -1e4
    model.save_pretrained(str(out))
    return out


def _load(model_dir: Path, backend: str, **kw: object) -> Engine:
    return load_translator(  # type: ignore[arg-type]
        str(model_dir), backend=backend, precision="float32", threads=1, **kw
    )


def test_without_the_bound_a_looping_model_runs_to_the_maximum(looping_model_dir: Path) -> None:
    engine = _load(looping_model_dir, "transformers", beam=1, max_length=64, max_length_factor=100)
    hyps = engine.translate([SOURCES[0], SOURCES[3]])
    assert [h.tgt_tokens for h in hyps] == [63, 63]
    for h in hyps:
        assert h.notes == (f"{NOTE} 63 tokens (the model's maximum length 64)",)


@pytest.mark.parametrize("backend", ["transformers", "ct2"])
@pytest.mark.parametrize("beam", [1, 3])
def test_every_output_stops_at_its_own_bound(
    looping_model_dir: Path, backend: str, beam: int
) -> None:
    engine = _load(looping_model_dir, backend, beam=beam)
    hyps = engine.translate(MIXED)
    assert len({h.src_tokens for h in hyps}) == len(MIXED)  # five bounds in one call
    for h in hyps:
        bound = math.ceil(3 * h.src_tokens)
        assert h.tgt_tokens == bound < 511, (backend, beam, h.src_tokens)
        assert h.notes == (
            f"{NOTE} {bound} tokens (--max-length-factor 3 x {h.src_tokens} source tokens)",
        )
        assert h.score is not None and h.score < 0
    # The start of each translation is the trained model's: the loop comes after.
    assert hyps[0].text.startswith(TRAINED_PAIRS[0][1].rstrip("."))


def test_backends_agree_on_bounded_greedy_outputs(looping_model_dir: Path) -> None:
    """CTranslate2 decodes a sub-batch to its longest bound, then cuts and rescores the
    shorter ones: texts and scores equal those of transformers, which stops each row."""
    ref = _load(looping_model_dir, "transformers", beam=1).translate(MIXED)
    got = _load(looping_model_dir, "ct2", beam=1).translate(MIXED)
    assert [h.text for h in got] == [h.text for h in ref]
    assert [h.tgt_tokens for h in got] == [h.tgt_tokens for h in ref]
    for g, r in zip(got, ref, strict=True):
        assert g.score == pytest.approx(r.score, abs=1e-3)


def test_other_factors_and_the_signature(looping_model_dir: Path) -> None:
    engine = _load(looping_model_dir, "ct2", beam=1, max_length_factor=1.5)
    assert engine.signature.max_length_factor == 1.5
    assert "|maxlen:512|lenfactor:1.5|" in str(engine.signature)
    hyps = engine.translate(MIXED)
    assert [h.tgt_tokens for h in hyps] == [math.ceil(1.5 * h.src_tokens) for h in hyps]
    default = _load(looping_model_dir, "ct2", beam=1)
    assert "|lenfactor:3|" in str(default.signature)
    assert default.signature.cache_key("x") != engine.signature.cache_key("x")
    assert [engine.bound(n) for n in (1, 2, 3, 400)] == [2, 3, 5, 511]


def test_a_model_that_stops_is_untouched(trained_model_dir: Path) -> None:
    hyps = _load(trained_model_dir, "ct2", beam=1).translate(SOURCES)
    assert [h.text for h in hyps] == [t for _, t in TRAINED_PAIRS]
    assert all(h.notes == () for h in hyps)


@pytest.mark.parametrize("factor", [0, -1, math.inf, math.nan])
def test_bad_factor_refused(trained_model_dir: Path, factor: float) -> None:
    with pytest.raises(ConfigError, match="--max-length-factor must be a positive number"):
        _load(trained_model_dir, "ct2", max_length_factor=factor)


def test_cli_option(looping_model_dir: Path, tmp_path: Path) -> None:
    src = tmp_path / "in.txt"
    src.write_text(SOURCES[0] + "\n", "utf-8")
    out = tmp_path / "out.jsonl"
    common = ["translate", "--model", looping_model_dir, "--beam", "1", "--threads", "1", "-q"]
    code, _, err = run_cli(
        [*common, "--max-length-factor", "2", "--format", "jsonl", "-o", out, src]
    )
    assert (code, err) == (0, "")
    (record,) = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert "|lenfactor:2|" in record["signature"]
    assert record["tgt_tokens"] == 2 * record["src_tokens"]
    code, _, err = run_cli([*common, "--max-length-factor", "0", src])
    assert code == 2
    assert err == (
        "songngu: error: --max-length-factor must be a positive number, got 0; the default is 3\n"
    )
