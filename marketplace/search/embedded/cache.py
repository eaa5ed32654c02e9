"""Exact totals and facet counts of recent searches, kept per segment until that segment changes.

Counting is the one part of a text search whose cost grows with every matching document (a
broad word matches a fifth of the index). The counts of a statement are a function of the
index's contents, so they are kept. The index is cut into *segments* by creation time: a
document's segment is its key >> SHIFT (key order is creation order), about 12 days of
listings each. The `segments` table holds each segment's size and its *write token*; a write
transaction gives every segment it changes a new unique token. Counts are kept per (statement,
segment, token):

- the first search of a statement counts every segment in one pass over its matches, each
  match tagged with its segment in SQL (`tagged`), and keeps each segment's counts;
- after a write, the segments written since (a new listing lands in the newest, an edit in its
  own) are counted again over their key range alone (`ranged`), and the rest are summed from
  what was kept. When more than RANGED_AT_MOST segments changed, one tagged pass is cheaper:
  a range query still pays the expression's fixed cost (a prefix word merges its terms' lists
  over the whole index) each time.

A search reads the segments in the same read transaction as everything else, so a kept count is
always the count of exactly the data the rest of the search sees, in every thread and process,
and a rebuild starts every segment with a new token.
"""

import os
import threading
import time
from collections import Counter, OrderedDict
from itertools import count

SHIFT = 52  # key >> 52 = created seconds >> 20: segments of 2**20 s (about 12 days)
RANGED_AT_MOST = 2
_sequence = count()


def new_token() -> str:
    """A write token no other write (in any process) has: time, process id and a sequence."""
    return f"{time.time_ns():x}-{os.getpid():x}-{next(_sequence):x}"


def segment_of(key: str) -> str:
    """SQL: the segment of the key in column `key`."""
    return f"({key} >> {SHIFT})"


def key_range(segment: int) -> tuple[int, int]:
    """The first and last key of a segment."""
    return segment << SHIFT, ((segment + 1) << SHIFT) - 1


def plan(conn) -> None:
    """Record the segments of a freshly loaded index (in its write transaction)."""
    token = new_token()
    conn.execute("DELETE FROM segments")
    segment = segment_of("key")
    conn.execute(
        f"INSERT INTO segments (segment, n, written) SELECT {segment}, count(*),"
        f" ? || '-' || {segment} FROM docs GROUP BY 1",
        (token,),
    )


def segments(conn) -> list[tuple[int, str]]:
    """(segment, write token) of each segment holding documents (caller's transaction)."""
    return conn.execute("SELECT segment, written FROM segments ORDER BY segment").fetchall()


def touch(conn, added: list[int], removed: list[int]) -> None:
    """Record, in the caller's write transaction, that the documents of keys `added` were written
    and those of `removed` deleted: their segments get new tokens and sizes (an empty one goes)."""
    changed = Counter()
    for keys, sign in ((added, 1), (removed, -1)):
        for key in keys:
            changed[key >> SHIFT] += sign
    conn.executemany(
        "INSERT INTO segments (segment, n, written) VALUES (?, ?, ?) ON CONFLICT (segment)"
        " DO UPDATE SET n = n + excluded.n, written = excluded.written",
        [(segment, n, new_token()) for segment, n in sorted(changed.items())],
    )
    conn.execute("DELETE FROM segments WHERE n <= 0")


class CountCache:
    """Counts per statement, each as a Counter per (segment, token) of the index the statement
    was last counted on; the last `size` statements kept, least recently used dropped first;
    thread-safe."""

    def __init__(self, size: int = 512):
        self.size = size
        self.hits = self.misses = 0  # segments found kept / counted
        self._data: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def counts(self, parts: list[tuple[int, str]], statement: tuple[str, dict], tagged, ranged):
        """The counts of `statement` over the segments `parts` (see segments), summed: each
        segment's kept, else counted by ranged(segment) → Counter, or, when more are missing
        than RANGED_AT_MOST, by tagged() → {segment: Counter} in one pass."""
        identity = (statement[0], tuple(sorted(statement[1].items())))
        with self._lock:
            kept = self._data.get(identity, {})
            missing = [part for part in parts if part not in kept]
            self.hits += len(parts) - len(missing)
            self.misses += len(missing)
        if len(missing) > RANGED_AT_MOST:
            every = tagged()
            new = {(s, w): every.get(s, Counter()) for s, w in missing}
        else:
            new = {(s, w): ranged(s) for s, w in missing}
        current = {part: kept[part] if part in kept else new[part] for part in parts}
        with self._lock:
            self._data[identity] = current  # only the segments as this search saw them
            self._data.move_to_end(identity)
            while len(self._data) > self.size:
                self._data.popitem(last=False)
        total = Counter()
        for value in current.values():
            total.update(value)
        return total
