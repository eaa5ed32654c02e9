"""The embedded search index's schema and what a document becomes in it.

Keys. A document's row id everywhere (docs, content, the FTS index) is its *key*:
created_ts (31 bits, seconds since 2020) · id (24 bits) · category code (5) · condition code (3).
Key order is therefore "newest first" order (created_ts, then id), which lets FTS5 stream
candidates newest first and stop early; and the facet values ride along in the low 8 bits, so
counting facets and filtering by category or condition need no table lookups.

FTS columns: title and descr hold the folded words, with the token §h (text.HARD) where a
hard separator parts two words (". ", ", ", ";", "!", "?" …), so that a phrase never spans one and
proximity sees the words as far apart, as Meilisearch does; title_x and descr_x their compound parts
(text.derived_terms); cat one token for the category (§c<code>); tags tokens that let FTS5 do
common filters without a table lookup: §free, §s<site id>, §u<until day>, the document's
*place* (§q<quadtree digits>_<exact position>, see place_token: documents at one position, e.g.
every listing of a site, share it; places turns a radius, a map box and a distance sort
into sets of places), and the document's cell in grids of four sizes (§g<level>_<row>_<column>),
with which the fallback for very many places narrows a radius or a map box. "§" is a token
character there but never part of a query word, so no query can produce these tokens. The
category's names and synonyms go to the small `category_terms` table instead of every
document's text: a query word is matched against them in Python (terms) and becomes
the category's token, which keeps the postings FTS5 has to merge short.
"""

import json
import sqlite3
import struct
from functools import lru_cache

from ..text import HARD, compound_parts_of, derived_terms, positioned_words, words

SCHEMA_VERSION = "7"  # change it with the tables: an index of another version is replaced
EPOCH = 1_577_836_800  # 2020-01-01T00:00:00Z
MAX_ID = (1 << 24) - 1
CATEGORY_OVERFLOW, CONDITION_OVERFLOW = 31, 7  # codes shared by every value beyond the 31st / 7th
COLUMNS = ("title", "title_x", "descr", "descr_x", "cat", "tags")

TABLES = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS codes (kind TEXT NOT NULL, value TEXT NOT NULL, code INTEGER NOT NULL,
                                  PRIMARY KEY (kind, value));
