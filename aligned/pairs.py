"""The unit every exchange format holds: one aligned sentence pair with its provenance.

The store yields these for export and takes them on import; each file format (TMX, TSV, Moses,
JSONL, XLIFF) writes and reads them. Languages are data: ``source_lang``/``target_lang`` hold
the tags a file gave (``vi-VN``, ``en-US``), never relabelled; songngu's own runs are vi → en.
Fields a format cannot hold come back as their defaults, and the shared round-trip suite checks
exactly what each format claims to keep.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

#: The form of a store's segment uid (``aligned.store.schema.segment_uid``): ``<doc>#<10 hex>``.
UID_RE = re.compile(r"^(.+)#[0-9a-f]{10}$", re.DOTALL)


def uid_of(exported_id: str) -> str:
    """``exported_id`` if it is a store uid (``doc#hex``; what our exports write), else ''.

    Readers call it on a file's ids (TMX ``tuid``, TSV/JSONL ``id``), so importing our own
    export keeps every segment's identity; an old ``doc:para:sent`` id gives ''."""
    return exported_id if UID_RE.match(exported_id) else ""


@dataclass(frozen=True, slots=True)
class AlignedPair:
    source: str  # source segment text (Vietnamese for songngu's own runs)
    target: str  # its translation ('' when not translated)
    doc: str = ""
    para: int = 0  # 1-based; 0 = unknown (e.g. imported from a format without positions)
    sent: int = 0
    start: int | None = None  # character offsets into the original document text
    end: int | None = None
    flags: tuple[str, ...] = ()
    signature: str = ""  # translation signature (translate.Signature as a string), '' = unknown
    score: float | None = None
    reviewed: bool = False  # a reviewer accepted or post-edited the target
    extra: dict[str, str] = field(default_factory=dict, compare=False)  # format-specific props
    uid: str = ""  # the store's stable segment identity (``doc#hash``); '' = none yet
    source_lang: str = "vi"  # BCP 47 tag of the source side, as the file wrote it
    target_lang: str = "en"  # BCP 47 tag of the target side

    @property
    def id(self) -> str:
        """The exported id: the stable ``uid`` when the pair has one, else ``doc:para:sent``."""
        return self.uid or f"{self.doc}:{self.para}:{self.sent}"
