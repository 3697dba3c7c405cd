"""The test suite's own layout: test modules share helpers through helper modules only."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent
HELPERS = {"cli", "conftest", "fakes", "shared_data", "tinymodels"}


def imported_modules(path: Path) -> set[str]:
    """Every module ``path`` imports, as dotted names (``from tests import x`` gives
    ``tests.x``), at any depth of the file (inside functions too)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = "." * node.level + (node.module or "")
            found.add(base)
            found.update(f"{base.rstrip('.')}.{alias.name}" for alias in node.names)
    return found


def test_imported_modules_sees_every_form(tmp_path: Path) -> None:
    src = tmp_path / "test_x.py"
    src.write_text(
        "import os.path\nfrom tests import test_a\nfrom .test_b import X\n"
        "def f():\n    import tests.test_c\n",
        encoding="utf-8",
    )
    assert imported_modules(src) == {
        "os.path", "tests", "tests.test_a", ".test_b", ".test_b.X", "tests.test_c",
    }  # fmt: skip


def test_no_test_module_imports_another() -> None:
    offenders = {
        path.name: sorted(
            name
            for name in imported_modules(path)
            if any(part.startswith("test_") for part in name.lstrip(".").split("."))
        )
        for path in sorted(TESTS.glob("*.py"))
    }
    assert {name: mods for name, mods in offenders.items() if mods} == {}


def test_helper_modules_are_the_known_ones() -> None:
    """A new shared helper belongs in one of these (or is added here on purpose)."""
    modules = {p.stem for p in TESTS.glob("*.py") if not p.stem.startswith("test_")}
    assert modules == HELPERS
