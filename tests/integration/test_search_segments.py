"""Counts kept per segment (embedded/cache.py): the index is cut by creation time into segments,
each with its own write token, so the first search after a write counts only the segments that
changed. These tests take a few hundred generated listings (created over a year: some 30
segments), write to them in every way the worker does (new listings, edits, moves between
categories, reservations, deletes), and compare every answer with an index rebuilt from the same
documents in one segment, where every count is taken over the whole index."""

import random

import pytest

from benchmarks.generate import KERA, documents
from marketplace import clock
from marketplace.search.embedded import cache
from marketplace.search.embedded.backend import EmbeddedBackend
from marketplace.search.embedded.schema import EPOCH
from marketplace.search.query import SearchQuery
from tests.search_corpus import CATEGORIES

QUERIES = [
    SearchQuery(text="tiili"),
    SearchQuery(text="putki", conditions=("good", "new"), per_page=50),
    SearchQuery(text="lauta", lat=KERA[0], lng=KERA[1], radius_km=3, sort="distance"),
    SearchQuery(text="ovi", sort="newest", facets=("site_id",)),
    SearchQuery(text="levy kipsi", sort="price"),
    SearchQuery(facets=("site_id",), lat=KERA[0], lng=KERA[1], radius_km=5),
]


def category(slug: str) -> dict:
    """A document's category fields for the catalogue's category `slug`."""
    names, synonyms = CATEGORIES[slug]["name"], CATEGORIES[slug]["synonyms"]
    return {
        "category": slug,
        "category_names": [names["fi"], names["sv"], names["en"]],
        "category_synonyms": sorted({s for v in synonyms.values() for s in v}),
    }


def answers(backend) -> list:
    return [
        (r.total, r.facets, [h.id for h in r.hits]) for r in (backend.search(q) for q in QUERIES)
    ]


def whole_index_answers(tmp_path, docs: dict, monkeypatch) -> list:
    """What an index of the same documents in one segment (every count over all of it) finds."""
    with monkeypatch.context() as m:
        m.setattr(cache, "SHIFT", 63)  # every key in segment 0
        oracle = EmbeddedBackend(str(tmp_path / "oracle" / "search.sqlite3"))
        oracle.rebuild(list(docs.values()))
        assert len(cache.segments(oracle.store.connection()[0])) == 1
        return answers(oracle)


def check_segments(backend) -> list[tuple[int, int]]:
    """Each segment's recorded size is the number of documents in its key range, and every
    document is in a recorded segment. Returns (segment, size) of each."""
    conn = backend.store.connection()[0]
    rows = conn.execute("SELECT segment, n FROM segments ORDER BY segment").fetchall()
    counted = conn.execute(
        f"SELECT {cache.segment_of('key')}, count(*) FROM docs GROUP BY 1 ORDER BY 1"
    ).fetchall()
    assert rows == counted and all(n > 0 for _, n in rows)
    return rows


@pytest.fixture
def segmented(tmp_path):
    """400 listings created over a year: about 30 segments of about 13."""
    docs = {d["id"]: d for d in documents(400, seed=7)}
    backend = EmbeddedBackend(str(tmp_path / "index" / "search.sqlite3"))
    backend.rebuild(list(docs.values()))
    return backend, docs


def test_a_rebuild_records_each_segment_with_its_documents(segmented):
    backend, docs = segmented
    rows = check_segments(backend)
    assert len(rows) >= 25 and sum(n for _, n in rows) == len(docs)
    tokens = [written for _, written in cache.segments(backend.store.connection()[0])]
    assert len(set(tokens)) == len(tokens)


