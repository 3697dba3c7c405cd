"""Every ``--help`` ends with a runnable example, and every example runs.

The examples use the bundled ``examples/news/`` (linked into a temporary directory) or files
the example itself writes. ``songngu run``/``translate`` examples name no model, so they would
download opus-mt-vi-en: here a ``songngu`` wrapper adds ``--model`` with the tiny trained
model (tests/tinymodels.py) to those commands, and nothing else changes.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from aligned.cli import build_parser

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_TIMEOUT_S = 300


def _commands(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> list[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    """(command path, parser) for the top level and every registered subcommand, nested too."""
    found = [(path, parser)]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found += _commands(sub, (*path, name))
    return found


COMMANDS = {" ".join(path) or "songngu": p for path, p in _commands(build_parser())}


def example_block(help_text: str) -> list[str]:
    """The command lines of the ``example...:`` block that ends ``help_text``; AssertionError
    when the help does not end with one."""
    lines = help_text.rstrip().splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith("example")]
    assert starts, "no example block"
    header = lines[starts[-1]]
    assert header.endswith(":"), header
    body = lines[starts[-1] + 1 :]
    assert body, "the example block is empty"
    assert all(line.startswith("  ") and line.strip() for line in body), body
    return [line.strip() for line in body]


def test_every_subcommand_is_covered() -> None:
    assert set(COMMANDS) == {
        "songngu",
        *("segment", "translate", "run", "export", "import", "refs", "refs add"),
        *("refs list", "refs remove", "refs restore"),
        *("systems", "systems add", "systems list", "systems rename"),
        *("score", "compare", "check", "report", "review", "history"),
    }


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_help_ends_with_an_example_of_the_command(name: str) -> None:
    commands = example_block(COMMANDS[name].format_help())
    wanted = "songngu " + ("run" if name == "songngu" else name) + " "
    assert any(c.startswith(wanted) for c in commands), commands


@pytest.fixture(scope="module")
def songngu_bin(tmp_path_factory: pytest.TempPathFactory, trained_model_dir: Path) -> Path:
    """A directory with a ``songngu`` that runs this checkout's CLI, the tiny model for
    ``run``/``translate`` unless the command names one."""
    bindir = tmp_path_factory.mktemp("bin")
    script = bindir / "songngu"
    script.write_text(
        f"#!{sys.executable}\n"
        "import sys\n"
        "from aligned.cli import main\n"
        "argv = sys.argv[1:]\n"
        "if argv and argv[0] in ('run', 'translate') and '--model' not in argv:\n"
        f"    argv += ['--model', {str(trained_model_dir)!r}]\n"
        "sys.exit(main(argv))\n",
        encoding="utf-8",
    )
    script.chmod(0o755)
    return bindir


@pytest.fixture(scope="module")
def ct2_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("ct2-cache")  # converted once for all examples


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_example_runs(name: str, tmp_path: Path, songngu_bin: Path, ct2_cache: Path) -> None:
    commands = example_block(COMMANDS[name].format_help())
    (tmp_path / "examples").symlink_to(ROOT / "examples")
    env = {
        **os.environ,
        "PATH": f"{songngu_bin}{os.pathsep}{os.environ['PATH']}",
        "PYTHONPATH": str(ROOT),
        "SONGNGU_CACHE": str(ct2_cache),
        "HF_HUB_OFFLINE": "1",
    }
    script = "set -euo pipefail\n" + "\n".join(commands) + "\n"
    if name == "review":  # a server: wait for its URL, then stop it as a user would (Ctrl-C)
        proc = subprocess.Popen(
            ["bash", "-c", script],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        assert proc.stdout is not None
        url = proc.stdout.readline()
        assert url.startswith("http://127.0.0.1:"), url
        with urllib.request.urlopen(url.strip(), timeout=30) as page:  # it serves the report
            assert page.status == 200
        os.killpg(proc.pid, signal.SIGINT)
        _, err = proc.communicate(timeout=EXAMPLE_TIMEOUT_S)
        assert proc.returncode == 0, err
        assert "decisions are saved" in err
        return
    res = subprocess.run(
        ["bash", "-c", script],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=EXAMPLE_TIMEOUT_S,
    )
    assert res.returncode == 0, f"{script}\n{res.stderr[-3000:]}"
    assert "Traceback" not in res.stderr


def _option(command: str, dest: str) -> argparse.Action:
    (action,) = [a for a in COMMANDS[command]._actions if a.dest == dest]
    return action


@pytest.mark.parametrize("command", ["translate", "run"])
def test_model_options_come_from_the_registries(command: str) -> None:
    from corpus.flags import DROP_BY_DEFAULT, FLAGS
    from translate.defaults import DEFAULT_BACKEND, DEFAULT_BEAM, DEFAULT_MODEL
    from translate.registry import BACKENDS

    backend = _option(command, "backend")
    assert list(backend.choices or []) == list(BACKENDS) and backend.default == DEFAULT_BACKEND
    assert all(f"'{name}' ({info.help}" in (backend.help or "") for name, info in BACKENDS.items())
    precision = _option(command, "precision").help or ""
    for name, info in BACKENDS.items():
        assert f"{name}: " in precision
        assert all(p in precision for p in info.precisions)
    assert _option(command, "model").default == DEFAULT_MODEL
    assert _option(command, "beam").default == DEFAULT_BEAM
    if command == "run":
        drop = _option(command, "drop").help or ""
        assert all(flag in drop for flag in FLAGS)
        assert "'default' = " + ",".join(f for f in FLAGS if f in DROP_BY_DEFAULT) in drop


def test_top_level_help_lists_every_exit_code() -> None:
    from corpus.errors import EXIT_CODES

    text = COMMANDS["songngu"].format_help()
    for code, meaning in EXIT_CODES.items():
        assert f"  {code:<3} {meaning}\n" in text
