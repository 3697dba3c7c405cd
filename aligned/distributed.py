"""Translation as Ray Data batch inference: ``songngu run --engine ray``.

The store stays where the run is (the driver): it reads the pending texts, hands them to Ray
Data as an Arrow table, and ``map_batches`` runs ``TranslateBatch`` -- a callable class, so each
actor loads the model once -- on as many actors as asked (one GPU each where the cluster has
GPUs). Translated blocks stream back to the driver, which commits each one to the store in its
own transaction, exactly as a local run commits its batches: a run killed at any point resumes
from what is committed, and the corpus equals the single-process run's. Ray does the
scheduling, retries and back-pressure; nothing here is a scheduler.

Every actor checks that the model it loaded has the driver's signature (same model files,
revision, backend, precision, beam, max length and songngu version), so a node with another
copy of the model cannot mix its translations into the corpus.
"""

from __future__ import annotations

import json
import logging
import math
import os
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from aligned.runner import Chunk, ChunkTranslator, LocalChunks
from aligned.store import PendingText
from corpus.errors import ConfigError, ModelError, SongnguError
from translate.defaults import (
    DEFAULT_BACKEND,
    DEFAULT_BEAM,
    DEFAULT_DEVICE,
    DEFAULT_MAX_LENGTH_FACTOR,
)
from translate.types import Hypothesis, Signature, Translator

#: ``--engine`` choices: where ``songngu run`` translates (see :func:`chunk_translator`).
ENGINES = ("local", "ray")

# Ray's own INFO lines (executor plans, block stats) would drown songngu's summary.
_RAY_LOGGERS = ("ray", "ray.data", "ray.data._internal")


@dataclass(frozen=True, slots=True)
class ModelSpec:
    """What an actor passes to ``translate.engine.load_translator``: the model options."""

    model: str
    revision: str | None = None
    backend: str = DEFAULT_BACKEND
    precision: str | None = None
    beam: int = DEFAULT_BEAM
    max_length: int | None = None
    max_length_factor: float = DEFAULT_MAX_LENGTH_FACTOR
    batch_tokens: int | None = None
    device: str = DEFAULT_DEVICE
    threads: int | None = None


class TranslateBatch:
    """Ray Data callable class: one loaded model per actor, one NumPy batch per call."""

    def __init__(self, spec: dict[str, Any], signature: str) -> None:
        from translate.engine import load_translator

        self.translator = load_translator(**spec)
        got = str(self.translator.signature)
        if got != signature:
            raise ModelError(
                f"the model loaded on this Ray node has signature {got}, the driver's is "
                f"{signature}; give every node the same model files and songngu version"
            )

    def __call__(self, batch: dict[str, Any]) -> dict[str, list[Any]]:
        hyps = self.translator.translate([str(t) for t in batch["text"]])
        return {
            "key": [int(k) for k in batch["key"]],
            "text": [h.text for h in hyps],
            # NaN stands for "no score": Arrow columns must keep one type.
            "score": [math.nan if h.score is None else float(h.score) for h in hyps],
            "src_tokens": [h.src_tokens for h in hyps],
            "tgt_tokens": [h.tgt_tokens for h in hyps],
            "split": [bool(h.split) for h in hyps],
            "parts": [h.parts for h in hyps],
            "notes": [json.dumps(list(h.notes), ensure_ascii=False) for h in hyps],
        }


def chunk_translator(
    engine: str, spec: ModelSpec, *, address: str | None = None, actors: int | None = None
) -> ChunkTranslator:
    """The ``ChunkTranslator`` ``--engine`` names: ``local`` (this process) or ``ray``
    (``RayChunks`` on the cluster ``address`` names, with ``actors`` model replicas)."""
    if engine == "local":
        if address or actors:
            raise ConfigError("--address and --actors need --engine ray")
        return LocalChunks()
    if engine == "ray":
        return RayChunks(spec, address=address, actors=actors)
    raise ConfigError(f"--engine {engine!r} is not one of {', '.join(ENGINES)}")


def _hypothesis(row: dict[str, Any], signature: Signature) -> Hypothesis:
    score = float(row["score"])
    return Hypothesis(
        text=str(row["text"]),
        score=None if math.isnan(score) else score,
        src_tokens=int(row["src_tokens"]),
        tgt_tokens=int(row["tgt_tokens"]),
        signature=signature,
        split=bool(row["split"]),
        parts=int(row["parts"]),
        notes=tuple(json.loads(str(row["notes"]))),
    )


def _import_ray() -> Any:
    try:
        import ray
        import ray.data  # needs the [data] extra (pyarrow, pandas)
    except ImportError as exc:
        raise ConfigError(
            f"--engine ray needs Ray Data ({exc}); install it with "
            "`pip install 'songngu[ray]'` (or `pip install 'ray[data]'`), or use --engine local"
        ) from None
    return ray


