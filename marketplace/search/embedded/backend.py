"""The embedded search engine: SQLite FTS5 in a database file of its own, behaving like
Meilisearch (typos, prefix, ranking buckets, facets, geo) plus Finnish/Swedish compound parts
and fi/sv/en category synonyms. The default backend, and the fallback when Meilisearch is down.

Modules of the package: schema (tables, keys, what a document becomes), store (files,
connections, writes), terms (query words, typo candidates, synonyms, highlighting), sql (filters
and statements), rank (relevance), geo (distances, radius), places (radius, box and distance
sort by place), browse (facets, explicit sorts, searching without text), bulk (the rebuild's
streamed bulk load), cache (exact counts kept per segment until it changes).

A text search is one read transaction:
1. Total and facets: one pass over the documents matching the first query word (any of its
   derivations) and the filters; facet values come from the keys' low bits.
2. The page. Relevance: "words" buckets in order (all query words, then dropping words from
   the end, Meilisearch's "last" strategy); in each bucket the newest RANK_WINDOW documents are
   ranked by typo → proximity → attribute → exactness → newest, and any older ones follow
   newest first. Explicit sorts: strictly by their key (see _sorted_page).
3. Titles and positions of the page's hits, for highlights and distances.

The cap: ranking reads the indexed text of each ranked document, so it is bounded by
RANK_WINDOW per bucket. Totals, facets, filters and the words buckets are always exact; only
the order *inside* a bucket larger than the window is approximate beyond its newest
RANK_WINDOW documents. Page boundaries stay stable (the window does not depend on the page).
"""

import html
from collections import Counter
from collections.abc import Iterable

from ... import clock
from ..documents import day_number
from ..query import SearchHit, SearchQuery, SearchResult
from .browse import browse, column_facets, facets, facets_by_segment, one_pass, result
from .cache import CountCache, key_range, segments
from .geo import haversine
from .joins import query_words as derive_words
from .places import PlaceSet, narrow, nearest_page
from .rank import Matcher, rank
from .schema import Codes
from .sql import Filters, filters, limit, matching, text_filters, words_bucket
from .store import Store
from .terms import Highlighter, Lexicon, QueryWord, parse_query
from .why import explain

RANK_WINDOW = 200
CELL_SHARE = 0.1