CREATE TABLE IF NOT EXISTS docs (
    key INTEGER PRIMARY KEY, id INTEGER NOT NULL UNIQUE,
    category TEXT NOT NULL, condition TEXT NOT NULL, site_id INTEGER,
    price_cents INTEGER NOT NULL, free INTEGER NOT NULL,
    from_day INTEGER NOT NULL, until_day INTEGER NOT NULL, created_ts INTEGER NOT NULL,
    lat REAL, lng REAL, public_ts INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS content (key INTEGER PRIMARY KEY, title TEXT NOT NULL,
                                    body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS ftsdata (key INTEGER PRIMARY KEY,
                                    title, title_x, descr, descr_x, cat, tags);
CREATE TABLE IF NOT EXISTS vocab (id INTEGER PRIMARY KEY, term TEXT NOT NULL UNIQUE);
-- How many documents each facet code (key & 255) has: facets of plain browsing without a scan.
CREATE TABLE IF NOT EXISTS facet_counts (code INTEGER PRIMARY KEY, n INTEGER NOT NULL);
-- How many documents each grid cell and each place holds ("§all": the whole index): to judge
-- whether narrowing a radius to its cells pays off, and the places (places).
CREATE TABLE IF NOT EXISTS cells (token TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID;
-- Documents and write token of each segment (key >> cache.SHIFT), for kept counts (cache).
CREATE TABLE IF NOT EXISTS segments (segment INTEGER PRIMARY KEY, n INTEGER NOT NULL,
                                     written TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS category_terms (id INTEGER PRIMARY KEY, code INTEGER NOT NULL,
                                           entry TEXT NOT NULL, UNIQUE (code, entry));
CREATE VIRTUAL TABLE IF NOT EXISTS fts USING fts5(
    title, title_x, descr, descr_x, cat, tags,
    content = 'ftsdata', content_rowid = 'key',
    tokenize = "unicode61 remove_diacritics 0 tokenchars '_§'", prefix = '2 3 4');
"""
# Created after a bulk load (faster), at once for a new empty index.
INDEXES = """
CREATE INDEX IF NOT EXISTS docs_until ON docs (until_day);
CREATE INDEX IF NOT EXISTS docs_site ON docs (site_id);
CREATE INDEX IF NOT EXISTS docs_price ON docs (price_cents, key DESC);
CREATE INDEX IF NOT EXISTS docs_geo ON docs (lat, lng, until_day, free, site_id);
CREATE INDEX IF NOT EXISTS docs_public ON docs (public_ts);
"""
# The docs row of doc_rows, in order.
DOCS_COLUMNS = (
    "key", "id", "category", "condition", "site_id", "price_cents", "free", "from_day",
    "until_day", "created_ts", "lat", "lng", "public_ts",
)  # fmt: skip
# The row tables a document fills (doc_rows gives one row of each, in this order) and their columns.
ROW_TABLES = (
    ("docs", DOCS_COLUMNS),
    ("content", ("key", "title", "body")),
    ("ftsdata", ("key", *COLUMNS)),
)
INSERTS = tuple(
    f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({','.join('?' * len(columns))})"
    for table, columns in ROW_TABLES
) + (f"INSERT INTO fts (rowid, {', '.join(COLUMNS)}) VALUES (?,?,?,?,?,?,?)",)


def make_key(created_ts: int, doc_id: int, category_code: int, condition_code: int) -> int:
    """The document key (see the module docstring)."""
    if not 0 <= doc_id <= MAX_ID:
        raise ValueError(f"the embedded search index takes ids from 0 to {MAX_ID}, not {doc_id}")
    created = min(max(int(created_ts) - EPOCH, 0), (1 << 31) - 1)
    return (
        created << 32
        | doc_id << 8
        | min(category_code, CATEGORY_OVERFLOW) << 3
        | min(condition_code, CONDITION_OVERFLOW)
    )


GRID_DEGREES = (0.005, 0.05, 0.5, 5.0)
QUAD_DEPTH = 24  # quadtree levels in a place token (cells of about 1 × 2 m)


def place_token(lat: float, lng: float) -> str:
    """The FTS token of a position: §q, QUAD_DEPTH base-4 digits of its quadtree cell (so that
    nearby places share prefixes and a prefix query takes a whole cell), "_", and the exact
    coordinates (the hex of two doubles), so that two positions never share a token."""
    lat, lng, top = lat + 0.0, lng + 0.0, (1 << QUAD_DEPTH) - 1  # + 0.0: no -0.0
    y = min(max(int((lat + 90) / 180 * (1 << QUAD_DEPTH)), 0), top)
    x = min(max(int((lng + 180) / 360 * (1 << QUAD_DEPTH)), 0), top)
    digits = "".join("0123"[(y >> s & 1) * 2 + (x >> s & 1)] for s in range(QUAD_DEPTH - 1, -1, -1))
    return f"§q{digits}_{struct.pack('>dd', lat, lng).hex()}"


def grid_token(level: int, row: int, column: int) -> str:
    """The FTS token of a grid cell (rows and columns count from 90° S and 180° W)."""
    return f"§g{level}_{row}_{column}"


def grid_cell(level: int, lat: float, lng: float) -> tuple[int, int]:
    """(row, column) of the cell holding a point."""
    size = GRID_DEGREES[level]
    return int((lat + 90) // size), int((lng + 180) // size)


@lru_cache(maxsize=4096)
def position_tokens(lat: float, lng: float) -> tuple[str, ...]:
    """The tag tokens of a position: its place, then its cell in each grid (cached: listings
    share the positions of their sites)."""
    return (place_token(lat, lng),) + tuple(
        grid_token(level, *grid_cell(level, lat, lng)) for level in range(len(GRID_DEGREES))
    )


def category_token(code: int) -> str:
    """The FTS token standing for a category in the `cat` column."""
    return f"§c{code}"


def key_facets(key: int) -> tuple[int, int]:
    """(category code, condition code) of a key."""
    return (key >> 3) & 31, key & 7


class Codes:
    """Small integer codes of category and condition values, stored per generation. Keys have
    room for 31 categories and 7 conditions; later values share the last code there (and facet
    counting then reads the docs table instead), but keep their own code everywhere else."""

    def __init__(self, rows=()):
        self.by_value = {(kind, value): code for kind, value, code in rows}

    @classmethod
    def load(cls, conn) -> "Codes":
        return cls(conn.execute("SELECT kind, value, code FROM codes"))

    def code(self, kind: str, value: str, conn=None) -> int:
        """The value's code, assigning the next free one (and storing it when `conn` is given)."""
        found = self.by_value.get((kind, value))
        if found is None:
            found = sum(1 for k, _ in self.by_value if k == kind)
            self.by_value[(kind, value)] = found
            if conn is not None:
                conn.execute(
                    "INSERT INTO codes (kind, value, code) VALUES (?, ?, ?)", (kind, value, found)
                )
        return found

    def values(self, kind: str) -> dict[int, str]:
        """code → value, for codes that stand for one value (not the shared overflow code)."""
        limit = CATEGORY_OVERFLOW if kind == "category" else CONDITION_OVERFLOW
        return {c: v for (k, v), c in self.by_value.items() if k == kind and c < limit}

    @property
    def overflowed(self) -> bool:
        return any(
            c >= (CATEGORY_OVERFLOW if k == "category" else CONDITION_OVERFLOW)
            for (k, _), c in self.by_value.items()
        )


def category_entries(doc: dict) -> set[str]:
    """The category's names and synonyms, folded (a multi-word one as 'clay brick'), and the
    compound parts of its names."""
    names = [n for n in doc.get("category_names", []) if n]
    entries = {" ".join(words(t)) for t in [*names, *doc.get("category_synonyms", [])]}
    return (entries | set(derived_terms(" ".join(names)))) - {""}


def doc_rows(doc: dict, codes: Codes, conn=None) -> tuple[tuple, tuple, tuple, set[str]]:
    """(docs row, content row, fts row, terms) of a document; fts row = (key, *COLUMNS)."""
    geo = doc.get("_geo") or {}
    lat, lng = geo.get("lat"), geo.get("lng")
    title, description = doc["title"], doc.get("description", "")
    title_words, description_words = positioned_words(title), positioned_words(description)
    text = (
        title_words,
        compound_parts_of([w for w in title_words if w != HARD]),
        description_words,
        compound_parts_of([w for w in description_words if w != HARD]),
    )
    category, condition = str(doc["category"]), str(doc["condition"])
    category_code = codes.code("category", category, conn)
    key = make_key(
        doc["created_ts"], int(doc["id"]), category_code, codes.code("condition", condition, conn)
    )
    price = int(doc.get("price_cents") or 0)
    row = (
        key,
        int(doc["id"]),
        category,
        condition,
        doc.get("site_id"),
        price,
        1 if price == 0 else 0,
        int(doc["available_from_day"]),
        int(doc["available_until_day"]),
        int(doc["created_ts"]),
        None if lat is None else float(lat),
        None if lng is None else float(lng),
        int(doc.get("public_from") or 0),  # staged release: epoch seconds (documents.py)
    )
    tags = (
        [f"§u{row[8]}"]
        + ([f"§s{int(row[4])}"] if row[4] is not None else [])
        + (["§free"] if price == 0 else [])
    )
    if row[10] is not None and row[11] is not None:
        tags += position_tokens(row[10], row[11])
    content = (key, title, json.dumps(doc, ensure_ascii=False, default=str))
    fts = (key, *(" ".join(c) for c in text), category_token(category_code), " ".join(tags))
    return row, content, fts, {t for c in text for t in c} - {HARD}


def create_schema(conn: sqlite3.Connection, *, indexes: bool = True) -> None:
    """Tables (and, unless bulk loading, indexes) of an index generation; idempotent."""
    conn.executescript(TABLES + (INDEXES if indexes else ""))
    conn.execute(
        "INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', ?)", (SCHEMA_VERSION,)
    )


def category_rows(documents, codes: Codes) -> set[tuple[int, str]]:
    """(category code, entry) for the categories of `documents` (each category read once)."""
    rows, done = set(), set()
    for doc in documents:
        category = str(doc["category"])
        if category not in done:
            done.add(category)
            code = codes.code("category", category)
            rows |= {(code, entry) for entry in category_entries(doc)}
    return rows


def cell_counts(all_tags: list[str]) -> dict[str, int]:
    """Documents per grid cell and place token ("§all": all of them), from the documents' tags."""
    counts: dict[str, int] = {"§all": len(all_tags)}
    for tags in all_tags:
        for token in tags.split():
            if token.startswith(("§g", "§q")):
                counts[token] = counts.get(token, 0) + 1
    return counts