class RayChunks:
    """``ChunkTranslator`` of ``--engine ray``: translate the pending texts on a Ray cluster.

    ``address``: None starts a local Ray instance for this run (and stops it after);
    ``"auto"`` or ``"ray://host:10001"`` joins a running cluster. ``actors``: model replicas
    (default: one per GPU when the cluster has GPUs, else one per node). Each CPU actor gets
    an equal share of the cluster's CPUs and runs that many translation threads.
    """

    def __init__(
        self, spec: ModelSpec, *, address: str | None = None, actors: int | None = None
    ) -> None:
        if actors is not None and actors < 1:
            raise ConfigError(f"--actors must be at least 1, got {actors}")
        self.spec = spec
        self.address = address
        self.actors = actors
        # What the last run used (actors, CPUs, GPUs and threads per actor) and saw: seconds
        # from submitting to the first and last translated block, texts in all and in the first.
        self.plan: dict[str, Any] = {}

    def translate_chunks(
        self, pending: Iterable[PendingText], translator: Translator, commit_every: int
    ) -> Iterator[Chunk]:
        # Ray Data takes its blocks as a list: the pending texts are held here (the local
        # engine streams them).
        return self._translate(list(pending), translator.signature, commit_every)

    # -- cluster -----------------------------------------------------------------------

    def _connect(self, ray: Any) -> bool:
        """Join or start Ray; return True when this call started it (so we stop it)."""
        for name in _RAY_LOGGERS:
            logging.getLogger(name).setLevel(logging.ERROR)
        if ray.is_initialized():
            return False
        os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
        try:
            ray.init(
                address=self.address,
                include_dashboard=False,
                log_to_driver=False,
                logging_level=logging.ERROR,
                configure_logging=True,
            )
        except (ConnectionError, RuntimeError, ValueError) as exc:
            where = self.address or "a new local instance"
            raise ConfigError(
                f"cannot start or join Ray at {where}: {' '.join(str(exc).split())[:300]}; "
                "check --address (e.g. 'auto' on a cluster node after `ray start`, or "
                "ray://HEAD:10001), or leave it out to run Ray on this machine"
            ) from None
        return True

    def _resources(self, ray: Any) -> dict[str, Any]:
        cluster = ray.cluster_resources()
        cpus = int(cluster.get("CPU", 1)) or 1
        gpus = int(cluster.get("GPU", 0))
        use_gpus = gpus > 0 and self.spec.device in ("auto", "cuda")
        nodes = max(1, sum(1 for n in ray.nodes() if n.get("Alive")))
        actors = self.actors or (gpus if use_gpus else nodes)
        if use_gpus and actors > gpus:
            raise ConfigError(
                f"--actors {actors} asks for more GPUs than the cluster has ({gpus}); "
                f"use --actors {gpus} or fewer"
            )
        if not use_gpus and actors > cpus:
            raise ConfigError(
                f"--actors {actors} asks for more CPUs than the cluster has ({cpus}); "
                f"use --actors {cpus} or fewer"
            )
        cpus_per_actor = max(1, cpus // actors) if not use_gpus else 1
        return {
            "actors": actors,
            "num_cpus": cpus_per_actor,
            "num_gpus": 1 if use_gpus else 0,
            "threads": self.spec.threads or cpus_per_actor,
        }

    # -- translation -------------------------------------------------------------------

    def _translate(
        self, pending: Sequence[PendingText], signature: Signature, commit_every: int
    ) -> Iterator[Chunk]:
        ray = _import_ray()
        import pyarrow as pa

        started = self._connect(ray)
        try:
            plan = self._resources(ray)
            self.plan = plan
            ctx = ray.data.DataContext.get_current()
            ctx.enable_progress_bars = False
            ctx.execution_options.preserve_order = False  # blocks are stored as they arrive
            spec = {**asdict(self.spec), "threads": plan["threads"]}
            # One Arrow table per block, made here: no read or repartition task needs a CPU
            # slot, which CPU actors holding every slot of a small cluster would starve.
            tables = [
                pa.table(
                    {
                        "key": list(range(i, min(i + commit_every, len(pending)))),
                        "text": [p.text for p in pending[i : i + commit_every]],
                    }
                )
                for i in range(0, len(pending), commit_every)
            ]
            ds = ray.data.from_arrow(tables).map_batches(
                TranslateBatch,
                fn_constructor_kwargs={"spec": spec, "signature": str(signature)},
                batch_size=commit_every,
                batch_format="numpy",
                compute=ray.data.ActorPoolStrategy(size=plan["actors"]),
                num_cpus=plan["num_cpus"],
                num_gpus=plan["num_gpus"],
            )
            began = time.perf_counter()
            try:
                for batch in ds.iter_batches(batch_size=None, batch_format="numpy"):
                    now, texts = time.perf_counter() - began, len(batch["key"])
                    plan.setdefault("first_result_s", now)
                    plan.setdefault("first_texts", texts)
                    plan["last_result_s"] = now
                    plan["texts"] = plan.get("texts", 0) + texts
                    rows = [
                        {name: batch[name][i] for name in batch} for i in range(len(batch["key"]))
                    ]
                    yield (
                        [pending[int(r["key"])] for r in rows],
                        [_hypothesis(r, signature) for r in rows],
                    )
            except SongnguError:
                raise
            except Exception as exc:  # Ray wraps actor failures in its own exception types
                raise ModelError(_ray_failure(exc)) from None
        finally:
            if started:
                ray.shutdown()


def _ray_failure(exc: BaseException) -> str:
    """One line from a Ray error (the actor's own message, not Ray's traceback)."""
    text = str(exc)
    for marker in ("ModelError: ", "ConfigError: ", "DataError: "):
        if marker in text:
            text = text.split(marker, 1)[1]
            break
    line = " ".join(text.strip().splitlines()[:1]) or type(exc).__name__
    return (
        f"translation on Ray failed: {line[:400]}; what was translated before is committed, "
        "run the same command again to resume"
    )
