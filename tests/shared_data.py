"""Where the project's shared, read-only material lives (gold data, seeds, the TMX DTD).

CI clones the repository with ``shared/`` beside it; developers' checkouts have it at
``../shared`` too. ``$SONGNGU_SHARED`` overrides both (``$SONGNGU_SHARED_DATA`` only its
``data/`` folder). Tests and benchmarks read it through this one module, and the tests read
the segmentation gold of the two seed articles through the readers below.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

_ROOT = Path(__file__).resolve().parent.parent


def _find() -> Path:
    env = os.environ.get("SONGNGU_SHARED")
    if env:
        return Path(env)
    for candidate in (_ROOT.parent / "shared", Path("/work/shared")):
        if (candidate / "data").is_dir():
            return candidate
    return _ROOT.parent / "shared"  # missing: tests that need it fail with this path named


SHARED = _find()
DATA = Path(os.environ.get("SONGNGU_SHARED_DATA", str(SHARED / "data")))
SEEDS = SHARED / "seeds"
GOLD = DATA / "seeds-segmentation"  # per seed: <id>.txt (the gold sentences), <id>.noise.tsv
SEED_IDS = ("000_abbbb2874d62dfae", "003_31235d404d81b38e")
NEWS = _ROOT / "examples" / "news"  # the repository's own copies of the two seeds, verbatim


def gold_paragraphs(seed: str) -> list[list[str]]:
    """The gold sentences of ``seed``, per paragraph (blank-line separated, one per line)."""
    blocks = (GOLD / f"{seed}.txt").read_text(encoding="utf-8").strip("\n").split("\n\n")
    return [block.split("\n") for block in blocks]


def noise_rows(seed: str) -> list[dict[str, str]]:
    """The rows of ``<seed>.noise.tsv`` (line, category, action, segment, note)."""
    with open(GOLD / f"{seed}.noise.tsv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))


def gold_noise(seed: str) -> dict[str, str]:
    """Gold category by segment text, whitespace-only lines left out (they are no segment)."""
    return {
        r["segment"]: r["category"] for r in noise_rows(seed) if r["category"] != "whitespace-only"
    }


def gold_labels(seed: str) -> set[str]:
    """The segments the gold marks as speaker labels."""
    return {r["segment"] for r in noise_rows(seed) if r["category"] == "speaker-label"}


def ntrex_system_tsv(path: Path, system: str = "opus-2020-09-10") -> Path:
    """A TSV for ``songngu import`` at ``path``: NTREX-128 dev's 1005 Vietnamese sentences with
    the real OPUS-MT ``system``'s outputs, each under its document (``dev.docid``, 63 documents,
    para 1, sent = its number in the document) and signature ``system``."""
    root = DATA / "ntrex128"
    vi = (root / "dev.vi").read_text("utf-8").splitlines()
    en = (root / "systems" / f"{system}.en").read_text("utf-8").splitlines()
    docs = (root / "dev.docid").read_text("utf-8").splitlines()
    seen: dict[str, int] = {}
    rows = ["vi\ten\tdoc\tpara\tsent\tsignature"]
    for v, e, d in zip(vi, en, docs, strict=True):
        seen[d] = seen.get(d, 0) + 1
        rows.append(f"{v}\t{e}\t{d}\t1\t{seen[d]}\t{system}")
    path.write_text("\n".join(rows) + "\n", "utf-8")
    return path