class EmbeddedBackend:
    """SearchBackend on SQLite FTS5 (see the module docstring)."""

    name = "embedded"

    def __init__(self, path: str):
        self.store = Store(path)
        self.lexicon = Lexicon()
        # Which path each text search with a radius or a map box took (see _geo_path).
        self.geo_paths: Counter = Counter()
        self.counts = CountCache()  # exact totals and facets, per segment until it changes

    def apply_settings(self) -> None:
        """Create the index file and tables when missing (idempotent)."""
        self.store.ensure()

    def upsert(self, documents: list[dict]) -> None:
        """Add or fully replace documents by id."""
        self.store.upsert(list(documents))

    def delete(self, ids: list[int]) -> None:
        """Remove documents by id (unknown ids are fine)."""
        self.store.delete(list(ids))

    def rebuild(self, documents: Iterable[dict]) -> None:
        """Build a fresh index file from `documents` and swap it in atomically."""
        self.store.rebuild(documents)

    def count(self) -> int:
        """Documents in the index (stale ones too, until the nightly chore removes them)."""
        return self.store.connection()[0].execute("SELECT count(*) FROM docs").fetchone()[0]

    def search(self, query: SearchQuery) -> SearchResult:
        """Ids in rank order, exact total, facets over the filtered set, highlights, distances."""
        conn, generation = self.store.connection()
        parsed = parse_query(query.text)
        words = parsed.words
        conn.execute("BEGIN")
        try:
            codes, today, parts = Codes.load(conn), clock.today(), segments(conn)

            def kept(statement, tagged, ranged) -> Counter:
                """Counts of a statement, kept per segment until it changes (see cache)."""
                return self.counts.counts(parts, statement, tagged, ranged)

            stale_days = [
                row[0]
                for row in conn.execute(
                    "SELECT DISTINCT until_day FROM docs WHERE until_day < ?", (day_number(today),)
                )
            ]
            now = int(clock.now().timestamp())
            staged = (
                not query.early_access
                and conn.execute(
                    "SELECT 1 FROM docs WHERE public_ts > ? LIMIT 1", (now,)
                ).fetchone()
            )
            f = filters(query, today, codes, stale_days, now if staged else None)
            if f.nothing:  # an unknown category or condition: filters() stopped half-built
                return result([], Counter())
            if parsed.phrases or parsed.excluded:
                with self.lexicon.lock:
                    self.lexicon.refresh(conn, generation)
                    text_filters(
                        f,
                        [self.lexicon.exactly(p) for p in parsed.phrases],
                        [self.lexicon.exactly(e) for e in parsed.excluded],
                    )
            places = narrow(conn, query, f, _sort(query) == "distance")
            if f.cells and not _cells_pay_off(conn, f.cells):
                f.cells = []
            if f.nothing:
                return result([], Counter())
            if not words:  # nothing to match (empty, or only separators): browse
                if places is not None:
                    places.choose(conn, None, f)
                counts, keys = browse(conn, query, f, codes, places)
                extra = column_facets(conn, query.facets, None, f, kept)
                return result(hits(conn, query, keys, html.escape), counts, extra)
            with self.lexicon.lock:
                self.lexicon.refresh(conn, generation)
                query_words = derive_words(self.lexicon, conn, parsed)
                matcher = Matcher(query_words, self.lexicon)

            def count(expression: str) -> Counter:
                """Total and facets of the expression's matches that pass `f` (kept per
                segment until it changes: see cache)."""
                statement = matching(expression, f, f"facets {int(codes.overflowed)}")
                return kept(
                    statement,
                    lambda: facets_by_segment(conn, expression, f, codes),
                    lambda part: facets(conn, expression, f, codes, key_range(part)),
                )

            order = parsed.removal_order()
            if _sort(query) == "relevance":
                counted = words_bucket(query_words, order[-1])
                if places is not None:
                    places.choose(conn, counted, f)
                counts = count(counted)
                keys = self._relevance_page(conn, query, query_words, order, f, matcher)
            else:
                counts, keys, counted = self._sorted_page(
                    conn, query, query_words, order, f, codes, places, count
                )
            if query.bbox is not None or (query.radius_km is not None and f.point is not None):
                self.geo_paths[_geo_path(places)] += 1
            found = hits(conn, query, keys, Highlighter(query_words))
            explain(conn, matcher, found, keys)
            extra = column_facets(conn, query.facets, counted, f, kept) if counts else {}
            return result(found, counts, extra)
        finally:
            conn.execute("ROLLBACK")  # a read-only transaction

    def _relevance_page(
        self,
        conn,
        query: SearchQuery,
        query_words: list[QueryWord],
        order,
        f: Filters,
        matcher: Matcher,
    ) -> list[int]:
        need, ranked = query.offset + query.per_page, []
        for n, kept in enumerate(order):
            dropped = next(iter(order[n - 1] - kept)) if n else None
            expression = words_bucket(query_words, kept, dropped)
            window = [
                row[0]
                for row in conn.execute(
                    *matching(
                        expression,
                        f,
                        "fts.rowid",
                        f"ORDER BY fts.rowid DESC {limit(f, RANK_WINDOW)}",
                    )
                )
            ]
            if not window:
                continue
            rows = conn.execute(
                f"SELECT key, title, title_x, descr, descr_x, cat FROM ftsdata "
                f"WHERE key IN ({', '.join('?' * len(window))})",
                window,
            ).fetchall()
            ranked += rank(matcher, rows, kept)
            if len(window) == RANK_WINDOW and len(ranked) < need:  # the bucket's older rest
                tail = f"ORDER BY fts.rowid DESC {limit(f, need - len(ranked), RANK_WINDOW)}"
                ranked += [
                    row[0] for row in conn.execute(*matching(expression, f, "fts.rowid", tail))
                ]
            if len(ranked) >= need:
                break
        return ranked[query.offset : need]

    def _sorted_page(
        self,
        conn,
        query,
        query_words,
        order,
        f: Filters,
        codes: Codes,
        places: PlaceSet | None,
        count,
    ) -> tuple[Counter, list[int], str]:
        # An explicit sort orders strictly by its key, not as a tie-break after relevance as in
        # Meilisearch: the text only filters, to the documents matching the longest run of
        # leading query words that has any hit ("last" strategy: drop words from the end until
        # something matches). Total and facets count that set (its expression is returned).
        sort = _sort(query)
        for kept in order:
            expression = words_bucket(query_words, kept)
            if places is not None:
                places.choose(conn, expression, f)
            if sort == "newest":
                counts = count(expression)
                if counts:
                    tail = f"ORDER BY fts.rowid DESC {limit(f, query.per_page, query.offset)}"
                    page = matching(expression, f, "fts.rowid", tail)
                    return counts, [row[0] for row in conn.execute(*page)], expression
            elif sort == "distance" and places is not None:  # nearest places first
                # The page is read by places whether or not the radius became a place filter:
                # without it the count tests each match's position in SQL, and the page still
                # reads only the nearest places (never every match's row in Python).
                counts = count(expression)
                if counts:
                    total = sum(counts.values())
                    page = nearest_page(conn, query, expression, f, places, total)
                    return counts, page, expression
            else:
                counts, keys = one_pass(conn, query, expression, f, codes, sort)
                if counts:
                    return counts, keys, expression
        return Counter(), [], ""


