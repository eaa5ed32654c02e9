"""Exact totals and facet counts of recent searches, kept until the index changes.

Counting is the one part of a text search whose cost grows with every matching document (a
broad word matches a fifth of the index). The counts of a statement are a function of the
index's contents, so they are kept, keyed by the statement, its parameters and the index's
*write token*: a value in `meta` that every write transaction of the store replaces with a new
unique one (and every new generation starts with its own). A search reads the token in the
same read transaction as everything else, so a cached count is always the count of exactly the
data the rest of the search sees, in every thread and process: any upsert, delete or rebuild
makes every older entry unreachable. An index without a token (written by an older version of
the store until its next write) is simply not cached.
"""

import os
import threading
import time
from collections import Counter, OrderedDict
from itertools import count

TOKEN_KEY = "written"
_sequence = count()


def new_token() -> str:
    """A write token no other write (in any process) has: time, process id and a sequence."""
    return f"{time.time_ns():x}-{os.getpid():x}-{next(_sequence):x}"


def stamp(conn) -> None:
    """Give the index a new write token (inside the caller's write transaction)."""
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?, ?)"
        " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (TOKEN_KEY, new_token()),
    )


def token(conn) -> str | None:
    """The index's write token, read in the caller's transaction (None: not stamped yet)."""
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (TOKEN_KEY,)).fetchone()
    return row[0] if row else None


class CountCache:
    """The last `size` counts (Counters), least recently used dropped first; thread-safe."""

    def __init__(self, size: int = 512):
        self.size = size
        self.hits = self.misses = 0
        self._data: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def counts(self, written: str | None, statement: tuple[str, dict], compute) -> Counter:
        """The counts of `statement` at write token `written`: kept, or compute(statement)."""
        if written is None:
            return compute(statement)
        key = (written, statement[0], tuple(sorted(statement[1].items())))
        with self._lock:
            found = self._data.get(key)
            if found is not None:
                self._data.move_to_end(key)
                self.hits += 1
                return Counter(found)
        value = compute(statement)
        with self._lock:
            self.misses += 1
            self._data[key] = Counter(value)
            while len(self._data) > self.size:
                self._data.popitem(last=False)
        return value
