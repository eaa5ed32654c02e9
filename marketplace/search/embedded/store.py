"""Files, connections and writes of the embedded search engine (SQLite FTS5).

Files. The configured path (SEARCH_DB_PATH) is a symbolic link to the live *generation* file
(`<path>.g<hex>`). A rebuild writes a new generation beside it and swaps the link with
os.replace, so a search sees the old or the new index, never an empty one. Each generation has
its own -wal/-shm files; that is why we swap a link and not the database file: SQLite pairs
those side files with a database by name, and an old connection still writing to a replaced
file would hand its WAL to the new one. Every call stats the link; a connection whose
generation is no longer live is reopened. Connections are per thread; writers hold a thread
lock plus an flock on `<path>.lock` (so no write lands in a generation after it was swapped
out) and keep transactions short (WAL, busy timeout) for Flask threads and the worker.
"""

import fcntl
import logging
import os
import sqlite3
import threading
import time
from collections import Counter
from contextlib import contextmanager

from .bulk import bulk_load
from .cache import touch
from .schema import (
    COLUMNS,
    DOCS_COLUMNS,
    INSERTS,
    SCHEMA_VERSION,
    Codes,
    category_rows,
    cell_counts,
    create_schema,
    doc_rows,
)

BUSY_TIMEOUT_MS = 10_000
BUILD_BATCH = 2000  # documents read and written at a time by a rebuild
log = logging.getLogger(__name__)


def _created(name: str, base: str) -> int | None:
    """When a generation file (or its -wal/-shm) was created, from its name <base><hex ns>-<pid>."""
    if not name.startswith(base):
        return None
    try:
        return int(name[len(base) :].split("-")[0], 16)
    except ValueError:
        return None


def _schema_version(conn: sqlite3.Connection) -> str | None:
    try:
        row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    except sqlite3.OperationalError:  # not an index of ours at all
        return None
    return row[0] if row else None


def _configure(conn: sqlite3.Connection) -> sqlite3.Connection:
    conn.isolation_level = None  # we issue BEGIN / COMMIT ourselves
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA temp_store = MEMORY")
    conn.execute("PRAGMA cache_size = -32000")
    conn.execute("PRAGMA mmap_size = 268435456")
    return conn


