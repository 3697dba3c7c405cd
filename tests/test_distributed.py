"""``songngu run --engine ray`` on a local Ray cluster the test starts (2 CPUs, 2 actors).

The corpus a Ray run writes must equal the single-process run's exactly: the same store rows
and byte-identical exports. Ray is a dependency of the test environment (``songngu[ray]``).
"""

from __future__ import annotations

import contextlib
import math
import sqlite3
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path

import pytest

from aligned.distributed import ModelSpec, RayChunks, TranslateBatch, _hypothesis
from aligned.store import open_store
from corpus.errors import ConfigError, ModelError
from tests.cli import EXPORTS, FAST, run_cli
from tests.shared_data import NEWS
from tests.tinymodels import TRAINED_PAIRS

ray = pytest.importorskip("ray", reason="--engine ray needs songngu[ray] (installed by make)")

RAY2 = ["--engine", "ray", "--actors", "2"]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def cluster() -> Iterator[None]:
    """A local Ray instance with 2 CPUs, as on a 2-node cluster of 1-CPU machines."""
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level="ERROR")
    try:
        yield
    finally:
        ray.shutdown()


@pytest.fixture(scope="module")
def local_run(tmp_path_factory: pytest.TempPathFactory, trained_model_dir: Path) -> Path:
    out = tmp_path_factory.mktemp("local") / "out"
    code, _, err = run_cli(
        ["run", str(NEWS), "-o", str(out), "--model", str(trained_model_dir), *FAST]
    )
    assert code == 0, err
    return out


@pytest.fixture(scope="module")
def ray_run(
    tmp_path_factory: pytest.TempPathFactory, trained_model_dir: Path, cluster: None
) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("ray") / "out"
    code, _, err = run_cli(
        ["run", str(NEWS), "-o", str(out), "--model", str(trained_model_dir), *FAST, *RAY2]
    )
    assert code == 0, err
    return out, err


def _rows(path: Path) -> list[tuple[str, str, str]]:
    with open_store(path, create=False) as store:
        return store.translations()


def _translation_columns(path: Path) -> list[tuple[object, ...]]:
    with contextlib.closing(sqlite3.connect(path)) as db:
        return db.execute(
            "SELECT segment, signature, source, text, score, src_tokens, tgt_tokens, split, "
            "parts, notes FROM translations ORDER BY segment, signature"
        ).fetchall()


def test_ray_run_equals_the_single_process_run(local_run: Path, ray_run: tuple[Path, str]) -> None:
    out, err = ray_run
    assert "translated  54 now, 0 skipped" in err
    assert len(_rows(out / "corpus.sqlite")) == 54
    assert _translation_columns(out / "corpus.sqlite") == _translation_columns(
        local_run / "corpus.sqlite"
    )
    for name in EXPORTS:
        assert (out / name).read_bytes() == (local_run / name).read_bytes(), name


def test_ray_run_resumes_what_is_missing(
    local_run: Path, tmp_path: Path, trained_model_dir: Path, cluster: None
) -> None:
    out = tmp_path / "out"
    args = [str(NEWS), "-o", str(out), "--model", str(trained_model_dir), *FAST]
    assert run_cli(["run", *args])[0] == 0
    with contextlib.closing(sqlite3.connect(out / "corpus.sqlite")) as db, db:
        db.execute("DELETE FROM translations WHERE segment % 3 = 0")  # as if killed
    missing = 54 - len(_rows(out / "corpus.sqlite"))
    assert 0 < missing < 54
    code, _, err = run_cli(["run", *args, *RAY2])
    assert code == 0, err
    assert f"translated  {missing} now, {54 - missing} skipped" in err
    assert _translation_columns(out / "corpus.sqlite") == _translation_columns(
        local_run / "corpus.sqlite"
    )
    # Nothing left to do: Ray is not even asked.
    code, _, err = run_cli(["run", *args, *RAY2])
    assert (code, "translated  0 now, 54 skipped" in err) == (0, True)


def test_more_actors_than_cpus_is_a_config_error(
    tmp_path: Path, trained_model_dir: Path, cluster: None
) -> None:
    code, _, err = run_cli(
        [
            "run",
            str(NEWS),
            "-o",
            str(tmp_path / "o"),
            "--model",
            str(trained_model_dir),
            *FAST,
            "--engine",
            "ray",
            "--actors",
            "3",
        ]
    )
    assert code == 2
    assert "--actors 3 asks for more CPUs than the cluster has (2); use --actors 2" in err
    # The documents are stored before the engine runs: a corrected command resumes.
    with open_store(tmp_path / "o" / "corpus.sqlite", create=False) as store:
        assert len(store.segments()) == 63


def test_actor_with_another_model_is_refused(trained_model_dir: Path) -> None:
    spec = ModelSpec(model=str(trained_model_dir), beam=1, max_length=32, threads=1)
    with pytest.raises(ModelError, match=r"has signature model:.*the driver's is model:other"):
        TranslateBatch(asdict(spec), "model:other")


def test_actor_batches_round_trip_to_hypotheses(trained_model_dir: Path) -> None:
    from translate.engine import load_translator

    translator = load_translator(str(trained_model_dir), beam=1, threads=1)
    spec = ModelSpec(model=str(trained_model_dir), beam=1, threads=1)
    actor = TranslateBatch(asdict(spec), str(translator.signature))
    vi = [vi for vi, _ in TRAINED_PAIRS[:3]] + [""]
    out = actor({"key": [7, 8, 9, 10], "text": vi})
    assert out["key"] == [7, 8, 9, 10]
    assert out["text"] == [en for _, en in TRAINED_PAIRS[:3]] + [""]
    assert math.isnan(out["score"][3])  # an empty input has no model score
    rows = [{k: v[i] for k, v in out.items()} for i in range(4)]
    hyps = [_hypothesis(r, translator.signature) for r in rows]
    assert hyps == translator.translate(vi)


def test_engine_options_are_checked() -> None:
    with pytest.raises(ConfigError, match="--actors must be at least 1, got 0"):
        RayChunks(ModelSpec(model="m"), actors=0)
    code, _, err = run_cli(["run", str(NEWS), "-o", "/nonexistent/x", "--actors", "2"])
    assert code == 2
    assert "--address and --actors need --engine ray" in err


def test_missing_ray_is_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from aligned.distributed import _import_ray

    monkeypatch.setitem(sys.modules, "ray", None)
    with pytest.raises(ConfigError, match=r"pip install 'songngu\[ray\]'"):
        _import_ray()
