"""JSONL: one JSON object per line holding every field of a pair.

Keys, always all of them and in this order: ``id`` (the store's stable segment uid
``doc#hex``, read back as ``AlignedPair.uid``; ``doc:para:sent`` for a pair without one),
``doc``,
``para``, ``sent``, ``start``, ``end`` (int or null), ``source_lang``, ``target_lang`` (the
language tags), the two texts, ``flags`` (list of names), ``signature``, ``score`` (number or
null), ``reviewed`` (bool), ``extra`` (string→string object: another tool's data, kept). The
texts are under ``vi`` and ``en`` when the pair is Vietnamese → English (any region), else
under ``source`` and ``target``: a key never names a language the text is not in. Text is
written as UTF-8, not ``\\u`` escapes (``ensure_ascii=False``). JSON has no NaN or infinity,
so a non-finite score is written as null.

The reader needs only the two texts: ``source``/``target``, or keys named by the reader's
``source_lang``/``target_lang`` (``vi``/``en`` by default; ``import --source-lang/--target-lang``;
matching: :mod:`.langs`), at the top or in the Hugging Face ``{"translation": {...}}`` shape.
A line's own ``source_lang``/``target_lang`` beat the key names, and ``source``/``target`` keys
are taken as the line says. Missing keys take their defaults, wrong types and malformed lines
are a :class:`DataError` naming the line.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Iterator
from typing import Any, BinaryIO, ClassVar, TextIO

from aligned.formats.base import ALL_FIELDS, Format, WriteStats, check_range, read_lines
from aligned.formats.langs import ReadStats, matches, pick_sides
from aligned.pairs import AlignedPair, uid_of
from corpus.errors import DataError

# A "\ud800" escape decodes to a lone surrogate: no character, and no UTF-8 store or file
# can hold it.
_SURROGATE = re.compile("[\ud800-\udfff]")


class JSONLFormat(Format):
    """JSON Lines with every field; the lossless format."""

    name: ClassVar[str] = "jsonl"
    suffixes: ClassVar[tuple[str, ...]] = (".jsonl", ".ndjson")
    help: ClassVar[str] = "JSON Lines with every field, the lossless format"
    run_file: ClassVar[str | None] = "corpus.jsonl"
    holds: ClassVar[frozenset[str]] = ALL_FIELDS

    def write(self, pairs: Iterable[AlignedPair], out: TextIO) -> WriteStats:
        dumps = json.JSONEncoder(ensure_ascii=False, allow_nan=False).encode
        write = out.write
        n = 0
        for p in pairs:
            score = p.score if p.score is None or math.isfinite(p.score) else None
            vi_en = matches(p.source_lang, "vi") and matches(p.target_lang, "en")
            src_key, tgt_key = ("vi", "en") if vi_en else ("source", "target")
            obj = {
                "id": p.id,
                "doc": p.doc,
                "para": p.para,
                "sent": p.sent,
                "start": p.start,
                "end": p.end,
                "source_lang": p.source_lang,
                "target_lang": p.target_lang,
                src_key: p.source,
                tgt_key: p.target,
                "flags": list(p.flags),
                "signature": p.signature,
                "score": score,
                "reviewed": p.reviewed,
                "extra": p.extra,
            }
            write(dumps(obj) + "\n")
            n += 1
        return WriteStats(pairs=n, stripped_chars=0)

    def read(self, inp: TextIO | BinaryIO, *, name: str) -> Iterator[AlignedPair]:
        self.read_stats = stats = ReadStats()
        for lineno, line in read_lines(inp, name=name):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except (ValueError, RecursionError) as e:
                if isinstance(e, json.JSONDecodeError):
                    reason = f"{e.msg} at column {e.colno}"
                elif isinstance(e, RecursionError):
                    reason = "nested too deep"
                else:  # a number of more digits than int() converts
                    reason = str(e).split(";")[0]
                raise DataError(
                    f"{name}: line {lineno}: not valid JSON ({reason}); "
                    "each line must be one JSON object such as "
                    '{"vi": "Xin chào.", "en": "Hello."}'
                ) from None
            pair = _pair(obj, name, lineno, self.source_lang, self.target_lang)
            stats.units += 1
            stats.languages[pair.source_lang] += 1
            stats.languages[pair.target_lang] += 1
            yield pair


#: The keys of a pair's fields: never taken for a language's text.
_FIELDS = frozenset(
    {"id", "doc", "para", "sent", "start", "end", "flags", "signature", "score", "reviewed"}
    | {"extra", "source_lang", "target_lang", "translation"}
)


def _texts(
    obj: dict[str, Any], source_lang: str, target_lang: str
) -> tuple[dict[str, Any], dict[str, str]]:
    """``obj`` with its two texts under ``source``/``target`` and their languages under
    ``source_lang``/``target_lang`` (from language-named keys, top level or ``translation``),
    and the keys the texts had (for messages)."""
    if "source" in obj or "target" in obj:
        return obj, {}
    for where in (obj, obj.get("translation")):
        if not isinstance(where, dict):
            continue
        keys = [k for k in where if where is not obj or k not in _FIELDS]
        src, tgt = pick_sides(keys, source_lang, target_lang)
        if src is not None:
            found = {"source": where[keys[src]], "source_lang": keys[src]}
            if tgt is not None:
                found |= {"target": where[keys[tgt]], "target_lang": keys[tgt]}
            rest = {k: v for k, v in obj.items() if k not in (keys[src], "translation")}
            if tgt is not None:
                rest.pop(keys[tgt], None)
            # tags the line states itself (our own exports) beat the keys' short names
            names = {"source": keys[src], "target": keys[tgt] if tgt is not None else target_lang}
            return {"source_lang": source_lang, "target_lang": target_lang, **found, **rest}, names
    return obj, {}


def _pair(obj: Any, name: str, lineno: int, source_lang: str, target_lang: str) -> AlignedPair:
    where = f"{name}: line {lineno}"
    if not isinstance(obj, dict):
        raise DataError(
            f"{where}: expected a JSON object, got {type(obj).__name__}; write one "
            '{"vi": ..., "en": ...} object per line'
        )
    obj, names = _texts(obj, source_lang, target_lang)

    def get(key: str, types: tuple[type, ...], default: Any, alt: str | None = None) -> Any:
        v = obj.get(key, obj.get(alt, default) if alt else default)
        # bool is an int subclass: a true/false where a number belongs is a mistake
        if not isinstance(v, types) or (isinstance(v, bool) and bool not in types):
            want = " or ".join("null" if t is type(None) else t.__name__ for t in types)
            shown = names.get(key, key)
            raise DataError(f"{where}: key {shown!r} must be {want}, got {json.dumps(v)[:80]}")
        if isinstance(v, str):
            no_surrogate(v, f"key {names.get(key, key)!r}")
        elif isinstance(v, int) and not isinstance(v, bool) and key != "score":
            check_range(v, f"key {key!r}", where)
        return v

    def no_surrogate(text: str, what: str) -> None:
        if m := _SURROGATE.search(text):
            raise DataError(
                f"{where}: {what} holds a lone surrogate \\u{ord(m[0]):04x}, which is no "
                "character; write the character itself or a valid surrogate pair"
            )

    if "source" not in obj:
        raise DataError(
            f"{where}: no {source_lang!r} key (nor 'source'); each line needs at least "
            f'{{"{source_lang}": "<source text>", "{target_lang}": "<its translation>"}} '
            "(pass --source-lang/--target-lang for other languages)"
        )
    source = get("source", (str,), None)
    target = get("target", (str,), "")
    flags = get("flags", (list,), [])
    if not all(isinstance(f, str) for f in flags):
        raise DataError(f"{where}: key 'flags' must be a list of strings, got {flags!r}"[:300])
    for f in flags:
        no_surrogate(f, "key 'flags'")
    extra = get("extra", (dict,), {})
    if not all(isinstance(v, str) for v in extra.values()):
        raise DataError(f"{where}: key 'extra' must map names to strings"[:300])
    for k, v in extra.items():
        no_surrogate(k + v, "key 'extra'")
    score = get("score", (int, float, type(None)), None)
    try:
        score = None if score is None else float(score)
    except OverflowError:  # an integer beyond float's range
        raise DataError(f"{where}: key 'score' is too large, got {str(score)[:40]}...") from None
    return AlignedPair(
        source=source,
        target=target,
        doc=get("doc", (str,), ""),
        para=get("para", (int,), 0),
        sent=get("sent", (int,), 0),
        start=get("start", (int, type(None)), None),
        end=get("end", (int, type(None)), None),
        flags=tuple(flags),
        signature=get("signature", (str,), ""),
        score=score,
        reviewed=get("reviewed", (bool,), False),
        extra=extra,
        uid=uid_of(obj["id"]) if isinstance(obj.get("id"), str) else "",
        source_lang=get("source_lang", (str,), source_lang) or source_lang,
        target_lang=get("target_lang", (str,), target_lang) or target_lang,
    )
