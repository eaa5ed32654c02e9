"""The rebuild fills FTS5 with a large term buffer and no merging, merges once, and leaves the
one segment on the level FTS5's own merging would have given it (embedded/levels.py): so the
worker's writes after a rebuild merge among themselves, as after a build FTS5 merged itself,
instead of into the whole index."""

import sqlite3

import pytest

from benchmarks.generate import documents
from marketplace.search.embedded import levels
from marketplace.search.embedded.backend import EmbeddedBackend
from marketplace.search.query import SearchQuery


def structure(conn) -> list[tuple[int, int, list]]:
    """(level, segments being merged, [(id, first page, last page)]) of each non-empty level."""
    (block,) = conn.execute(
        "SELECT block FROM fts_data WHERE id = ?", (levels.STRUCTURE_ROWID,)
    ).fetchone()
    return [(i, m, s) for i, (m, s) in enumerate(levels.decode(block)[1]) if s]


@pytest.fixture
def rebuilt(tmp_path):
    backend = EmbeddedBackend(str(tmp_path / "index" / "search.sqlite3"))
    docs = list(documents(3000, seed=7))
    backend.rebuild(iter(docs))
    return backend, docs


def test_the_rebuilt_segment_is_on_its_natural_level_with_the_live_settings(rebuilt):
    backend, _ = rebuilt
    conn = backend.store.connection()[0]
    [(level, merging, [(_, first, last)])] = structure(conn)
    assert merging == 0 and level == levels.natural_level(last - first + 1) >= 2
    settings = dict(conn.execute("SELECT k, v FROM fts_config WHERE k != 'version'"))
    assert settings == levels.LIVE
    conn.execute("INSERT INTO fts (fts, rank) VALUES ('integrity-check', 1)")  # raises if not


def test_writes_after_a_rebuild_merge_among_themselves_not_into_the_index(rebuilt):
    """60 writes (a flush each, merged four by four) leave the rebuilt segment whole; on level 1
    they would have merged into it."""
    backend, docs = rebuilt
    conn = backend.store.connection()[0]
    [(level, _, [big])] = structure(conn)
    for doc in docs[:420:7]:
        backend.upsert([dict(doc, title=doc["title"] + " muutos")])
    after = structure(conn)
    assert (level, 0, [big]) in after and len(after) >= 3  # smaller levels below it
    conn.execute("INSERT INTO fts (fts, rank) VALUES ('integrity-check', 1)")
    found = backend.search(SearchQuery(text="muutos", per_page=100))
    assert {h.id for h in found.hits} <= {doc["id"] for doc in docs[:420:7]}
    assert found.total == len(found.hits) >= 55  # 60 edited, a few of them past their window


def test_natural_levels_follow_fts5s_merging():
    """Level L holds what 4 ** (L - 1) flushes of 256 pages merge into (FTS5's own builds of
    100,000 and 1,000,000 listings left 43,137 and 412,338 pages on levels 5 and 7)."""
    assert [levels.natural_level(p) for p in (1, 256, 257, 1024, 1025, 43_137, 412_338)] == [
        1, 1, 2, 2, 3, 5, 7,
    ]  # fmt: skip


def test_the_record_round_trips_and_other_structures_are_left_alone():
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE VIRTUAL TABLE fts USING fts5(a)")
    for n in range(3):
        conn.execute("INSERT INTO fts (a) VALUES (?)", (f"word{n} " * 3,))  # a segment each
    (block,) = conn.execute("SELECT block FROM fts_data WHERE id = 10").fetchone()
    assert levels.encode(*levels.decode(block)) == block
    assert not levels.place(conn)  # three segments: not a rebuilt index
    v2 = block[:4] + b"\xff\x00\x00\x01" + block[4:]
    assert levels.decode(v2)[1] is None and levels.decode(block + b"\0")[1] is None
    assert conn.execute("SELECT block FROM fts_data WHERE id = 10").fetchone()[0] == block
    big = levels.encode(b"\0\0\0\1", [(0, [(5, 1, 300_000)])], 2**40)
    assert levels.decode(big) == (b"\0\0\0\1", [(0, [(5, 1, 300_000)])], 2**40)
