"""The rebuild's bulk load: a new generation filled in bounded memory and linear time (see
bulk_load); the store (store.Store.rebuild) swaps it in."""

import sqlite3
from itertools import islice

from .cache import plan
from .levels import fill_settings, live_settings, place
from .schema import (
    COLUMNS,
    INDEXES,
    ROW_TABLES,
    Codes,
    category_rows,
    create_schema,
    doc_rows,
    position_tokens,
)

BUILD_CACHE_KB = 131_072  # page cache of a rebuild's connection (SQLite's own memory)


def bulk_load(name: str, documents, batch: int) -> int:
    """Fill a new generation in bounded memory and linear time: no journal while loading;
    the documents are read `batch` at a time and appended to staging tables keyed by listing id
    (a later copy of an id replaces an earlier one); only small things are kept across batches
    (codes, vocabulary, one document per category). The row tables are then written from the
    staging tables in key order: documents arrive by id, keys are in creation order, and written
    in arrival order every insert at 1,000,000 touched a page outside the cache (see
    docs/performance.md). Then the FTS5 index is filled by SQLite itself from `ftsdata` in key
    order (sequential segments, no Python in the loop), the counts are taken from the tables,
    the indexes made and the segments merged, and the file goes to WAL for its life as the live
    index."""
    conn = sqlite3.connect(name)
    conn.isolation_level = None
    try:
        conn.execute("PRAGMA journal_mode = OFF")
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute(f"PRAGMA cache_size = -{BUILD_CACHE_KB}")
        conn.execute("PRAGMA temp_store = FILE")  # the index builds sort on disk, not in memory
        create_schema(conn, indexes=False)
        conn.execute("BEGIN")
        fill_settings(conn)
        staging = _staging(conn)
        codes, vocabulary, categories = Codes(), set(), {}
        for chunk in batched(documents, batch):  # a generator is read one batch at a time
            rows = [doc_rows(doc, codes) for doc in chunk]
            for doc, row in zip(chunk, rows, strict=True):
                vocabulary |= row[3]
                categories.setdefault(str(doc["category"]), doc)
            for sql, index in zip(staging, (0, 1, 2), strict=True):
                conn.executemany(sql, [(r[0][1], *r[index]) for r in rows])
            del rows, chunk
        for table, columns in ROW_TABLES:
            names = ", ".join(columns)
            conn.execute(
                f"INSERT INTO {table} ({names}) SELECT {names} FROM stage_{table} ORDER BY key"
            )
            conn.execute(f"DROP TABLE temp.stage_{table}")
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
        live_settings(conn)
        place(conn)
        plan(conn)  # segments of kept counts (cache)
        conn.execute("COMMIT")
        conn.executescript(INDEXES)
        conn.execute("ANALYZE")
        conn.execute("PRAGMA journal_mode = WAL")
        return conn.execute("SELECT count(*) FROM docs").fetchone()[0]
    finally:
        conn.close()


def batched(iterable, size: int):
    """Lists of `size` items (the last maybe shorter), reading the iterable lazily."""
    iterator = iter(iterable)
    while chunk := list(islice(iterator, size)):
        yield chunk
        del chunk  # let the caller's batch go before the next one is read


def _staging(conn) -> list[str]:
    """Temporary tables beside each row table, keyed by listing id (ids arrive in order: each
    row is appended); the INSERT OR REPLACE statements that fill them, one per ROW_TABLES."""
    statements = []
    for table, columns in ROW_TABLES:
        names = ", ".join(columns)
        conn.execute(f"CREATE TEMP TABLE stage_{table} (listing INTEGER PRIMARY KEY, {names})")
        statements.append(
            f"INSERT OR REPLACE INTO stage_{table} (listing, {names})"
            f" VALUES ({','.join('?' * (len(columns) + 1))})"
        )
    return statements


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
