"""Counting facets, explicit sorts that need each match's row, and searching without text
(browsing) for the embedded engine."""

import heapq
import math
from collections import Counter

from ..query import FACETS_ON_REQUEST, MAX_FACET_VALUES, SearchHit, SearchQuery, SearchResult
from .cache import key_range, segment_of
from .geo import flat_error, nearest
from .places import PlaceSet, nearest_page
from .schema import Codes, key_facets
from .sql import Filters, browsing, limit, matching

BROWSE_ORDER = {"newest": "docs.key DESC", "price": "docs.price_cents ASC, docs.key DESC"}


def facets(
    conn, expression: str | None, f: Filters, codes: Codes, keys: tuple[int, int] | None = None
) -> Counter:
    """(category, condition) → documents, over everything the expression (None: the filters'
    tags alone) matches and the filters pass (with keys within `keys`, if given)."""
    if codes.overflowed:
        sql, params = matching(
            expression,
            f,
            "docs.category, docs.condition, count(*)",
            "GROUP BY 1, 2",
            join=True,
            keys=keys,
        )
        return Counter({(a, b): n for a, b, n in conn.execute(sql, params)})
    statement = matching(expression, f, "group_concat(fts.rowid & 255)", keys=keys)
    return code_counts(conn.execute(*statement).fetchone()[0], codes)


def code_counts(found: str | Counter | None, codes: Codes) -> Counter:
    """(category, condition) → count, from facet codes: counted, or comma-separated."""
    if not isinstance(found, Counter):
        found = Counter((found or "").split(","))
        found.pop("", None)
    categories, conditions = codes.values("category"), codes.values("condition")
    counts = Counter()
    for code, n in found.items():
        category, condition = key_facets(int(code))
        counts[(categories[category], conditions[condition])] += n
    return counts


def facets_by_segment(conn, expression: str | None, f: Filters, codes: Codes) -> dict:
    """facets() of each segment (cache), in one pass: each match is tagged with its segment."""
    segment = segment_of("fts.rowid")
    found = {}
    if codes.overflowed:
        select = f"{segment}, docs.category, docs.condition, count(*)"
        for part, a, b, n in conn.execute(
            *matching(expression, f, select, "GROUP BY 1, 2, 3", join=True)
        ):
            found.setdefault(part, Counter())[(a, b)] = n
        return found
    select = f"group_concat((fts.rowid & 255) | ({segment} << 8))"
    tags = conn.execute(*matching(expression, f, select)).fetchone()[0]
    for tag, n in Counter((tags or "").split(",")).items():
        if tag:
            found.setdefault(int(tag) >> 8, Counter())[int(tag) & 255] = n
    return {part: code_counts(found_codes, codes) for part, found_codes in found.items()}


def one_pass(
    conn,
    query: SearchQuery,
    expression: str | None,
    f: Filters,
    codes: Codes,
    sort: str,
    *,
    text: bool = True,
) -> tuple[Counter, list[int]]:
    """Facets and the page of a price or distance sort from one pass over the matches (both
    need each match's docs row anyway): the FTS5 matches of `expression`, or (text=False) the
    docs rows passing the filters."""
    if sort == "distance":
        value = f"{f.point.flat2_sql}, docs.lat, docs.lng"
    else:
        value = "docs.price_cents"
    extra = ", docs.category, docs.condition" if codes.overflowed else ""
    if text:
        statement = matching(expression, f, f"fts.rowid, {value}{extra}", join=True)
    else:
        statement = browsing(f, f"docs.key, {value}{extra}")
    rows = conn.execute(*statement).fetchall()
    if codes.overflowed:
        counts = Counter((row[-2], row[-1]) for row in rows)
    else:
        counts = code_counts(Counter(row[0] & 255 for row in rows), codes)
    if sort == "distance":
        return counts, nearest(rows, f.point, query.offset, query.per_page)
    best = heapq.nsmallest(query.offset + query.per_page, rows, key=lambda r: (r[1], -r[0]))
    return counts, [row[0] for row in best[query.offset :]]


def browse(
    conn, query: SearchQuery, f: Filters, codes: Codes, places: PlaceSet | None = None
) -> tuple[Counter, list[int]]:
    """Facets and the page of a search without text (`places`: see places.narrow)."""
    sort = query.effective_sort
    if sort == "relevance" or sort == "distance" and f.point is None:
        sort = "newest"
    if f.cells or f.places_in:  # a radius or a map box that FTS5 can narrow to places or grid cells
        if sort == "newest":
            tail = f"ORDER BY fts.rowid DESC {limit(f, query.per_page, query.offset)}"
            return facets(conn, None, f, codes), [
                r[0] for r in conn.execute(*matching(None, f, "fts.rowid", tail))
            ]
        if sort == "distance" and places is not None:
            counts = facets(conn, None, f, codes)
            return counts, nearest_page(
                conn, query, None, f, places, sum(counts.values())
            ) if counts else []
        return one_pass(conn, query, None, f, codes, sort)
    counts = _browse_facets(conn, f, codes)
    if sort == "distance" and places is not None:
        return counts, nearest_page(
            conn, query, None, f, places, sum(counts.values())
        ) if counts else []
    if sort == "distance":
        return counts, _nearest_rows(conn, query, f)
    tail = f"ORDER BY {BROWSE_ORDER[sort]} {limit(f, query.per_page, query.offset)}"
    return counts, [row[0] for row in conn.execute(*browsing(f, "docs.key", tail))]


