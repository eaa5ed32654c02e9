"""The rebuild's bulk load: a new generation filled in bounded memory and linear time (see
bulk_load); the store (store.Store.rebuild) swaps it in."""

import sqlite3
from itertools import islice

from .cache import plan
from .schema import (
    COLUMNS,
    INDEXES,
    INSERTS,
    Codes,
    category_rows,
    create_schema,
    doc_rows,
    position_tokens,
)

BUILD_CACHE_KB = 131_072  # page cache of a rebuild's connection (SQLite's own memory)


def bulk_load(name: str, documents, batch: int) -> int:
    """Fill a new generation in bounded memory and linear time: no journal while loading;
    the documents are read `batch` at a time and written to the row tables at once (a later copy
    of an id replaces an earlier one); only small things are kept across batches (codes,
    vocabulary, one document per category). Then the FTS5 index is filled by SQLite itself from
    `ftsdata` in key order (sequential segments, no Python in the loop), the counts are taken from
    the tables, the indexes made and the segments merged, and the file goes to WAL for its life
    as the live index."""
    conn = sqlite3.connect(name)
    conn.isolation_level = None
    try:
        conn.execute("PRAGMA journal_mode = OFF")
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute(f"PRAGMA cache_size = -{BUILD_CACHE_KB}")
        conn.execute("PRAGMA temp_store = FILE")  # the index builds sort on disk, not in memory
        create_schema(conn, indexes=False)
        conn.execute("BEGIN")
        codes, vocabulary, categories = Codes(), set(), {}
        for chunk in batched(documents, batch):  # a generator is read one batch at a time
            latest = {}
            for doc in chunk:
                rows = doc_rows(doc, codes)
                latest[rows[0][1]] = rows
                vocabulary |= rows[3]
                categories.setdefault(str(doc["category"]), doc)
            _forget(conn, list(latest))
            for sql, index in zip(INSERTS[:3], (0, 1, 2), strict=True):
                conn.executemany(sql, [p[index] for p in latest.values()])
            del latest, chunk
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


def _forget(conn, ids: list[int]) -> None:
    """While bulk loading (the FTS5 index still empty): remove earlier copies of these ids."""
    keys = [
        (key,)
        for (key,) in conn.execute(
            f"SELECT key FROM docs WHERE id IN ({','.join('?' * len(ids))})", ids
        )
    ]
    for table in ("ftsdata", "content", "docs"):
        conn.executemany(f"DELETE FROM {table} WHERE key = ?", keys)


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
