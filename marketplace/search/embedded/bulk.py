"""The rebuild's bulk load: a new generation filled in bounded memory and linear time (see
bulk_load); the store (store.Store.rebuild) swaps it in."""

import sqlite3
from itertools import islice

from .cache import plan
from .schema import (
    COLUMNS,
    DOCS_COLUMNS,
    INDEXES,
    Codes,
    category_rows,
    create_schema,
    doc_rows,
    position_tokens,
)

BUILD_CACHE_KB = 131_072  # page cache of a rebuild's connection (SQLite's own memory)
FTS_BUILD = {"hashsize": 134_217_728, "automerge": 0, "crisismerge": 64}  # see bulk_load
FTS_LIVE = {"hashsize": 1_048_576, "automerge": 4, "crisismerge": 16}  # FTS5's defaults
# The row tables and their columns; each is staged with id first (the rowid) in arrival order.
ROWS = {"docs": DOCS_COLUMNS, "content": ("key", "title", "body"), "ftsdata": ("key", *COLUMNS)}


def bulk_load(name: str, documents, batch: int) -> int:
    """Fill a new generation in bounded memory and linear time: no journal while loading;
    the documents are read `batch` at a time and their rows appended to temporary staging
    tables in arrival order (a later copy of an id replaces an earlier one); only small things
    are kept across batches (codes, vocabulary, one document per category). Then the row tables
    are written from the staging tables sorted by key, and FTS5 is filled by SQLite itself from
    `ftsdata` in key order (no Python in the loop). Writing in key order keeps every insert at
    the end of its B-tree: documents arrive in id order, keys are in creation order, and
    inserting them as they came touched a page outside the cache for each once the index
    outgrew it. FTS5 builds with a 128 MB term buffer and no merging until its 'optimize', which
    merges every segment once (merging as it went cost a log factor). Then the counts are taken
    from the tables, the indexes made, and the file goes to WAL for its life as the live index.
    The staging tables go with the connection (a temporary file)."""
    conn = sqlite3.connect(name)
    conn.isolation_level = None
    try:
        conn.execute("PRAGMA journal_mode = OFF")
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute(f"PRAGMA cache_size = -{BUILD_CACHE_KB}")
        conn.execute("PRAGMA temp_store = FILE")  # staging and index builds go to disk, not memory
        create_schema(conn, indexes=False)
        for table, columns in ROWS.items():
            names = ", ".join(c for c in columns if c != "id")
            conn.execute(f"CREATE TEMP TABLE staged_{table} (id INTEGER PRIMARY KEY, {names})")
        conn.execute("BEGIN")
        codes, vocabulary, categories = Codes(), set(), {}
        for chunk in batched(documents, batch):  # a generator is read one batch at a time
            latest = {}
            for doc in chunk:
                rows = doc_rows(doc, codes)
                latest[rows[0][1]] = rows
                vocabulary |= rows[3]
                categories.setdefault(str(doc["category"]), doc)
            for index, (table, columns) in enumerate(ROWS.items()):
                own = "id" in columns  # docs has the id among its columns
                names = columns if own else ("id", *columns)
                conn.executemany(
                    f"INSERT OR REPLACE INTO staged_{table} ({', '.join(names)})"
                    f" VALUES ({', '.join('?' * len(names))})",
                    [rows[index] if own else (i, *rows[index]) for i, rows in latest.items()],
                )
            del latest, chunk
        for table, columns in ROWS.items():  # sorted by SQLite's sorter, on disk if need be
            names = ", ".join(columns)
            conn.execute(
                f"INSERT INTO {table} ({names}) SELECT {names} FROM staged_{table} ORDER BY key"
            )
        _configure_fts(conn, FTS_BUILD)
        columns = ", ".join(COLUMNS)
        conn.execute(
            f"INSERT INTO fts (rowid, {columns}) SELECT key, {columns} FROM ftsdata ORDER BY key"
        )
        conn.executemany(
            "INSERT INTO codes (kind, value, code) VALUES (?, ?, ?)",
            [(k, v, c) for (k, v), c in codes.by_value.items()],
        )
        conn.executemany("INSERT INTO cells (token, n) VALUES (?, ?)", _cell_counts(conn).items())
        conn.execute(
            "INSERT INTO facet_counts (code, n) SELECT key & 255, count(*) FROM docs GROUP BY 1"
        )
        conn.executemany("INSERT INTO vocab (term) VALUES (?)", [(t,) for t in sorted(vocabulary)])
        conn.executemany(
            "INSERT INTO category_terms (code, entry) VALUES (?, ?)",
            sorted(category_rows(categories.values(), codes)),
        )
        conn.execute("INSERT INTO fts (fts) VALUES ('optimize')")
        _configure_fts(conn, FTS_LIVE)
        plan(conn)  # segments of kept counts (cache)
        conn.execute("COMMIT")
        conn.executescript(INDEXES)
        conn.execute("ANALYZE")
        conn.execute("PRAGMA journal_mode = WAL")
        return conn.execute("SELECT count(*) FROM docs").fetchone()[0]
    finally:
        conn.close()


def _configure_fts(conn, settings: dict) -> None:
    """Set FTS5 options (kept in the index). An SQLite without one (hashsize came in 3.40's
    time) builds the same index, more slowly."""
    for option, value in settings.items():
        try:
            conn.execute("INSERT INTO fts (fts, rank) VALUES (?, ?)", (option, value))
        except sqlite3.OperationalError:
            pass


def batched(iterable, size: int):
    """Lists of `size` items (the last maybe shorter), reading the iterable lazily."""
    iterator = iter(iterable)
    while chunk := list(islice(iterator, size)):
        yield chunk
        del chunk  # let the caller's batch go before the next one is read


def _cell_counts(conn) -> dict[str, int]:
    """Documents per grid cell and place token ("§all": all of them), counted per position."""
    counts = {"§all": conn.execute("SELECT count(*) FROM docs").fetchone()[0]}
    for lat, lng, n in conn.execute(
        "SELECT lat, lng, count(*) FROM docs WHERE lat IS NOT NULL AND lng IS NOT NULL"
        " GROUP BY lat, lng"
    ):
        for token in position_tokens(lat, lng):
            counts[token] = counts.get(token, 0) + n
    return counts
