"""The engine end to end on tiny Marian models built in code (no downloads)."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest

from tests.shared_data import DATA
from tests.tinymodels import TRAINED_PAIRS
from translate.backend import Generated
from translate.engine import Engine, load_translator
from translate.normalize import normalize_for_mt

SOURCES = [s for s, _ in TRAINED_PAIRS]
TARGETS = [t for _, t in TRAINED_PAIRS]


@pytest.fixture(scope="module")
def trained(trained_model_dir: Path) -> Engine:
    return load_translator(str(trained_model_dir), backend="transformers", beam=1, threads=1)


@pytest.fixture(scope="module")
def tiny(tiny_model_dir: Path) -> Engine:
    return load_translator(
        str(tiny_model_dir), backend="transformers", beam=1, threads=1, batch_tokens=1 << 15
    )


@pytest.mark.parametrize("beam", [1, 4])
@pytest.mark.parametrize("batch_tokens", [16, 60, 4096])
def test_exact_translations_survive_batching(trained: Engine, beam: int, batch_tokens: int) -> None:
    trained.beam, trained.batch_tokens = beam, batch_tokens
    order = list(range(len(SOURCES)))
    random.Random(beam * batch_tokens).shuffle(order)
    hyps = trained.translate([SOURCES[i] for i in order])
    assert [h.text for h in hyps] == [TARGETS[i] for i in order]
    for h in hyps:
        assert h.score is not None and h.score < 0
        assert h.src_tokens > 1 and h.tgt_tokens > 0
        assert not h.split and h.parts == 1
    trained.beam, trained.batch_tokens = 1, 4096


def test_signature(trained: Engine, trained_model_dir: Path) -> None:
    sig = trained.translate([SOURCES[0]])[0].signature
    assert sig.model == trained_model_dir.name
    assert sig.revision.startswith("local:") and len(sig.revision) == len("local:") + 12
    assert (sig.backend, sig.precision, sig.max_length) == ("transformers", "float32", 512)
    again = load_translator(str(trained_model_dir), backend="transformers", beam=1, threads=1)
    assert again.signature == trained.signature


def test_normalized_input_translates_like_clean_input(trained: Engine) -> None:
    messy = "  Đi\u200b với\ttôi./.  "
    assert trained.translate([messy])[0].text == "Come with me."


def test_empty_and_odd_inputs(trained: Engine) -> None:
    assert trained.translate([]) == []
    inputs = ["", "   ", "\t\n", SOURCES[1], "中文测试句子", "هذه جملة عربية", "a\x00\x01b", "\x00"]
    hyps = trained.translate(inputs)
    assert len(hyps) == len(inputs)
    for i in (0, 1, 2, 7):
        assert hyps[i].text == "" and hyps[i].score is None and hyps[i].src_tokens == 0
    assert hyps[3].text == TARGETS[1]
    for i in (4, 5, 6):
        assert hyps[i].src_tokens > 0 and isinstance(hyps[i].text, str)
    assert any("unknown" in n for n in hyps[4].notes)


class Recording:
    """Wraps a backend and records every source sequence it is given."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.name = inner.name
        self.precision = inner.precision
        self.seen: list[list[int]] = []

    def generate(self, batch: list[list[int]], **kw: Any) -> list[Generated]:
        self.seen.extend(batch)
        return self.inner.generate(batch, **kw)


def test_2000_token_sentence_is_split_not_cut(trained: Engine) -> None:
    rec = Recording(trained.backend)
    engine = Engine(
        trained.tokenizer, rec, model_id="m", revision="local:x", beam=1, max_length=512
    )
    long = " ".join(["Ông nói rằng tình hình kinh tế đang tốt lên,"] * 100)
    whole = engine._encode(long)
    assert len(whole) >= 2000
    (hyp,) = engine.translate([long])
    assert hyp.split and hyp.parts >= 4
    assert len(rec.seen) == hyp.parts
    assert all(len(ids) <= 512 and ids[-1] == engine.eos_id for ids in rec.seen)
    # Every source token is in some part (parts are whole clauses; only EOS is added).
    assert sum(len(ids) - 1 for ids in rec.seen) == len(whole) - 1
    assert hyp.src_tokens == sum(len(ids) for ids in rec.seen)
    assert hyp.tgt_tokens > 0 and hyp.text


def test_100kb_line(tiny: Engine) -> None:
    rec = Recording(tiny.backend)

    class Short:  # a real model on every part, but stop after 4 tokens to keep this fast
        name, precision = rec.name, rec.precision

        def generate(self, batch: list[list[int]], **kw: Any) -> list[Generated]:
            return rec.generate(batch, **{**kw, "max_new_tokens": 4})

    engine = Engine(
        tiny.tokenizer, Short(), model_id="m", revision="local:x", beam=1, batch_tokens=1 << 15
    )
    text = " ".join((DATA / "ntrex128" / "dev.vi").read_text("utf-8").split())
    if len(text) < 100_000:
        text = (text + " ") * (100_000 // max(1, len(text)) + 1)
    text = text[:100_000]
    whole = engine._encode(normalize_for_mt(text))
    (hyp,) = engine.translate([text])
    assert hyp.split and hyp.parts == len(rec.seen) > 50
    assert all(len(ids) <= 512 for ids in rec.seen)
    assert sum(len(ids) - 1 for ids in rec.seen) == len(whole) - 1
    assert len(hyp.text.split()) >= hyp.parts  # every part contributed text


def test_random_model_long_unspaced_text(tiny: Engine) -> None:
    (hyp,) = tiny.translate(["字" * 5000 + " a"])
    assert hyp.src_tokens > 0


def test_bad_options(trained_model_dir: Path) -> None:
    from corpus.errors import ConfigError, ModelError

    with pytest.raises(ConfigError, match="--max-length 1000"):
        load_translator(str(trained_model_dir), max_length=1000)
    with pytest.raises(ConfigError, match="--precision 'float8'"):
        load_translator(str(trained_model_dir), precision="float8", device="cpu")
    with pytest.raises(ConfigError, match="--revision"):
        load_translator(str(trained_model_dir), revision="main")
    with pytest.raises(ModelError, match="does not exist"):
        load_translator("./no/such/dir")


def test_missing_files_named(tmp_path: Path, trained_model_dir: Path) -> None:
    from corpus.errors import ModelError

    for f in ("config.json", "vocab.json", "source.spm"):
        (tmp_path / f).write_bytes((trained_model_dir / f).read_bytes())
    with pytest.raises(ModelError, match=r"target\.spm.*model\.safetensors"):
        load_translator(str(tmp_path))


@pytest.mark.parametrize("precision", ["bfloat16", "int8"])
def test_other_precisions_run(trained_model_dir: Path, precision: str) -> None:
    engine = load_translator(
        str(trained_model_dir),
        backend="transformers",
        beam=1,
        threads=1,
        precision=precision,
        device="cpu",
    )
    hyps = engine.translate(SOURCES[:5])
    assert engine.signature.precision == precision
    assert len(hyps) == 5 and all(isinstance(h.text, str) for h in hyps)


def test_default_path_is_ct2_int8_on_cpu(trained_model_dir: Path) -> None:
    """The default is the fastest measured CPU path (benchmarks/translate.py), and it still
    reproduces the trained pairs exactly on this model."""
    engine = load_translator(str(trained_model_dir), beam=1, threads=1, device="cpu")
    assert (engine.signature.backend, engine.signature.precision) == ("ct2", "int8")
    assert [h.text for h in engine.translate(SOURCES)] == TARGETS