def _browse_facets(conn, f: Filters, codes: Codes) -> Counter:
    if codes.overflowed:
        return Counter(
            {
                (a, b): n
                for a, b, n in conn.execute(
                    *browsing(f, "category, condition, count(*)", "GROUP BY 1, 2")
                )
            }
        )
    if not f.on_doc and not f.tags_all and not f.text_none:
        # Only category/condition (key bits) and "not stale": kept counts minus the stale ones.
        kept = Counter(dict(conn.execute("SELECT code, n FROM facet_counts WHERE n > 0")))
        if f.tags_none:
            kept.subtract(
                dict(
                    conn.execute(
                        "SELECT key & 255, count(*) FROM docs"
                        f" WHERE until_day < {f.today} GROUP BY 1",
                        f.params.values,
                    )
                )
            )
        return code_counts(
            Counter({c: n for c, n in kept.items() if n > 0 and f.code_allowed(c)}), codes
        )
    if f.tags_all and not f.on_doc:  # free / site: FTS5 tag postings are the cheapest list
        return facets(conn, None, f, codes)
    return code_counts(
        conn.execute(*browsing(f, "group_concat(docs.key & 255)")).fetchone()[0], codes
    )


def _nearest_rows(conn, query: SearchQuery, f: Filters) -> list[int]:
    """The page nearest first. SQLite orders by flat distance and returns a few more rows than
    the page needs; that is enough when the last of them is beyond the reach of the need-th
    (see geo.nearest), else the rows up to that reach are read too."""
    need = query.offset + query.per_page
    flat = f.point.flat2_sql
    select = f"docs.key, {flat}, docs.lat, docs.lng"
    first = f"AND docs.lat IS NOT NULL ORDER BY 2, 1 DESC {limit(f, 4 * need + 16)}"
    rows = conn.execute(*browsing(f, select, first)).fetchall()
    if len(rows) == 4 * need + 16:
        cut = rows[need - 1][1]
        error = flat_error(f.point.lat, 2 * math.sqrt(cut) + 1e-3)
        reach = (
            cut * ((1 + error) / (1 - error)) ** 2 + 1e-9
            if error < 1 and not f.point.wraps(2 * math.sqrt(cut) + 1)
            else math.inf
        )
        if rows[-1][1] <= reach:  # ties or a wide band: read every row within reach
            bound = "" if reach == math.inf else f"AND {flat} <= {f.params.add(reach)}"
            rows = conn.execute(
                *browsing(f, select, f"AND docs.lat IS NOT NULL {bound}")
            ).fetchall()
    rows += conn.execute(
        *browsing(f, "docs.key, NULL, NULL, NULL", "AND docs.lat IS NULL")
    ).fetchall()
    return nearest(rows, f.point, query.offset, query.per_page)


def column_facets(conn, names, expression: str | None, f: Filters, kept=None) -> dict:
    """Facets asked for by name (query.FACETS_ON_REQUEST: docs columns), counted over the same
    set as the others: the FTS5 matches of `expression`, or (None) every document passing the
    filters; the MAX_FACET_VALUES most frequent values of each (ties: smaller value first).
    `kept(statement, tagged, ranged)` may return counts kept from before (the backend's
    CountCache: tagged counts each segment in one pass, ranged one segment)."""
    found = {}
    for name in names:
        if name not in FACETS_ON_REQUEST:
            raise ValueError(f"not a facet: {name!r}")

        def statement(keys=None, by_segment=False, name=name):
            key = "docs.key" if expression is None else "fts.rowid"
            select = f"{segment_of(key)}, " if by_segment else ""
            select += f"docs.{name}, count(*)"
            tail = f"AND docs.{name} IS NOT NULL GROUP BY {'1, 2' if by_segment else '1'}"
            if expression is not None:
                return matching(expression, f, select, tail, join=True, keys=keys)
            sql, params = browsing(f, select, tail, keys)
            if not f.geo_sql and "docs.site_id =" not in sql:
                # Without a selective filter SQLite walks docs_until or the column's index and
                # fetches every row from it; a plain scan is 3 to 9 times faster (100k rows).
                sql = sql.replace("FROM docs WHERE", "FROM docs NOT INDEXED WHERE", 1)
            return sql, params

        def tagged(statement=statement):
            by_segment = {}
            for part, value, n in conn.execute(*statement(by_segment=True)):
                by_segment.setdefault(part, Counter())[value] = n
            return by_segment

        def ranged(part=None, statement=statement):
            keys = None if part is None else key_range(part)
            return Counter(dict(conn.execute(*statement(keys)).fetchall()))

        counts = kept(statement(), tagged, ranged) if kept else ranged()
        top = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:MAX_FACET_VALUES]
        found[name] = {str(value): n for value, n in top}
    return found


def result(found: list[SearchHit], counts: Counter, extra: dict | None = None) -> SearchResult:
    """The result, with facets summed from (category, condition) counts (and `extra` facets)."""
    categories, conditions = Counter(), Counter()
    for (category, condition), n in counts.items():
        categories[category] += n
        conditions[condition] += n
    return SearchResult(
        hits=found,
        total=sum(categories.values()),
        facets={
            "category": dict(sorted(categories.items())),
            "condition": dict(sorted(conditions.items())),
            **(extra or {}),
        },
        backend="embedded",
    )
