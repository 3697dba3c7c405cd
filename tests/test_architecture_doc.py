"""``ARCHITECTURE.md`` names what exists: files, tables, crash points, exit codes, registries.

The document is prose and cannot be checked whole, but the facts a reader acts on can: a file
it names that was moved, a table or crash point added without a line there, or an exit code it
does not list fails here, so the document is updated with the change.
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

from aligned.faults import CRASH_POINTS
from aligned.store.schema import MIGRATIONS, SCHEMA_VERSION
from corpus.errors import EXIT_CODES

ROOT = Path(__file__).resolve().parent.parent
DOC = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
_CODE = re.compile(r"`([^`\n]+)`")


def _section(title: str) -> str:
    start = DOC.index(f"## {title}")
    end = DOC.find("\n## ", start + 1)
    return DOC[start : end if end != -1 else len(DOC)]


def test_every_file_it_names_exists() -> None:
    files = [p.relative_to(ROOT).as_posix() for p in ROOT.rglob("*") if p.is_file()]
    named = set()
    for span in _CODE.findall(DOC):
        for token in re.findall(r"[\w./]+\.(?:py|md|j2|toml)\b", span):
            if token.startswith("../"):
                continue
            named.add(token)
    assert len(named) > 40
    missing = sorted(n for n in named if not any(f == n or f.endswith("/" + n) for f in files))
    assert missing == []


def test_store_section_lists_every_table_and_module() -> None:
    db = sqlite3.connect(":memory:")
    for step in sorted(MIGRATIONS):
        MIGRATIONS[step](db)
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    store = _section("The store")
    assert {t for t in tables if f"`{t}`" not in store} == set()
    modules = {p.name for p in (ROOT / "aligned" / "store").glob("*.py")} - {"__init__.py"}
    assert {m for m in modules if f"`{m}`" not in store} == set()
    assert f"SCHEMA_VERSION = {SCHEMA_VERSION}" in store


def test_every_crash_point_is_listed() -> None:
    section = _section("Crash points")
    for name in CRASH_POINTS:
        group, _, leaf = name.partition(".")
        assert f"`{name}`" in section or (group == "export" and f"`.{leaf}`" in section), name


def test_every_exit_code_is_listed() -> None:
    section = _section("Exit codes")
    listed = {int(n) for n in re.findall(r"(?:^|· )(\d+) ", section, re.MULTILINE)}
    assert listed == set(EXIT_CODES)
