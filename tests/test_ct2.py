"""The CTranslate2 backend: cached atomic conversion, exactness against transformers, errors.

CTranslate2's Marian decoder starts from a zero embedding (as Marian and opus-mt do). The
trained tiny model keeps its ``<pad>`` (decoder-start) row at zero for that reason; a checkpoint
whose row is not zero (``nonzero_start_dir``) is refused rather than translated differently.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from corpus.errors import ConfigError, ModelError
from tests.tinymodels import TRAINED_PAIRS

SOURCES = [s for s, _ in TRAINED_PAIRS]
TARGETS = [t for _, t in TRAINED_PAIRS]


@pytest.fixture(autouse=True)
def _cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path_factory.mktemp("songngu-cache")
    monkeypatch.setenv("SONGNGU_CACHE", str(root))
    return root


@pytest.fixture(scope="session")
def zero_start_dir(trained_model_dir: Path) -> Path:
    """The trained model; its decoder-start row is zero, as in real opus-mt checkpoints."""
    return trained_model_dir


@pytest.fixture(scope="session")
def nonzero_start_dir(trained_model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the trained model whose decoder-start row is not zero (a fine-tuned look)."""
    import torch
    from transformers import MarianMTModel

    out = tmp_path_factory.mktemp("nonzero-start") / "model"
    shutil.copytree(trained_model_dir, out)
    model = MarianMTModel.from_pretrained(str(trained_model_dir))
    with torch.no_grad():
        model.model.shared.weight[model.config.pad_token_id].fill_(0.1)
    model.save_pretrained(str(out))
    return out


def _converted_dirs(root: Path) -> list[Path]:
    return sorted(p for p in (root / "ct2").iterdir() if not p.name.startswith("."))


def _load(model_dir: Path, **kw: object):  # type: ignore[no-untyped-def]
    from translate.engine import load_translator

    return load_translator(str(model_dir), backend="ct2", beam=1, **kw)  # type: ignore[arg-type]


def test_conversion_is_cached_and_not_redone(zero_start_dir: Path, _cache: Path) -> None:
    from translate import ct2

    _load(zero_start_dir, precision="float32")
    (conv,) = _converted_dirs(_cache)
    assert (conv / ct2.MARKER).is_file()
    before = (conv / "model.bin").stat().st_mtime_ns
    calls: list[object] = []
    original = ct2._convert
    try:
        ct2._convert = lambda *a: calls.append(a)  # type: ignore[assignment]
        _load(zero_start_dir, precision="float32")
    finally:
        ct2._convert = original
    assert calls == []
    assert (conv / "model.bin").stat().st_mtime_ns == before
    assert _converted_dirs(_cache) == [conv]
    assert not [p for p in (_cache / "ct2").iterdir() if p.name.startswith(".")]  # no temp dirs


def test_int8_and_float32_are_cached_apart(zero_start_dir: Path, _cache: Path) -> None:
    _load(zero_start_dir, precision="float32")
    _load(zero_start_dir, precision="int8")
    _load(zero_start_dir, precision="int8_float32")  # stored as int8 too: no third conversion
    names = [p.name for p in _converted_dirs(_cache)]
    assert len(names) == 2
    assert any("-int8-" in n for n in names) and any("-float32-" in n for n in names)


def test_dir_without_marker_is_rebuilt(zero_start_dir: Path, _cache: Path) -> None:
    from translate import ct2

    _load(zero_start_dir, precision="float32")
    (conv,) = _converted_dirs(_cache)
    (conv / ct2.MARKER).unlink()
    (conv / "model.bin").write_bytes(b"half-written")
    engine = _load(zero_start_dir, precision="float32")
    assert (conv / ct2.MARKER).is_file()
    assert (conv / "model.bin").stat().st_size > 1000
    assert engine.translate(SOURCES[:2])[0].text


def test_float32_greedy_equals_transformers(zero_start_dir: Path) -> None:
    from translate.engine import load_translator

    ref = load_translator(str(zero_start_dir), precision="float32", beam=1).translate(SOURCES)
    got = _load(zero_start_dir, precision="float32").translate(SOURCES)
    assert [h.text for h in got] == [h.text for h in ref]
    assert [h.tgt_tokens for h in got] == [h.tgt_tokens for h in ref]
    for g, r in zip(got, ref, strict=True):
        assert g.score == pytest.approx(r.score, abs=1e-3)
    assert got[0].signature.backend == "ct2" and got[0].signature.precision == "float32"


