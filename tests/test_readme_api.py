"""The README's "Using songngu from Python" section, run as written, and the public surface.

Every ```python block between the ``python-api:start`` and ``python-api:end`` markers runs, in
order and in one namespace, in an empty directory; its printed output must equal the ```text
block that follows it, character for character. The model id the README shows is rebound to
the trained tiny model (``tests/tinymodels.py``), which translates these sentences exactly, so
the examples run offline and their outputs are exact. A README edit that breaks an example, or
an API change that breaks the README, fails here.
"""

from __future__ import annotations

import contextlib
import io
import re
import subprocess
import sys
from pathlib import Path

import pytest

import aligned
import corpus
import translate
from corpus.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
START = "<!-- python-api:start"
END = "<!-- python-api:end -->"
MODEL_LINE = 'MODEL = "Helsinki-NLP/opus-mt-vi-en"'
_FENCE = re.compile(r"^```(\w+)\n(.*?)^```$", re.MULTILINE | re.DOTALL)


def api_section() -> str:
    text = README.read_text(encoding="utf-8")
    assert text.count(START) == 1 and text.count(END) == 1, "README needs one python-api section"
    return text[text.index(START) : text.index(END)]


def examples() -> list[tuple[str, str]]:
    """(python code, expected output) for every python block of the section, in order."""
    blocks = [(m.group(1), m.group(2)) for m in _FENCE.finditer(api_section())]
    pairs = []
    for i, (lang, body) in enumerate(blocks):
        if lang != "python":
            continue
        after = blocks[i + 1] if i + 1 < len(blocks) else None
        assert after is not None and after[0] == "text", (
            f"python block {len(pairs) + 1} of the README's API section has no ```text block "
            "with its output after it"
        )
        pairs.append((body, after[1]))
    return pairs


def test_the_section_covers_the_five_tasks() -> None:
    code = "\n".join(body for body, _ in examples())
    for call in (
        "segment_text(",
        "load_translator(MODEL)",
        "open_store(",
        "translate_store(",
        "export(",
        "add_references(",
        "score(",
    ):
        assert call in code, call
    assert code.count(MODEL_LINE) == 1
    # The id the README shows is the real default model, not a stale one.
    assert f'MODEL = "{translate.DEFAULT_MODEL}"' == MODEL_LINE


def test_readme_examples_run_and_print_what_the_readme_shows(
    trained_model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SONGNGU_CACHE", str(tmp_path / "cache"))  # the ct2 conversion
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    namespace: dict[str, object] = {"__name__": "readme"}
    for n, (code, expected) in enumerate(examples(), 1):
        code = code.replace(MODEL_LINE, f"MODEL = {str(trained_model_dir)!r}")
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(code, f"README python block {n}", "exec"), namespace)
        assert out.getvalue() == expected, f"README python block {n}"
    # What the blocks left behind is what the text says they write.
    assert sorted(p.name for p in work.iterdir() if not p.name.startswith(".")) == [
        "corpus.en",
        "corpus.sqlite",
        "corpus.tmx",
        "corpus.vi",
    ]
    assert (work / "corpus.vi").read_text(encoding="utf-8").splitlines() == [
        "Đi với tôi.",
        "Xin chúc mừng!",
        "Tôi bị bắt à?",
        "Con chó có sủa không?",
    ]


def test_run_corpus_as_the_readme_names_it(trained_model_dir: Path, tmp_path: Path) -> None:
    """The one-line ``aligned.run_corpus(docs, "out", lambda: translator)`` of the README."""
    doc = corpus.segment_text("Đi với tôi. Xin chúc mừng!", doc_id="d")
    translator = translate.load_translator(str(trained_model_dir), beam=1)
    result = aligned.run_corpus([doc], tmp_path / "out", lambda: translator)
    assert (result.documents, result.segments, result.translated) == (1, 2, 2)
    assert [p.name for p in result.exports] == [
        "corpus.tmx",
        "corpus.tsv",
        "corpus.vi",
        "corpus.en",
        "corpus.jsonl",
        "report.html",
    ]
    assert (tmp_path / "out" / "corpus.en").read_text(encoding="utf-8") == (
        "Come with me.\nCongratulations!\n"
    )


# -- the public surface -----------------------------------------------------------------------


@pytest.mark.parametrize("package", [corpus, translate, aligned], ids=lambda p: p.__name__)
def test_every_public_name_resolves(package: object) -> None:
    names = package.__all__  # type: ignore[attr-defined]
    assert len(names) == len(set(names))
    for name in names:
        assert getattr(package, name) is not None, name
        assert name in dir(package)
    with pytest.raises(AttributeError, match="no_such_name"):
        package.no_such_name  # type: ignore[attr-defined]  # noqa: B018


def test_lazy_names_are_the_defining_modules_objects() -> None:
    from aligned.api import export
    from aligned.store import open_store
    from corpus.pipeline import segment_text

    assert aligned.export is export and aligned.open_store is open_store
    assert corpus.segment_text is segment_text
    assert set(aligned._EXPORTS) <= set(aligned.__all__)
    assert set(corpus._LAZY) <= set(corpus.__all__)


def test_importing_the_packages_stays_cheap() -> None:
    """``import aligned`` imports none of its own modules, and no package imports the model
    stack; the API names load what they need on first use."""
    code = (
        "import sys, corpus, translate, aligned\n"
        "early = sorted(m for m in sys.modules if m.startswith(('aligned.', 'corpus.pipeline')))\n"
        "aligned.export, aligned.open_store, aligned.score, corpus.segment_text\n"
        "heavy = [m for m in ('torch', 'transformers', 'ctranslate2', 'sacrebleu') "
        "if m in sys.modules]\n"
        "print(early, heavy)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[] []"


def test_segment_text_offsets_and_errors() -> None:
    text = "  Hà Nội.Trời mưa.\n\nTôi đi học."
    doc = corpus.segment_text(text, doc_id="a", source="notes.txt")
    assert (doc.id, doc.source, doc.text) == ("a", "notes.txt", text)
    assert [(s.para, s.sent, s.text) for s in doc.segments] == [
        (1, 1, "Hà Nội."),
        (1, 2, "Trời mưa."),
        (2, 1, "Tôi đi học."),
    ]
    assert [text[s.start : s.end] for s in doc.segments] == ["Hà Nội.", "Trời mưa.", "Tôi đi học."]
    assert corpus.segment_text("Một.", doc_id="b").source == "b"
    lines = corpus.segment_text(
        "Một. Hai.\nBa.", options=corpus.PipelineOptions(segment="lines")
    ).segments
    assert [(s.para, s.text) for s in lines] == [(1, "Một. Hai."), (2, "Ba.")]
    with pytest.raises(ConfigError, match="doc_id must not be empty"):
        corpus.segment_text("Một.", doc_id=" ")
    with pytest.raises(TypeError, match="decode bytes first"):
        corpus.segment_text(b"x", doc_id="c")  # type: ignore[arg-type]


def test_api_functions_take_a_path_and_refuse_a_missing_store(tmp_path: Path) -> None:
    missing = tmp_path / "none.sqlite"
    with pytest.raises(ConfigError, match="does not exist"):
        aligned.export(missing, tmp_path / "x.tmx")
    with pytest.raises(ConfigError, match="does not exist"):
        aligned.score(missing)
    assert not missing.exists()
    with pytest.raises(ConfigError, match="cannot tell the format"):
        aligned.export(missing, tmp_path / "x.unknown")
