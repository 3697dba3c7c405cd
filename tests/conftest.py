"""Shared fixtures: tiny Marian models built in code (see ``tests/tinymodels.py``)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

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