def test_int8_greedy_close_to_float32(zero_start_dir: Path) -> None:
    """int8 may legitimately change a few outputs; on this model it changes none."""
    f32 = _load(zero_start_dir, precision="float32").translate(SOURCES)
    i8 = _load(zero_start_dir, precision="int8").translate(SOURCES)
    same = sum(a.text == b.text for a, b in zip(f32, i8, strict=True))
    assert same >= len(SOURCES) - 2
    assert i8[0].signature.precision == "int8"


def test_exact_trained_pairs(trained_model_dir: Path) -> None:
    for precision in ("float32", "int8"):
        hyps = _load(trained_model_dir, precision=precision).translate(SOURCES)
        assert [h.text for h in hyps] == TARGETS, precision


def test_nonzero_start_refused(nonzero_start_dir: Path) -> None:
    with pytest.raises(ModelError, match="decoder-start"):
        _load(nonzero_start_dir, precision="float32")


def test_empty_batch_and_order(zero_start_dir: Path) -> None:
    engine = _load(zero_start_dir, precision="int8", threads=2)
    assert engine.translate([]) == []
    mixed = [SOURCES[3], "", SOURCES[0], SOURCES[3]]
    hyps = engine.translate(mixed)
    assert hyps[1].text == ""
    assert hyps[0].text == hyps[3].text
    assert engine.backend.generate([], beam=1, max_new_tokens=5) == []


def test_forced_length(zero_start_dir: Path) -> None:
    """min = max new tokens gives exactly that many tokens (what the benchmark relies on)."""
    engine = _load(zero_start_dir, precision="float32")
    ids = engine.tokenizer(SOURCES[0])["input_ids"]
    (gen,) = engine.backend.generate([ids], beam=1, max_new_tokens=12, min_new_tokens=12)
    assert len(gen.ids) == 12


# What a CPU might report; the tests below fix it so that they assert the same on any CPU
# (CTranslate2's real list depends on the processor: int16 on Intel only, bfloat16 with AVX512).
FIXED_CPU_TYPES = {"int8", "int8_float32", "float32"}


@pytest.fixture
def fixed_compute_types(monkeypatch: pytest.MonkeyPatch) -> set[str]:
    import ctranslate2

    monkeypatch.setattr(ctranslate2, "get_supported_compute_types", lambda device: FIXED_CPU_TYPES)
    return FIXED_CPU_TYPES


@pytest.mark.parametrize("precision", ["int3", "fp8", "float64"])
def test_unknown_precision_refused(fixed_compute_types: set[str], precision: str) -> None:
    from translate.ct2 import resolve_precision

    with pytest.raises(ConfigError) as info:
        resolve_precision(precision, "cpu")
    assert str(info.value) == (
        f"--precision {precision!r} is not a CTranslate2 precision; on this machine's cpu use "
        "one of float32, int8, int8_float32"
    )


@pytest.mark.parametrize("precision", ["bf16", "float16", "int8_float16", "int16"])
def test_precision_the_device_lacks_is_refused(
    fixed_compute_types: set[str], precision: str
) -> None:
    from translate.ct2 import resolve_precision

    with pytest.raises(ConfigError) as info:
        resolve_precision(precision, "cpu")
    assert str(info.value) == (
        f"--precision {precision} is not supported by CTranslate2 on this machine's cpu "
        "(supported here: float32, int8, int8_float32); pick one of those"
    )


@pytest.mark.parametrize(
    ("precision", "canonical"),
    [("int16", "int16"), ("bf16", "bfloat16"), ("FP32", "float32"), ("int8", "int8")],
)
def test_every_type_the_device_reports_is_accepted(
    monkeypatch: pytest.MonkeyPatch, precision: str, canonical: str
) -> None:
    """int16 (Intel CPUs) and bfloat16 (AVX512-BF16) are accepted wherever CTranslate2 has them."""
    import ctranslate2

    from translate.ct2 import resolve_precision

    reported = {"int8", "int16", "bfloat16", "float32"}
    monkeypatch.setattr(ctranslate2, "get_supported_compute_types", lambda device: reported)
    assert resolve_precision(precision, "cpu") == canonical


