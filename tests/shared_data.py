"""Where the project's shared, read-only material lives (gold data, seeds, the TMX DTD).

CI clones the repository with ``shared/`` beside it; developers' checkouts have it at
``../shared`` too. ``$SONGNGU_SHARED`` overrides both (``$SONGNGU_SHARED_DATA`` only its
``data/`` folder). Tests and benchmarks read it through this one module.
"""

from __future__ import annotations

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
