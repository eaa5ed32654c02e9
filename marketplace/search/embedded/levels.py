"""The rebuild's FTS5 fill in linear time, and the level its one segment is left on.

FTS5 writes what it indexes as segments and merges them in levels: a flush of about 1 MB of
pending terms (`hashsize`) starts on level 0, and four segments of a level (`automerge`) are
merged into one on the next. Filling 1,000,000 listings that way copies every posting once per
level, six or seven times; the fill took 12× its 100,000 time, not 10× (docs/performance.md).
So the rebuild fills with a large term buffer and no merging (`fill_settings`), merges the
few large segments once (`optimize`), and puts the settings back (`live_settings`).

What that leaves is one segment on level 1, where the worker's first few writes would merge
into it: a write merges a few pages at a time, but a term's whole list at once, and the
index's largest lists (place tokens, common words) run to megabytes. FTS5's own merging would
have left the segment on the level its size reached. FTS5 has no command to move a segment,
so `place` rewrites the structure record, whose legacy format every FTS5 version reads (the
comments of SQLite's fts5_index.c): a 4-byte cookie and varints: the number of levels, of
segments, the write counter, then per level the segments being merged, the number of segments
and per segment its id and first and last page. Only the level changes; pages and ids stay.
"""

import logging

log = logging.getLogger(__name__)

STRUCTURE_ROWID = 10  # the structure record's row in fts_data (FTS5_STRUCTURE_ROWID)
FILL_HASH_BYTES = 128 * 1024 * 1024  # the fill's term buffer: one flush per ~128 MB of postings
LIVE = {"automerge": 4, "crisismerge": 16, "hashsize": 1024 * 1024}  # FTS5's defaults
FLUSH_PAGES = 256  # pages (of FTS5's ~4 kB) in a segment flushed from the 1 MB buffer
FAN_IN = LIVE["automerge"]  # segments of a level merged into one on the next


def fill_settings(conn) -> None:
    """Before the fill: a large term buffer, no merging (crisismerge near FTS5's 2,000 segments:
    a flush per 128 MB makes about 13 at 1,000,000 listings)."""
    for key, value in (("hashsize", FILL_HASH_BYTES), ("automerge", 0), ("crisismerge", 1999)):
        conn.execute("INSERT INTO fts (fts, rank) VALUES (?, ?)", (key, value))


def live_settings(conn) -> None:
    """After `optimize`: FTS5's defaults again, for the live index's small writes."""
    for key, value in LIVE.items():
        conn.execute("INSERT INTO fts (fts, rank) VALUES (?, ?)", (key, value))


def natural_level(pages: int) -> int:
    """The level FTS5's merging gives a segment of this many pages: one on level L was merged
    from FAN_IN ** (L - 1) flushes."""
    level, size = 1, FLUSH_PAGES
    while size < pages:
        level, size = level + 1, size * FAN_IN
    return level


def place(conn) -> bool:
    """Move the index's one segment (after `optimize`) to its natural level. False, and nothing
    written, when the structure is not that: more than one segment, a merge under way, a record
    `decode` does not know, or one already high enough."""
    (block,) = conn.execute(
        "SELECT block FROM fts_data WHERE id = ?", (STRUCTURE_ROWID,)
    ).fetchone()
    cookie, levels, writes = decode(block)
    found = [(i, s) for i, (_, level) in enumerate(levels or ()) for s in level]
    if levels is not None and not found:
        return False  # an empty index
    if len(found) != 1 or any(merging for merging, _ in levels) or writes >= 1 << 56:
        log.warning("search: the rebuilt index's FTS5 structure was left as FTS5 wrote it")
        return False
    current, segment = found[0]
    target = natural_level(segment[2] - segment[1] + 1)
    if target <= current:
        return False
    placed = [(0, [])] * target + [(0, [segment])]
    conn.execute(
        "UPDATE fts_data SET block = ? WHERE id = ?",
        (encode(cookie, placed, writes), STRUCTURE_ROWID),
    )
    return True


def decode(block: bytes) -> tuple[bytes, list | None, int]:
    """(cookie, [(segments being merged, [(id, first page, last page)]) per level], write
    counter); levels None for a V2 record (contentless-delete tables only) or one with bytes
    left over."""
    cookie, at = block[:4], 4
    if block[4:8] == b"\xff\x00\x00\x01":
        return cookie, None, 0
    values = []

    def take() -> int:
        nonlocal at
        value, at = _varint(block, at)
        return value

    n_levels, _, writes = take(), take(), take()
    for _ in range(n_levels):
        merging, n = take(), take()
        values.append((merging, [(take(), take(), take()) for _ in range(n)]))
    return (cookie, values, writes) if at == len(block) else (cookie, None, 0)


def encode(cookie: bytes, levels: list, writes: int) -> bytes:
    """The record of `decode`'s parts."""
    segments = sum(len(s) for _, s in levels)
    out = bytearray(cookie) + _put(len(levels)) + _put(segments) + _put(writes)
    for merging, level in levels:
        out += _put(merging) + _put(len(level))
        for numbers in level:
            out += b"".join(_put(v) for v in numbers)
    return bytes(out)


def _varint(data: bytes, at: int) -> tuple[int, int]:
    """SQLite's varint at `at`: big-endian groups of 7 bits, the ninth byte whole."""
    value = 0
    for _ in range(8):
        byte = data[at]
        at += 1
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            return value, at
    return (value << 8) | data[at], at + 1


def _put(value: int) -> bytes:
    """SQLite's varint of a value below 2**56 (FTS5's counts and page numbers)."""
    groups = [value & 0x7F]
    value >>= 7
    while value:
        groups.append(0x80 | (value & 0x7F))
        value >>= 7
    return bytes(reversed(groups))
