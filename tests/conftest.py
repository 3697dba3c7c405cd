"""Shared fixtures: tiny Marian models built in code (see ``tests/tinymodels.py``)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# CI runs the same generated examples every time (a red CI must be reproducible); local runs
# explore new ones. No deadlines: a shared 2-core machine makes timings meaningless.
settings.register_profile(
    "ci", derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("ci" if os.environ.get("CI") else "dev")

# ``tests.tinymodels`` must import however pytest was started (``pytest`` or ``python -m pytest``).
_ROOT = str(Path(__file__).resolve().parent.parent)
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)


@pytest.fixture(scope="session")
def tiny_model_dir() -> Path:
    """A random-weight tiny Marian model directory, loadable with ``load_translator(str(dir))``."""
    from tests.tinymodels import build_tiny_model

    return build_tiny_model()


@pytest.fixture(scope="session")
def trained_model_dir() -> Path:
    """A tiny Marian model that translates ``tests.tinymodels.TRAINED_PAIRS`` exactly."""
    from tests.tinymodels import build_trained_model

    return build_trained_model()