class Store:
    """The index's files: the live generation behind `path`, per-thread connections, writes."""

    def __init__(self, path: str):
        self.path = os.path.abspath(path)
        self._local = threading.local()
        self._write_lock = threading.Lock()

    def _live(self) -> tuple[str, tuple[int, int]] | None:
        """(generation file, (device, inode)) of the live index, or None when there is none yet."""
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return None
        return os.path.realpath(self.path), (st.st_dev, st.st_ino)

    def connection(self) -> tuple[sqlite3.Connection, tuple[int, int]]:
        """This thread's connection to the live generation (reopened after a swap), and the
        generation's identity."""
        live = self._live()
        if live is None:
            self.ensure()
            live = self._live()
        conn, identity = getattr(self._local, "conn", None), getattr(self._local, "identity", None)
        if conn is None or identity != live[1]:
            if conn is not None:
                conn.close()
            conn = _configure(sqlite3.connect(live[0]))
            if _schema_version(conn) != SCHEMA_VERSION:
                conn.close()
                self._replace_outdated(live[1])
                return self.connection()
            self._local.conn, self._local.identity = conn, live[1]
        return conn, live[1]

    def _replace_outdated(self, identity) -> None:
        """An index written by another version of this engine cannot be read: swap in an empty
        one (the outbox refills it as listings change; `flask search reindex` at once)."""
        with self._locked():
            live = self._live()
            if live is not None and live[1] == identity:
                log.error(
                    "search index %s has another schema version; starting an empty one: "
                    "run `flask search reindex`",
                    live[0],
                )
                self._swap_in(self._new_generation(empty=True))

    def ensure(self) -> None:
        """Create an empty live generation when none exists, else add what the schema lacks."""
        with self._locked():
            if self._live() is None:
                self._swap_in(self._new_generation(empty=True))
        create_schema(self.connection()[0])

    @contextmanager
    def _locked(self):
        """Exclusive among threads (a lock) and among processes (flock on <path>.lock)."""
        os.makedirs(os.path.dirname(self.path), exist_ok=True)
        with self._write_lock, open(self.path + ".lock", "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _new_generation(self, *, empty: bool) -> str:
        name = f"{self.path}.g{time.time_ns():x}-{os.getpid():x}"
        conn = sqlite3.connect(name)
        conn.isolation_level = None  # autocommit: the schema must be there when we close
        try:
            if empty:
                create_schema(conn)
                conn.execute("PRAGMA journal_mode = WAL")
        finally:
            conn.close()
        return name

    def _swap_in(self, generation: str) -> None:
        """Point `path` at `generation` atomically (call with the lock held)."""
        link = f"{self.path}.link{os.getpid()}"
        if os.path.lexists(link):
            os.remove(link)
        os.symlink(os.path.basename(generation), link)
        os.replace(link, self.path)

    def _remove_old_generations(self, live: str, previous: str | None) -> None:
        """Delete generations created before `previous` (the one just replaced, which a slow
        reader elsewhere may still be finishing a search on). Later ones are left alone: one may
        be a rebuild that another process is still writing."""
        folder, base = os.path.dirname(self.path), os.path.basename(self.path) + ".g"
        cutoff = _created(os.path.basename(previous), base) if previous else None
        if cutoff is None:
            return
        for name in os.listdir(folder):
            created = _created(name, base)
            stem = os.path.join(folder, name).removesuffix("-wal").removesuffix("-shm")
            if created is not None and created < cutoff and stem not in (live, previous):
                try:
                    os.remove(os.path.join(folder, name))
                except FileNotFoundError:
                    pass

    @contextmanager
    def write(self):
        """A short write transaction on the live generation (BEGIN IMMEDIATE, under the lock).
        The caller renews the segments it changes (cache.touch) when it changes anything that
        totals and facets count."""
        if self._live() is None:  # the first write ever creates the index (not under the lock)
            self.ensure()
        with self._locked():
            conn = self.connection()[0]
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def upsert(self, documents: list[dict]) -> None:
        """Replace the documents by id (all in one transaction). A document whose filterable
        columns and indexed text are as stored (a reservation changes only its quantity) gets
        its stored content replaced and nothing else: the full-text index is left alone and the
        kept counts stay valid (a segment's write token changes only when something counted in
        it changed)."""
        if not documents:
            return
        with self.write() as conn:
            codes = Codes.load(conn)
            latest = {int(d["id"]): d for d in documents}
            rows = {i: doc_rows(d, codes, conn) for i, d in latest.items()}
            same = _unchanged(conn, rows)
            conn.executemany(
                "UPDATE content SET title = ?, body = ? WHERE key = ?",
                [(rows[i][1][1], rows[i][1][2], rows[i][1][0]) for i in same],
            )
            latest = {i: d for i, d in latest.items() if i not in same}
            if not latest:
                return
            removed = _remove(conn, list(latest))
            prepared = [rows[i] for i in latest]
            for sql, index in zip(INSERTS, (0, 1, 2, 2), strict=True):
                conn.executemany(sql, [p[index] for p in prepared])
            _count_cells(conn, [p[2][6] for p in prepared], +1)
            touch(conn, [p[0][0] for p in prepared], removed)  # their kept counts are out of date
            _count_facets(conn, [p[0][0] for p in prepared], +1)
            terms = sorted(set().union(*(p[3] for p in prepared)))
            conn.executemany("INSERT OR IGNORE INTO vocab (term) VALUES (?)", [(t,) for t in terms])
            conn.executemany(
                "INSERT OR IGNORE INTO category_terms (code, entry) VALUES (?, ?)",
                sorted(category_rows(latest.values(), codes)),
            )

    def delete(self, ids: list[int]) -> None:
        """Remove documents by id; unknown ids are fine."""
        if ids:
            with self.write() as conn:
                removed = _remove(conn, [int(i) for i in ids])
                if removed:
                    touch(conn, [], removed)  # their segments' kept counts are out of date

    def rebuild(self, documents, batch: int = BUILD_BATCH) -> int:
        """Load `documents` (any iterable, read once, `batch` at a time) into a fresh generation,
        then swap it in. Returns the document count."""
        os.makedirs(os.path.dirname(self.path), exist_ok=True)
        name = self._new_generation(empty=False)
        try:
            count = bulk_load(name, documents, batch)
        except BaseException:
            for suffix in ("", "-wal", "-shm"):
                if os.path.exists(name + suffix):
                    os.remove(name + suffix)
            raise
        with self._locked():
            previous = self._live()
            self._swap_in(name)
            self._remove_old_generations(name, previous[0] if previous else None)
        return count


def _unchanged(conn, rows: dict[int, tuple]) -> set[int]:
    """The ids among `rows` (id -> doc_rows) whose docs row and full-text row are as stored."""
    ids = list(rows)
    stored = conn.execute(
        f"SELECT {', '.join('docs.' + c for c in DOCS_COLUMNS)},"
        f" {', '.join('ftsdata.' + c for c in COLUMNS)} FROM docs"
        f" JOIN ftsdata ON ftsdata.key = docs.key WHERE docs.id IN ({','.join('?' * len(ids))})",
        ids,
    ).fetchall()
    width = len(DOCS_COLUMNS)
    return {
        row[1]
        for row in stored
        if row[:width] == rows[row[1]][0] and (row[0], *row[width:]) == rows[row[1]][2]
    }


def _remove(conn, ids: list[int]) -> list[int]:
    """Delete documents by id from every table (the FTS 'delete' gets the indexed text back);
    the keys they had."""
    found = conn.execute(
        f"SELECT key, tags FROM ftsdata WHERE key IN (SELECT key FROM docs WHERE id IN "
        f"({','.join('?' * len(ids))}))",
        ids,
    ).fetchall()
    _count_cells(conn, [tags for _, tags in found], -1)
    _count_facets(conn, [k for k, _ in found], -1)
    keys = [(k,) for k, _ in found]
    conn.executemany(
        f"INSERT INTO fts (fts, rowid, {', '.join(COLUMNS)}) SELECT 'delete', key, "
        f"{', '.join(COLUMNS)} FROM ftsdata WHERE key = ?",
        keys,
    )
    for table in ("ftsdata", "content", "docs"):
        conn.executemany(f"DELETE FROM {table} WHERE key = ?", keys)
    return [k for (k,) in keys]


def _count_cells(conn, all_tags: list[str], sign: int) -> None:
    """Add (sign +1) or remove (-1) documents, given their tags, to the cell counts."""
    conn.executemany(
        "INSERT INTO cells (token, n) VALUES (?, ?)"
        " ON CONFLICT (token) DO UPDATE SET n = n + excluded.n",
        [(token, sign * n) for token, n in cell_counts(all_tags).items()],
    )


def _count_facets(conn, keys: list[int], sign: int) -> None:
    """Add (+1) or remove (-1) documents, given their keys, to the facet code counts."""
    counts = Counter(key & 255 for key in keys)
    conn.executemany(
        "INSERT INTO facet_counts (code, n) VALUES (?, ?) "
        "ON CONFLICT (code) DO UPDATE SET n = n + excluded.n",
        [(c, sign * n) for c, n in counts.items()],
    )