def hits(conn, query: SearchQuery, keys: list[int], mark) -> list[SearchHit]:
    """The page's hits: ids, highlighted titles (`mark`), distances from the query point."""
    if not keys:
        return []
    rows = {
        row[0]: row
        for row in conn.execute(
            "SELECT docs.key, docs.id, content.title, docs.lat, docs.lng"
            " FROM docs JOIN content USING (key) "
            f"WHERE docs.key IN ({', '.join('?' * len(keys))})",
            keys,
        )
    }
    found = []
    for key in keys:
        _, doc_id, title, lat, lng = rows[key]
        distance = None
        if query.has_point and lat is not None and lng is not None:
            distance = round(haversine(float(query.lat), float(query.lng), lat, lng), 3)
        found.append(SearchHit(id=doc_id, distance_km=distance, highlight={"title": mark(title)}))
    return found


def _geo_path(places: PlaceSet | None) -> str:
    """How a text search with a radius or a map box found its matches (for the benchmark and
    the tests): "place filter" (the radius as FTS5 place tokens), "places page" (the count tests
    each match's position in SQL, the page reads the nearest places), or "generic" (a position
    test per match, and for a distance sort every match's row read in Python)."""
    if places is not None and places.applied:
        return "place filter"
    return "places page" if places is not None and places.paged else "generic"


def _cells_pay_off(conn, cells: list[str]) -> bool:
    """Narrowing by grid cells first pays off when they hold a small share of the index (FTS5
    merges every cell's postings, while the exact test costs a lookup per text match)."""
    placeholders = ", ".join("?" * len(cells))
    inside, everything = conn.execute(
        f"SELECT (SELECT coalesce(sum(n), 0) FROM cells WHERE token IN ({placeholders})), "
        "(SELECT coalesce(max(n), 0) FROM cells WHERE token = '§all')",
        cells,
    ).fetchone()
    return inside <= CELL_SHARE * everything


def _sort(query: SearchQuery) -> str:
    """The effective sort; distance needs a point (else newest)."""
    sort = query.effective_sort
    if sort == "distance" and not query.has_point:
        return "newest"
    return sort if sort in ("relevance", "newest", "price", "distance") else "newest"