def test_kept_counts_stay_exact_through_a_stream_of_writes(segmented, tmp_path, monkeypatch):
    backend, docs = segmented
    rng, now = random.Random(11), int(clock.now().timestamp())
    assert answers(backend) == whole_index_answers(tmp_path, docs, monkeypatch)
    next_id = max(docs) + 1
    for step in range(24):
        kind = ("new", "edit", "move", "reserve", "delete", "new")[step % 6]
        old = docs[rng.choice(sorted(docs))]
        if kind == "new":  # the newest segment: a listing created now
            new = {**old, "id": next_id, "created_ts": now + step, "title": "Uusi tiili ovi"}
            next_id += 1
        elif kind == "edit":
            new = {**old, "title": old["title"] + " putki", "condition": "new"}
        elif kind == "move":  # another category: another key, in the same segment
            new = {**old, **category("door"), "title": "Ovi lauta"}
        elif kind == "reserve":  # nothing counted changes
            new = {**old, "quantity_available": old["quantity_available"] / 2}
        if kind == "delete":
            backend.delete([old["id"]])
            del docs[old["id"]]
        else:
            backend.upsert([new])
            docs[new["id"]] = new
        assert answers(backend) == whole_index_answers(tmp_path, docs, monkeypatch), (step, kind)
    check_segments(backend)
    assert backend.counts.hits > backend.counts.misses


def statements_of(backend, query) -> list[str]:
    """The SQL statements a search runs (on this thread's connection)."""
    conn, seen = backend.store.connection()[0], []
    conn.set_trace_callback(seen.append)
    try:
        backend.search(query)
    finally:
        conn.set_trace_callback(None)
    return seen


def test_the_first_search_after_a_new_listing_counts_only_the_newest_segment(segmented):
    backend, docs = segmented
    query = SearchQuery(text="tiili")
    first = statements_of(backend, query)  # every segment counted in one tagged pass, and kept
    assert any("<< 8" in sql for sql in first) and not any("BETWEEN" in sql for sql in first)
    parts = len(cache.segments(backend.store.connection()[0]))
    assert (backend.counts.hits, backend.counts.misses) == (0, parts)
    newest = max(docs.values(), key=lambda d: d["created_ts"])
    backend.upsert([{**newest, "id": max(docs) + 1, "created_ts": newest["created_ts"] + 60}])
    after = statements_of(backend, query)
    assert (backend.counts.hits, backend.counts.misses) == (parts - 1, parts + 1)
    assert sum("BETWEEN" in sql for sql in after) == 1 and not any("<< 8" in sql for sql in after)


def test_many_segments_written_since_are_counted_in_one_pass(segmented):
    """More than RANGED_AT_MOST changed segments: one tagged pass, not a query per segment."""
    backend, docs = segmented
    query = SearchQuery(text="tiili")
    backend.search(query)
    one_per_segment = {}
    for doc in docs.values():
        one_per_segment.setdefault((doc["created_ts"] - EPOCH) >> (cache.SHIFT - 32), doc)
    chosen = list(one_per_segment.values())[: cache.RANGED_AT_MOST + 1]
    backend.upsert([{**d, "title": d["title"] + " tiili"} for d in chosen])
    after = statements_of(backend, query)
    assert any("<< 8" in sql for sql in after) and not any("BETWEEN" in sql for sql in after)


def test_segments_are_kept_by_every_write(tmp_path):
    """An index filled from empty by the outbox (never rebuilt) records its segments as they
    come, and a segment whose documents are all deleted goes."""
    backend = EmbeddedBackend(str(tmp_path / "index" / "search.sqlite3"))
    docs = list(documents(100, seed=3))
    for start in range(0, len(docs), 7):
        backend.upsert(docs[start : start + 7])
        backend.search(SearchQuery(text="tiili", facets=("site_id",)))
    rows = check_segments(backend)
    assert len(rows) >= 10 and sum(n for _, n in rows) == 100
    conn = backend.store.connection()[0]
    segment = rows[3][0]
    inside = [
        i
        for (i,) in conn.execute(
            "SELECT id FROM docs WHERE key BETWEEN ? AND ?", cache.key_range(segment)
        )
    ]
    backend.delete(inside)
    assert segment not in [s for s, _ in check_segments(backend)]
