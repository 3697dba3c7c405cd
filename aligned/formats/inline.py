"""The plain text of a segment with inline codes (TMX, XLIFF 1.2 and 2.0): words never glued.

Why one module: TMX ``<ph>``/``<bpt>``, XLIFF 1.2 ``<x/>``/``<g>`` and XLIFF 2.0
``<ph/>``/``<pc>``/``<sc/>`` are the same idea, and the rule for what a code becomes in plain
text must be the same for every format (Okapi's plain-text rendering of codes is the model).

* Text-bearing elements keep their text where it stands: TMX ``<hi>``, XLIFF ``<g>``, ``<pc>``,
  ``<mrk>``; ``<sub>`` (translatable text inside a code, such as an ``alt``) is kept with a
  word boundary on each side. XLIFF 2.0 ``<cp hex="..."/>`` is the character it names.
* A code whose native content (or ``type``) is a break (``<br>``, ``<p>``, a literal ``\\n`` or
  ``\\t``, an RTF ``\\par``, Okapi's ``#![PG``, ``type="lb"``/``"image"``) becomes a space
  unless whitespace (or the segment's edge) is already there.
* Paired formatting codes (``<bpt>``, ``<ept>``, ``<bx/>``, ``<ex/>``, ``<sc/>``, ``<ec/>``)
  otherwise become nothing (``un<b>believ</b>able`` stays one word); standalone ones (``<ph>``,
  ``<it>``, ``<ut>``, ``<x/>``) a space between two letters or digits
  (``Click<ph/>here`` → ``Click here``, ``friend<ph/>!`` → ``friend!``).
"""

from __future__ import annotations

import re
from typing import Any

from lxml import etree

from corpus.errors import DataError

#: Codes that stand for native markup: their own content is never text.
CODES = frozenset({"bpt", "ept", "ph", "it", "ut", "x", "bx", "ex", "sc", "ec", "sm", "em"})
_PAIRED = frozenset({"bpt", "ept", "bx", "ex", "sc", "ec", "sm", "em"})
#: Native code that stands for a break: words on either side of it are separate words.
_BREAK_CODE = re.compile(
    r"(?i)^\s*(?:\\[ntr]|<\s*/?\s*(?:br|p|div|li|tr|td|th|h[1-6]|ul|ol|table|img|hr)\b"
    r"|\{?\\(?:par|line|tab|cell|row|page)\b|#!\[PG)|[\n\t\r]"
)
_BREAK_TYPES = frozenset({"lb", "image", "x-lb", "x-br", "pb", "fmt:lb"})


def local(tag: Any) -> str:
    """The local name of an element tag (no namespace); '' for comments and entities."""
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def seg_text(el: Any, name: str) -> str:
    """The text of a segment element with inline codes rendered (module docstring)."""
    if not len(el):  # no children: the common case
        return str(el.text or "")
    parts: list[str | tuple[str]] = []  # text, or (rule,) for a code
    _walk(el, parts, name)
    out: list[str] = []
    for i, part in enumerate(parts):
        if isinstance(part, str):
            out.append(part)
            continue
        before = next((c for chunk in reversed(out) for c in reversed(chunk)), "")
        after = next((c for q in parts[i + 1 :] if isinstance(q, str) for c in q), "")
        rule = part[0]
        if not before or not after or before.isspace() or after.isspace():
            continue
        if rule == "break" or (rule == "word" and before.isalnum() and after.isalnum()):
            out.append(" ")
    return "".join(out)


def _walk(el: Any, parts: list[str | tuple[str]], name: str) -> None:
    parts.append(el.text or "")
    for child in el:
        if child.tag is etree.Entity:
            raise DataError(
                f"{name}: line {child.sourceline}: entity reference {child.text} is not "
                "expanded (external and DTD-defined entities are refused for safety); replace "
                "it by the character it stands for"
            )
        tag = local(child.tag)
        if tag in CODES:
            native = "".join([child.text or "", *(s.tail or "" for s in child)])
            kind = (child.get("type", "") + " " + child.get("ctype", "")).lower().split()
            if _BREAK_CODE.search(native) or _BREAK_TYPES.intersection(kind):
                rule = "break"
            else:
                rule = "none" if tag in _PAIRED else "word"
            parts.append((rule,))
            for sub in child.iter("{*}sub", "sub"):  # translatable text inside a code: kept
                sub_parts: list[str | tuple[str]] = []
                _walk(sub, sub_parts, name)
                parts.extend([("break",), *sub_parts, ("break",)])
        elif tag == "sub":
            parts.append(("break",))
            _walk(child, parts, name)
            parts.append(("break",))
        elif tag == "cp":
            try:
                parts.append(chr(int(child.get("hex", ""), 16)))
            except (ValueError, OverflowError):
                raise DataError(
                    f"{name}: line {child.sourceline}: <cp hex={child.get('hex')!r}> is no "
                    'character code; write a hexadecimal code point such as hex="0001"'
                ) from None
        elif isinstance(child.tag, str):  # <hi>, <g>, <pc>, <mrk>...: their text is text
            _walk(child, parts, name)
        parts.append(child.tail or "")
