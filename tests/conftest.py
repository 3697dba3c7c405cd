"""Shared fixtures: tiny Marian models built in code (see ``tests/tinymodels.py``)."""

from __future__ import annotations

import json
import os
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

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


# --- fuzzing (tests/test_fuzz.py) ------------------------------------------------------------

_FUZZ_COUNTS = pytest.StashKey[Counter[tuple[str, str]]]()


@pytest.fixture(scope="session")
def fuzz_counter(pytestconfig: pytest.Config) -> Counter[tuple[str, str]]:
    """Generated inputs per (tier, target), counted by the fuzz properties as they run."""
    return pytestconfig.stash.setdefault(_FUZZ_COUNTS, Counter())


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> None:
    """Print the real number of generated inputs per fuzz target (and write them as JSON to
    ``$SONGNGU_FUZZ_REPORT`` when set)."""
    counts = config.stash.get(_FUZZ_COUNTS, None)
    if not counts:
        return
    tiers = sorted({tier for tier, _ in counts})
    report = {
        t: {target: n for (tier, target), n in sorted(counts.items()) if tier == t} for t in tiers
    }
    terminalreporter.section("fuzz: generated inputs per target")
    for tier, targets in report.items():
        for target, n in targets.items():
            terminalreporter.write_line(f"{tier:>6}  {target:<24} {n:>7}")
        terminalreporter.write_line(f"{tier:>6}  {'total':<24} {sum(targets.values()):>7}")
    path = os.environ.get("SONGNGU_FUZZ_REPORT")
    if path:
        Path(path).write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")


# --- browser tests (tests/test_browser*.py): Debian's Chromium driven by Playwright ------------

CHROMIUM = "/usr/bin/chromium"
#: Headless, and no background connections (this machine's closed network refuses them).
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
BROWSER_TIMEOUT_MS = 15_000


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """A headless Chromium (``make test`` installs it; a missing one fails, never skips)."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).is_file():
        pytest.fail(f"{CHROMIUM} is missing: run `sudo apt-get install chromium`")
    with sync_playwright() as pw:
        b = pw.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, timeout=BROWSER_TIMEOUT_MS
        )
        try:
            yield b
        finally:
            b.close()