@pytest.mark.parametrize(
    ("device", "reported", "default"),
    [
        ("cpu", {"int8", "float32"}, "int8"),
        ("cuda", {"int8", "float16", "float32"}, "float16"),
        ("cuda", {"int8", "float32"}, "int8"),  # a GPU without float16 kernels
    ],
)
def test_default_precision_per_device(
    monkeypatch: pytest.MonkeyPatch, device: str, reported: set[str], default: str
) -> None:
    import ctranslate2

    from translate.ct2 import resolve_precision

    monkeypatch.setattr(ctranslate2, "get_supported_compute_types", lambda device: reported)
    assert resolve_precision(None, device) == default


def test_refused_precision_reaches_the_loader(
    fixed_compute_types: set[str], zero_start_dir: Path
) -> None:
    with pytest.raises(ConfigError, match=r"--precision int16 is not supported .*int8_float32"):
        _load(zero_start_dir, precision="int16", device="cpu")


def test_bad_device(zero_start_dir: Path) -> None:
    with pytest.raises(ConfigError, match="mps"):
        _load(zero_start_dir, precision="int8", device="mps")


def test_no_ctranslate2_import_at_package_import() -> None:
    import subprocess
    import sys

    code = "import sys, translate, translate.ct2; print('ctranslate2' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


class _RecordingTranslator:
    """Stands in for ctranslate2.Translator: records how the backend asks for sub-batches."""

    def __init__(self) -> None:
        self.calls: list[dict[str, object]] = []

    def translate_batch(self, source: list[list[str]], **kw: object) -> list[object]:
        from types import SimpleNamespace

        self.calls.append({"n": len(source), **kw})
        result = SimpleNamespace(hypotheses=[["b"]], scores=[-0.5])
        return [SimpleNamespace(result=lambda: result) for _ in source]


@pytest.mark.parametrize(
    ("workers", "n", "beam", "sub"),
    [
        (2, 64, 1, 16),  # 4 x 16 on 2 cores, not 24 + 24 + 16 with one core idle
        (2, 200, 1, 20),  # 10 x 20
        (2, 48, 1, 24),
        (2, 40, 4, 10),  # beam search: at most 16 sentences (64 hypotheses) per sub-batch
        (2, 3, 1, 2),
        (1, 64, 1, 64),  # one worker (GPU): the whole batch
    ],
)
def test_sub_batches_are_equal_and_fill_every_core(
    workers: int, n: int, beam: int, sub: int
) -> None:
    from translate.ct2 import CT2Backend

    fake = _RecordingTranslator()
    backend = CT2Backend(
        fake,
        precision="int8",
        device="cpu",
        source_pieces=["<unk>", "a", "</s>"],
        target_ids={"b": 7},
        unk_id=0,
        workers=workers,
    )
    out = backend.generate([[1, 2]] * n, beam=beam, max_new_tokens=5)
    sizes = [c["n"] for c in fake.calls]
    assert sizes[:-1] == [sub] * (len(sizes) - 1) and 0 < sizes[-1] <= sub and sum(sizes) == n
    for call in fake.calls:
        assert call["asynchronous"] is True  # sub-batches run in parallel, one per core
        assert call["max_input_length"] == 0  # never truncates
        assert call["max_decoding_length"] == 5
    assert [g.ids for g in out] == [[7]] * n
    assert backend.preferred_batch_tokens == 65536


def test_sub_batches_decode_to_their_own_longest_bound() -> None:
    """Sentences are grouped by bound (longest first) and each sub-batch is decoded only as far
    as its longest bound, so a short sentence never loops to a long one's bound."""
    from translate.ct2 import CT2Backend

    fake = _RecordingTranslator()
    backend = CT2Backend(
        fake,
        precision="int8",
        device="cpu",
        source_pieces=["<unk>", "a", "</s>"],
        target_ids={"b": 7},
        unk_id=0,
        workers=2,
    )
    bounds = [6, 30, 9, 60, 3, 33, 12, 57]
    out = backend.generate([[1, 2]] * 8, beam=1, max_new_tokens=bounds)
    # 8 sentences on 2 cores: 2 sub-batches of 4, bounds 60 57 33 30 and 12 9 6 3.
    assert [(c["n"], c["max_decoding_length"]) for c in fake.calls] == [(4, 60), (4, 12)]
    assert [g.ids for g in out] == [[7]] * 8
