"""Paging, filtering, sorting and text search over segments for the review server, in SQL.

Why in the store (and in SQL): a reviewer may open a 1,000,000-segment store; the server must
answer "page 18,000 of the unreviewed rows sorted by the A−B chrF difference" without reading
the corpus into Python. Every query here returns one page of segment ids plus the total count;
:meth:`Search.review_rows` then reads the details of that page only.

Derived structures, built on demand and never part of the schema (a store without them is
complete; ``DROP`` them and they come back):

* ``segment_fts``: a contentless FTS5 table with the **trigram** tokenizer, one row per segment
  (rowid = ``segments.id``): its source, every system's translation and every reference. Why
  trigram: it answers *substring* queries (``i đi h`` in ``Tôi đi học.``, ``school`` in
  ``schools``) case-insensitively, Vietnamese letters included, as the old page's search box
  did; ``unicode61 remove_diacritics 0`` finds whole words only (measured: ``school`` and
  ``i đi h`` found nothing). Queries shorter than three characters (no trigram) scan the
  tables instead. The index is rebuilt when :meth:`Search.search_index_fresh` finds the
  segments, translations or references changed since it was built (``meta`` key
  ``search_index`` holds what it was built from); building happens in chunks, so writers
  are never blocked for long.
* Indexes ``review_documents_ord`` (document order without a sort) and ``review_scores_segment``
  (a segment's scores and check flags without a scan): see :meth:`Search.ensure_review_indexes`.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from aligned.store.core import StoreCore, flags_tuple
from corpus.errors import ConfigError

FTS_TABLE = "segment_fts"
FTS_META_KEY = "search_index"
STATUSES = ("unreviewed", "accepted", "edited", "rejected")
_STATUS_DECISION = {"accepted": "accept", "edited": "edit", "rejected": "reject"}
_DECISION_STATUS = {v: k for k, v in _STATUS_DECISION.items()}
METRICS = ("bleu", "chrf", "ter")
#: The stored sentence metric behind each API metric: the page's "chrf" column is sentence
#: chrF++ (``scores.metric = 'chrf++'``, what ``songngu score`` stores by default).
STORED_METRIC = {"bleu": "bleu", "chrf": "chrf++", "ter": "ter"}
_API_METRIC = {v: k for k, v in STORED_METRIC.items()}
#: Sort fields: document order, source length, the model's score, each sentence metric (of
#: system A; ``_b`` = of system B) and the A−B difference of each (``diff_<field>``).
SORT_FIELDS = (
    "doc",
    "length",
    "score",
    *METRICS,
    "score_b",
    *(f"{m}_b" for m in METRICS),
    "diff_score",
    *(f"diff_{m}" for m in METRICS),
)
MAX_LIMIT = 500
BUILD_CHUNK = 20_000
MQM_CATEGORIES = ("accuracy", "fluency", "terminology", "style", "locale")
MQM_SEVERITIES = ("minor", "major", "critical")


@dataclass(frozen=True, slots=True)
class SegmentQuery:
    """One ``GET /api/segments`` request, validated (see :func:`parse_sort`)."""

    q: str = ""
    flag: str = ""
    doc: str = ""
    status: str = ""
    sort: str = "doc"
    offset: int = 0
    limit: int = 50


@dataclass(frozen=True, slots=True)
class Side:
    """What one system (A or B) says about a segment."""

    signature: str
    text: str | None
    score: float | None
    metrics: dict[str, float] = field(default_factory=dict)
    checks: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class RowReview:
    """The latest decision on a segment under one of the shown systems."""

    decision: str
    signature: str
    text: str | None
    judged: str | None
    who: str
    at: str
    comment: str | None
    category: str | None
    severity: str | None

    @property
    def status(self) -> str:
        return _DECISION_STATUS.get(self.decision, "unreviewed")


@dataclass(frozen=True, slots=True)
class ReviewRow:
    """One segment as the review page shows it."""

    id: int
    uid: str
    doc: str
    para: int
    sent: int
    source: str
    flags: tuple[str, ...]
    a: Side
    b: Side | None
    ref: str | None
    ref_alignment: str | None
    review: RowReview | None

    @property
    def status(self) -> str:
        return "unreviewed" if self.review is None else self.review.status


def parse_sort(sort: str) -> tuple[str, bool]:
    """``FIELD`` or ``-FIELD`` → (field, descending); ConfigError names the known fields."""
    name = sort[1:] if sort.startswith("-") else sort
    if name not in SORT_FIELDS:
        raise ConfigError(f"sort {sort!r} is not one of {', '.join(SORT_FIELDS)} (or -FIELD)")
    return name, sort.startswith("-")


def fts_phrase(text: str) -> str:
    """``text`` as one FTS5 phrase (a substring query for the trigram tokenizer)."""
    return '"' + text.replace('"', '""') + '"'


def _contains(haystack: str | None, needle: str | None) -> bool:
    if haystack is None or needle is None:
        return False
    return needle.casefold() in haystack.casefold()


class Search(StoreCore):
    """Review pages: :meth:`find_segments`, :meth:`review_rows`, the search index."""

    # -- derived structures -----------------------------------------------------------------

    def ensure_review_indexes(self) -> None:
        """Create the indexes review queries need, if missing (seconds on 10⁶ rows, once)."""
        with self.transaction():
            self.db.execute(
                "CREATE INDEX IF NOT EXISTS review_documents_ord ON documents (ord, id)"
            )
            self.db.execute(
                "CREATE INDEX IF NOT EXISTS review_scores_segment "
                "ON scores (segment, signature, metric)"
            )

    def _fingerprint(self) -> str:
        """What the search index is built from: row counts and top ids of its tables."""
        parts = []
        for table in ("segments", "translations", "refs"):
            n, top = self.db.execute(
                f"SELECT count(*), coalesce(max(id), 0) FROM {table}"
            ).fetchone()
            parts.append(f"{table}:{n}:{top}")
        return " ".join(parts)

    def search_index_fresh(self) -> bool:
        """True when ``segment_fts`` and ``review_index`` exist and were built from the
        current rows."""
        found = self.db.execute(
            "SELECT count(*) FROM sqlite_master WHERE name IN (?, 'review_index')", (FTS_TABLE,)
        ).fetchone()[0]
        if found != 2:
            return False
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (FTS_META_KEY,)).fetchone()
        return row is not None and row[0] == self._fingerprint()

    def build_search_index(self, progress: Callable[[int, int], None] | None = None) -> None:
        """(Re)build ``segment_fts`` from scratch, ``BUILD_CHUNK`` segments per transaction.

        ``progress(done, total)`` is called after each chunk. The ``meta`` fingerprint is
        written last, so an interrupted build is rebuilt next time.
        """
        fingerprint = self._fingerprint()
        with self.transaction():
            self.db.execute("DELETE FROM meta WHERE key = ?", (FTS_META_KEY,))
            self.db.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")
            self.db.execute("DROP TABLE IF EXISTS review_index")
            self.db.execute(
                f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5(source, target, reference, "
                "content='', tokenize='trigram')"
            )
        total, top = self.db.execute(
            "SELECT count(*), coalesce(max(id), 0) FROM segments"
        ).fetchone()
        done = 0
        start = 0
        while start < top:
            end = start + BUILD_CHUNK
            with self.transaction():
                cur = self.db.execute(
                    f"INSERT INTO {FTS_TABLE} (rowid, source, target, reference) "
                    "SELECT s.id, s.text, "
                    "coalesce((SELECT group_concat(t.text, char(10)) FROM translations t "
                    "WHERE t.segment = s.id), ''), "
                    "coalesce((SELECT group_concat(r.text, char(10)) FROM refs r "
                    "WHERE r.segment = s.id), '') "
                    "FROM segments s WHERE s.id > ? AND s.id <= ?",
                    (start, end),
                )
                done += max(cur.rowcount, 0)
            start = end
            if progress is not None:
                progress(min(done, total), total)
        with self.transaction():
            self.db.execute("DROP TABLE IF EXISTS review_index")
            self.db.execute(
                "CREATE TABLE review_index (pos INTEGER PRIMARY KEY, segment INTEGER NOT NULL, "
                "doc TEXT NOT NULL, len INTEGER NOT NULL, flags TEXT NOT NULL)"
            )
            self.db.execute(
                "INSERT INTO review_index (segment, doc, len, flags) "
                "SELECT s.id, s.doc, length(s.text), s.flags FROM documents d "
                "CROSS JOIN segments s ON s.doc = d.id ORDER BY d.ord, s.para, s.sent"
            )
            self.db.execute("CREATE UNIQUE INDEX review_index_segment ON review_index (segment)")
            self.db.execute("CREATE INDEX review_index_len ON review_index (len, pos)")
            self.db.execute("CREATE INDEX review_index_doc ON review_index (doc, pos)")
            # derived indexes are re-created: an older build may have other columns
            self.db.execute("DROP INDEX IF EXISTS review_translations_score")
            self.db.execute("DROP INDEX IF EXISTS review_scores_value")
            self.db.execute(
                "CREATE INDEX review_translations_score ON translations (signature, score, segment)"
            )
            self.db.execute(
                "CREATE INDEX review_scores_value "
                "ON scores (signature, metric, reference, value, segment)"
            )
        with self.transaction():
            self.db.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (FTS_META_KEY, fingerprint),
            )

    # -- one page -----------------------------------------------------------------------------

    def _where(
        self, query: SegmentQuery, systems: Sequence[str], *, use_fts: bool, t: str = "s"
    ) -> tuple[list[str], list[Any], bool]:
        """WHERE clauses over table alias ``t`` (``s`` = segments, ``o`` = review_index: both
        have the segment's id, doc and flags), their parameters, and whether the clauses read
        the segment's text (a short or unindexed search: ``s`` must be joined)."""
        sid = "s.id" if t == "s" else "o.segment"
        clauses: list[str] = []
        params: list[Any] = []
        needs_text = False
        marks = ", ".join("?" * len(systems))
        if query.q:
            text = unicodedata.normalize("NFC", query.q)
            if use_fts and len(text) >= 3:
                clauses.append(
                    f"{sid} IN (SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH ?)"
                )
                params.append(fts_phrase(text))
            else:  # no trigram in 1-2 characters (or no index yet): scan, case-folded
                self.db.create_function("songngu_contains", 2, _contains, deterministic=True)
                clauses.append(
                    "(songngu_contains(s.text, ?) OR EXISTS (SELECT 1 FROM translations t "
                    f"WHERE t.segment = {sid} AND songngu_contains(t.text, ?)) OR EXISTS "
                    f"(SELECT 1 FROM refs r WHERE r.segment = {sid} AND "
                    "songngu_contains(r.text, ?)))"
                )
                params += [text, text, text]
                needs_text = True
        if query.doc:
            clauses.append(f"{t}.doc = ?")
            params.append(query.doc)
        if query.flag:
            checks = (
                f"SELECT segment FROM scores WHERE segment IS NOT NULL AND signature IN ({marks}) "
                "AND metric LIKE 'check:%'"
            )
            if query.flag == "any":
                clauses.append(f"({t}.flags != '' OR {sid} IN ({checks}))")
                params += systems
            elif query.flag == "none":
                clauses.append(f"({t}.flags = '' AND {sid} NOT IN ({checks}))")
                params += systems
            elif query.flag.startswith("check:"):
                clauses.append(
                    f"{sid} IN (SELECT segment FROM scores WHERE signature IN ({marks}) "
                    "AND metric = ?)"
                )
                params += [*systems, query.flag]
            else:
                clauses.append(f"instr(',' || {t}.flags || ',', ',' || ? || ',') > 0")
                params.append(query.flag)
        if query.status:
            if query.status not in STATUSES:
                raise ConfigError(f"status {query.status!r} is not one of {', '.join(STATUSES)}")
            if query.status == "unreviewed":
                clauses.append(
                    f"NOT EXISTS (SELECT 1 FROM reviews v WHERE v.segment = {sid} "
                    f"AND v.signature IN ({marks}))"
                )
                params += systems
            else:
                clauses.append(
                    f"{sid} IN (SELECT v.segment FROM reviews v WHERE v.signature IN "
                    f"({marks}) AND v.decision = ? AND v.id = (SELECT max(v2.id) FROM "
                    f"reviews v2 WHERE v2.segment = v.segment AND v2.signature IN ({marks})))"
                )
                params += [*systems, _STATUS_DECISION[query.status], *systems]
        return clauses, params, needs_text

    def _sort_key(
        self, name: str, sig_a: str, sig_b: str, reference: str | None, sid: str = "s.id"
    ) -> tuple[str, list[Any], set[str]]:
        """SQL expression of sort field ``name`` ('' = document order), parameters, joins."""
        if name == "doc":
            return "", [], set()
        if name == "length":
            return ("length(s.text)" if sid == "s.id" else "o.len"), [], set()

        def metric(field_name: str, sig: str, alias: str) -> tuple[str, list[Any], set[str]]:
            if field_name == "score":
                return f"{alias}.score", [], {alias}
            return (
                f"(SELECT c.value FROM scores c WHERE c.segment = {sid} AND c.signature = ? "
                "AND c.metric = ? AND c.reference IS ? ORDER BY c.id DESC LIMIT 1)",
                [sig, STORED_METRIC[field_name], reference],
                set(),
            )

        if name.startswith("diff_"):
            base = name[len("diff_") :]
            ea, pa, ja = metric(base, sig_a, "a")
            eb, pb, jb = metric(base, sig_b, "b")
            return f"({ea} - {eb})", pa + pb, ja | jb
        if name.endswith("_b"):
            return metric(name[:-2], sig_b, "b")
        return metric(name, sig_a, "a")

    def _check_query(self, query: SegmentQuery, sig_b: str) -> tuple[str, bool]:
        if query.limit < 0 or query.limit > MAX_LIMIT:
            raise ConfigError(f"limit must be 0..{MAX_LIMIT}, got {query.limit}")
        if query.offset < 0:
            raise ConfigError(f"offset must be 0 or more, got {query.offset}")
        name, desc = parse_sort(query.sort)
        if (name.endswith("_b") or name.startswith("diff_")) and not sig_b:
            raise ConfigError(f"sort {query.sort!r} needs a system B; start with --compare SIG")
        return name, desc

    def find_segments(
        self,
        query: SegmentQuery,
        sig_a: str,
        sig_b: str = "",
        reference: str | None = None,
        *,
        use_fts: bool = True,
    ) -> tuple[int, list[int]]:
        """(number of matching segments, ids of the requested page) in the requested order.

        Status counts the latest decision under system A or B (choosing B's translation is
        an accept under B). The default is document order (``documents.ord``, paragraph,
        sentence); ``length`` ties keep document order. A sort by a score puts the rows
        without the value last (in document order) and breaks ties by segment id in the
        sort's direction, so an index answers deep pages without sorting.

        ``use_fts``: the derived structures (:meth:`build_search_index`) are built and fresh;
        then the pages come from ``review_index`` (document order as a row number, lengths
        and flags in a small table) and the sorts by a score from indexes. Otherwise the
        same answers come from the base tables, slower on a large store.
        """
        if use_fts:
            return self._find_indexed(query, sig_a, sig_b, reference)
        name, desc = self._check_query(query, sig_b)
        systems = [sig_a, sig_b] if sig_b else [sig_a]
        clauses, params, _ = self._where(query, systems, use_fts=False)
        key, key_params, key_joins = self._sort_key(name, sig_a, sig_b, reference)
        where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
        total = int(
            self.db.execute(f"SELECT count(*) FROM segments s{where}", params).fetchone()[0]
        )
        if query.limit == 0 or query.offset >= total:
            return total, []
        join_sql = ""
        join_params: list[Any] = []
        for alias in sorted(key_joins):
            join_sql += (
                f" LEFT JOIN translations {alias} ON {alias}.segment = s.id "
                f"AND {alias}.signature = ?"
            )
            join_params.append(sig_a if alias == "a" else sig_b)
        order = "d.ord, s.para, s.sent"
        if key:
            direction = "DESC" if desc else "ASC"
            ties = order if name == "length" else f"s.id {direction}"
            order = f"{key} IS NULL, {key} {direction}, {ties}"
            key_params = key_params + key_params  # the expression appears twice
        elif desc:
            order = "d.ord DESC, s.para DESC, s.sent DESC"
        # CROSS JOIN: documents in ord order drive the scan (SQLite would otherwise sort all)
        rows = self.db.execute(
            f"SELECT s.id FROM documents d CROSS JOIN segments s ON s.doc = d.id{join_sql}"
            f"{where} ORDER BY {order} LIMIT ? OFFSET ?",
            [*join_params, *params, *key_params, query.limit, query.offset],
        )
        return total, [int(r[0]) for r in rows]

    def _find_indexed(
        self, query: SegmentQuery, sig_a: str, sig_b: str, reference: str | None
    ) -> tuple[int, list[int]]:
        """:meth:`find_segments` over ``review_index`` (see the module docstring).

        A sort by a score is two ranges: the rows that have the value, ordered by it (an
        index gives the order), then the rows without it in document order.
        """
        name, desc = self._check_query(query, sig_b)
        systems = [sig_a, sig_b] if sig_b else [sig_a]
        clauses, params, needs_text = self._where(query, systems, use_fts=True, t="o")
        text_join = " JOIN segments s ON s.id = o.segment" if needs_text else ""
        where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
        total = self._count_indexed(query, clauses, params, text_join, systems)
        if query.limit == 0 or query.offset >= total:
            return total, []
        limit, offset = query.limit, query.offset
        if name in ("doc", "length"):
            if name == "doc":
                order = "o.pos DESC" if desc else "o.pos"
            else:
                order = f"o.len {'DESC' if desc else 'ASC'}, o.pos"
            rows = self.db.execute(
                f"SELECT o.segment FROM review_index o{text_join}{where} ORDER BY {order} "
                "LIMIT ? OFFSET ?",
                [*params, limit, offset],
            )
            return total, [int(r[0]) for r in rows]
        # a score: rows with a value (by the value), then rows without (document order)
        key, key_params, key_joins = self._sort_key(name, sig_a, sig_b, reference, "o.segment")
        join_sql = ""
        join_params: list[Any] = []
        for alias in sorted(key_joins):
            join_sql += (
                f" LEFT JOIN translations {alias} ON {alias}.segment = o.segment "
                f"AND {alias}.signature = ?"
            )
            join_params.append(sig_a if alias == "a" else sig_b)
        base = f"FROM review_index o{text_join}{join_sql}"
        has = [*clauses, f"{key} IS NOT NULL"]
        lacks = [*clauses, f"{key} IS NULL"]
        direction = "DESC" if desc else "ASC"
        fast = self._sorted_by_index(name, sig_a, sig_b, reference) if not clauses else None
        if fast is not None:  # no filter: an index gives the order and the count
            count_sql, page_sql, fast_params = fast
            valued = int(self.db.execute(count_sql, fast_params).fetchone()[0])
        else:
            valued = int(
                self.db.execute(
                    f"SELECT count(*) {base} WHERE {' AND '.join(has)}",
                    [*join_params, *params, *key_params],
                ).fetchone()[0]
            )
        ids: list[int] = []
        if offset < valued:
            if fast is not None:
                rows = self.db.execute(
                    page_sql.format(direction=direction), [*fast_params, limit, offset]
                )
            else:
                rows = self.db.execute(
                    f"SELECT o.segment {base} WHERE {' AND '.join(has)} "
                    f"ORDER BY {key} {direction}, o.segment {direction} LIMIT ? OFFSET ?",
                    [*join_params, *params, *key_params, *key_params, limit, offset],
                )
            ids = [int(r[0]) for r in rows]
        if len(ids) < limit:
            rows = self.db.execute(
                f"SELECT o.segment {base} WHERE {' AND '.join(lacks)} ORDER BY o.pos "
                "LIMIT ? OFFSET ?",
                [*join_params, *params, *key_params, limit - len(ids), max(0, offset - valued)],
            )
            ids += [int(r[0]) for r in rows]
        return total, ids

    def _sorted_by_index(
        self, name: str, sig_a: str, sig_b: str, reference: str | None
    ) -> tuple[str, str, list[Any]] | None:
        """(count SQL, page SQL with ``{direction}``, parameters) of a sort by one system's
        model score or sentence metric, read in the order of an index; None for the A−B
        differences (computed per row)."""
        if name.startswith("diff_"):
            return None
        sig = sig_b if name.endswith("_b") else sig_a
        field_name = name[:-2] if name.endswith("_b") else name
        if field_name == "score":
            return (
                "SELECT count(*) FROM translations WHERE signature = ? AND score IS NOT NULL",
                "SELECT t.segment FROM translations t WHERE t.signature = ? AND t.score IS NOT "
                "NULL ORDER BY t.score {direction}, t.segment {direction} LIMIT ? OFFSET ?",
                [sig],
            )
        return (
            "SELECT count(*) FROM scores WHERE signature = ? AND metric = ? AND reference IS ? "
            "AND segment IS NOT NULL AND value IS NOT NULL",
            "SELECT c.segment FROM scores c WHERE c.signature = ? AND c.metric = ? "
            "AND c.reference IS ? AND c.segment IS NOT NULL AND c.value IS NOT NULL "
            "ORDER BY c.value {direction}, c.segment {direction} LIMIT ? OFFSET ?",
            [sig, STORED_METRIC[field_name], reference],
        )

    def _count_indexed(
        self,
        query: SegmentQuery,
        clauses: list[str],
        params: list[Any],
        text_join: str,
        systems: Sequence[str],
    ) -> int:
        """The matching rows; "unreviewed" as all minus the reviewed (a count over the small
        reviews table instead of a probe per segment)."""
        if query.status == "unreviewed":
            rest = [c for c in clauses if not c.startswith("NOT EXISTS (SELECT 1 FROM reviews")]
            rest_params = params[: len(params) - len(systems)]
            where = (" WHERE " + " AND ".join(rest)) if rest else ""
            marks = ", ".join("?" * len(systems))
            every = self.db.execute(
                f"SELECT count(*) FROM review_index o{text_join}{where}", rest_params
            ).fetchone()[0]
            reviewed = self.db.execute(
                f"SELECT count(*) FROM review_index o{text_join} WHERE o.segment IN "
                f"(SELECT segment FROM reviews WHERE signature IN ({marks}))"
                + "".join(f" AND {c}" for c in rest),
                [*systems, *rest_params],
            ).fetchone()[0]
            return int(every) - int(reviewed)
        where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
        return int(
            self.db.execute(
                f"SELECT count(*) FROM review_index o{text_join}{where}", params
            ).fetchone()[0]
        )

    def review_rows(
        self, ids: Sequence[int], sig_a: str, sig_b: str = "", reference: str | None = None
    ) -> list[ReviewRow]:
        """The segments ``ids`` (in that order) with both systems, scores, checks, reference
        and the latest review decision under A or B."""
        if not ids:
            return []
        id_marks = ", ".join("?" * len(ids))
        systems = [sig_a, sig_b] if sig_b else [sig_a]
        sys_marks = ", ".join("?" * len(systems))
        base = {
            int(r[0]): r
            for r in self.db.execute(
                "SELECT s.id, s.uid, s.doc, s.para, s.sent, s.text, s.flags, a.text, a.score, "
                "b.text, b.score, r.text, r.alignment FROM segments s "
                "LEFT JOIN translations a ON a.segment = s.id AND a.signature = ? "
                "LEFT JOIN translations b ON b.segment = s.id AND b.signature = ? "
                "LEFT JOIN refs r ON r.segment = s.id AND r.name = ? "
                f"WHERE s.id IN ({id_marks})",
                [sig_a, sig_b, reference or "", *ids],
            )
        }
        metrics: dict[tuple[int, str], dict[str, float]] = {}
        checks: dict[tuple[int, str], list[dict[str, Any]]] = {}
        for seg, sig, metric, value, ref, details in self.db.execute(
            "SELECT segment, signature, metric, value, reference, details FROM scores "
            f"WHERE segment IN ({id_marks}) AND signature IN ({sys_marks}) ORDER BY id",
            [*ids, *systems],
        ):
            key = (int(seg), str(sig))
            if str(metric).startswith("check:"):
                detail = json.loads(details or "{}").get("detail", "")
                checks.setdefault(key, []).append(
                    {"name": str(metric), "value": value, "detail": str(detail)}
                )
            elif ref == reference and value is not None and str(metric) in _API_METRIC:
                metrics.setdefault(key, {})[_API_METRIC[str(metric)]] = float(value)
        reviews: dict[int, RowReview] = {}
        for (
            seg,
            sig,
            decision,
            text,
            judged,
            who,
            at,
            comment,
            category,
            severity,
        ) in self.db.execute(
            "SELECT segment, signature, decision, text, judged, who, at, comment, "
            f"category, severity FROM reviews WHERE segment IN ({id_marks}) "
            f"AND signature IN ({sys_marks}) ORDER BY id",
            [*ids, *systems],
        ):
            reviews[int(seg)] = RowReview(
                str(decision),
                str(sig),
                text,
                judged,
                str(who),
                str(at),
                comment,
                category,
                severity,
            )
        out = []
        for seg_id in ids:
            row = base.get(seg_id)
            if row is None:
                continue
            _, uid, doc, para, sent, src, flags, at, asc, bt, bsc, ref, align = row
            a = Side(
                sig_a, at, asc, metrics.get((seg_id, sig_a), {}), checks.get((seg_id, sig_a), [])
            )
            b = (
                Side(
                    sig_b,
                    bt,
                    bsc,
                    metrics.get((seg_id, sig_b), {}),
                    checks.get((seg_id, sig_b), []),
                )
                if sig_b
                else None
            )
            out.append(
                ReviewRow(
                    seg_id,
                    str(uid or ""),
                    str(doc),
                    int(para),
                    int(sent),
                    str(src),
                    flags_tuple(str(flags)),
                    a,
                    b,
                    ref,
                    align,
                    reviews.get(seg_id),
                )
            )
        return out

    # -- lookups ------------------------------------------------------------------------------

    def segment_by_uid(self, uid: str) -> int | None:
        """The row id of the segment with stable id ``uid``, or None."""
        row = self.db.execute("SELECT id FROM segments WHERE uid = ?", (uid,)).fetchone()
        return None if row is None else int(row[0])

    def segment_total(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM segments").fetchone()[0])

    def reviewed_count(self, systems: Sequence[str]) -> int:
        """Segments with at least one decision under any of ``systems``."""
        marks = ", ".join("?" * len(systems))
        return int(
            self.db.execute(
                f"SELECT count(DISTINCT segment) FROM reviews WHERE signature IN ({marks})",
                list(systems),
            ).fetchone()[0]
        )

    def flag_names(self, systems: Sequence[str]) -> list[str]:
        """Every segment flag and ``check:<name>`` flag of ``systems`` in the store, sorted."""
        names: set[str] = set()
        for (flags,) in self.db.execute("SELECT DISTINCT flags FROM segments WHERE flags != ''"):
            names.update(flags_tuple(str(flags)))
        marks = ", ".join("?" * len(systems))
        for (metric,) in self.db.execute(
            f"SELECT DISTINCT metric FROM scores WHERE signature IN ({marks}) "
            "AND metric LIKE 'check:%'",
            list(systems),
        ):
            names.add(str(metric))
        return sorted(names)

    # -- summaries of a large store (the bounded report) ---------------------------------------

    def has_sentence_scores(self, signature: str, reference: str) -> bool:
        row = self.db.execute(
            "SELECT 1 FROM scores WHERE segment IS NOT NULL AND signature = ? AND reference = ? "
            "AND metric = 'chrf++' LIMIT 1",
            (signature, reference),
        ).fetchone()
        return row is not None

    def flag_counts(self, systems: Sequence[str]) -> list[tuple[str, str, int]]:
        """(who, flag, segments): noise flags of the sources ('source') and each system's
        check flags (its signature), most frequent first."""
        counts: dict[str, int] = {}
        for flags, n in self.db.execute(
            "SELECT flags, count(*) FROM segments WHERE flags != '' GROUP BY flags"
        ):
            for name in flags_tuple(str(flags)):
                counts[name] = counts.get(name, 0) + int(n)
        out = [("source", name, n) for name, n in counts.items()]
        marks = ", ".join("?" * len(systems))
        if systems:
            out += [
                (str(sig), str(metric), int(n))
                for sig, metric, n in self.db.execute(
                    "SELECT signature, metric, count(DISTINCT segment) FROM scores WHERE "
                    f"signature IN ({marks}) AND metric LIKE 'check:%' GROUP BY signature, metric",
                    list(systems),
                )
            ]
        return sorted(out, key=lambda r: (-r[2], r[0], r[1]))

    def document_summary(self, signature: str, reference: str | None) -> list[dict[str, Any]]:
        """Per document, in document order: segments, flagged segments, translated ones, the
        mean model score and the mean sentence chrF++ and BLEU of ``signature``."""
        rows = self.db.execute(
            "SELECT s.doc, count(*), sum(s.flags != ''), count(a.segment), avg(a.score), "
            "avg(c.value), avg(u.value) FROM segments s JOIN documents d ON d.id = s.doc "
            "LEFT JOIN translations a ON a.segment = s.id AND a.signature = ? "
            "LEFT JOIN scores c ON c.segment = s.id AND c.signature = ? AND c.metric = 'chrf++' "
            "AND c.reference IS ? "
            "LEFT JOIN scores u ON u.segment = s.id AND u.signature = ? AND u.metric = 'bleu' "
            "AND u.reference IS ? "
            "GROUP BY s.doc ORDER BY min(d.ord), s.doc",
            (signature, signature, reference, signature, reference),
        )
        return [
            {
                "doc": str(doc),
                "segments": int(n),
                "flagged": int(flagged or 0),
                "translated": int(translated),
                "score": score,
                "chrf": chrf,
                "bleu": bleu,
            }
            for doc, n, flagged, translated, score, chrf, bleu in rows
        ]
