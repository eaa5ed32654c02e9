"""SQL of the embedded engine. Every value a user sent is a bound parameter; the SQL text is
made only of fixed fragments, column names from this module and placeholders. FTS5 expressions
are parameters too, and they are built from quoted terms (terms.Derivation) and tokens
made here from integers (§s<site id>, §u<day>), so a user's text never becomes FTS5 syntax.

Filters go where they are cheapest. Category and condition are in the key's low bits. "Free",
the site and "not stale" are FTS5 tag tokens ANDed or NOTed onto the text expression, and so
are a radius and a map box when places can turn them into a set of place tokens
(places_in / places_out). The rest (availability date; a radius or map box over too many
places) needs the document's row in `docs`: a join, paid per candidate. Browsing without text
filters the docs table directly, unless FTS5 can narrow it by places or grid cells.
"""

from dataclasses import dataclass, field
from datetime import date

from ..documents import day_number
from ..query import SearchQuery
from .geo import Point, cells, radius_cells
from .schema import Codes
from .terms import QueryWord, any_of

MAX_STALE_DAYS = 400  # beyond this many distinct stale days, join docs instead


@dataclass
class Params:
    """Named parameters collected while building a statement."""

    values: dict = field(default_factory=dict)

    def add(self, value) -> str:
        name = f"p{len(self.values)}"
        self.values[name] = value
        return ":" + name


@dataclass
class Filters:
    """A query's filters: on the key (K), as FTS5 tags, and on the docs row."""

    params: Params
    on_key: list[str] = field(default_factory=list)
    tags_all: list[str] = field(default_factory=list)  # FTS5 fragments every document must match
    tags_none: list[str] = field(default_factory=list)  # ... and tokens none may have
    cells: list[str] = field(default_factory=list)  # grid cells holding every match (geo)
    geo_sql: list[str] = field(default_factory=list)  # the radius and box conditions of on_doc
    places_in: str = ""  # FTS5: the places every match is at ...
    places_out: list[str] = field(
        default_factory=list
    )  # ... and FTS5 fragments of places it is not
    text_all: list[str] = field(default_factory=list)  # FTS5: "phrases" every match contains
    text_none: list[str] = field(default_factory=list)  # FTS5: -exclusions no match contains
    point: Point | None = None  # the query's point, when it has one
    today: str = ""  # placeholder of today's day number
    on_doc: list[str] = field(default_factory=list)
    browse: list[str] = field(default_factory=list)  # all of it as SQL on docs, for browsing
    nothing: bool = False  # no document can pass (the rest unset)
    codes_wanted: dict = field(default_factory=dict)  # "category"/"condition" → codes allowed

    def code_allowed(self, code: int) -> bool:
        """Whether a facet code (key & 255) passes the category and condition filters."""
        category, condition = (code >> 3) & 31, code & 7
        return category in self.codes_wanted.get(
            "category", (category,)
        ) and condition in self.codes_wanted.get("condition", (condition,))


def filters(
    query: SearchQuery,
    today: date,
    codes: Codes,
    stale_days: list[int],
    staged_now: int | None = None,
) -> Filters:
    """The query's filters; stale documents (window over, `stale_days` in the index) are always
    excluded, and so are staged ones (public_ts after `staged_now`, epoch seconds; None when
    the index holds none or professionals ask: query.early_access). A category or condition no
    document has sets f.nothing and stops: the rest of `f` (the point too) stays unset, so the
    caller must not read it."""
    f = Filters(Params())
    p = f.params
    for kind, values, mask in (
        ("category", query.categories, "((K >> 3) & 31)"),
        ("condition", query.conditions, "(K & 7)"),
    ):
        if not values:
            continue
        f.browse.append(f"docs.{kind} IN ({', '.join(p.add(str(v)) for v in values)})")
        if codes.overflowed:  # more values than the key has codes for: compare the text
            f.on_doc.append(f.browse[-1])
            continue
        known = sorted(
            {codes.by_value[(kind, str(v))] for v in values if (kind, str(v)) in codes.by_value}
        )
        if not known:
            f.nothing = True
            return f
        f.on_key.append(f"{mask} IN ({', '.join(p.add(c) for c in known)})")
        f.codes_wanted[kind] = set(known)
    f.today = p.add(day_number(today))
    f.browse.append(f"docs.until_day >= {f.today}")
    if len(stale_days) > MAX_STALE_DAYS:
        f.on_doc.append(f.browse[-1])
    else:
        f.tags_none += [f"§u{int(day)}" for day in stale_days]
    if query.site_id is not None:
        f.browse.append(f"docs.site_id = {p.add(int(query.site_id))}")
        f.tags_all.append(f'"§s{int(query.site_id)}"')
    if query.free_only:
        f.browse.append("docs.free = 1")
        f.tags_all.append('"§free"')
    doc_only, geo = [], f.geo_sql
    if query.available_on is not None:
        day = p.add(day_number(query.available_on))
        doc_only.append(f"docs.from_day <= {day} AND docs.until_day >= {day}")
    if staged_now is not None and not query.early_access:
        doc_only.append(f"docs.public_ts <= {p.add(int(staged_now))}")
    if query.bbox is not None:
        south, west, north, east = (float(v) for v in query.bbox)
        geo.append(f"docs.lat BETWEEN {p.add(south)} AND {p.add(north)}")
        joiner = "AND" if west <= east else "OR"  # west > east: the box crosses the antimeridian
        geo.append(f"(docs.lng >= {p.add(west)} {joiner} docs.lng <= {p.add(east)})")
        if west <= east:
            f.cells = cells(south, west, north, east)
    if query.has_point:
        f.point = Point(query.lat, query.lng, p)
    if query.radius_km is not None and f.point is not None:
        geo += f.point.within_sql(float(query.radius_km))
        around = radius_cells(f.point.lat, f.point.lng, float(query.radius_km))
        f.cells = [c for c in around if c in f.cells] if query.bbox is not None else around
    f.on_doc += doc_only + geo
    f.browse += doc_only + geo
    return f


def text_filters(f: Filters, phrases: list[str], excluded: list[str]) -> None:
    """Add the query's phrases and exclusions (FTS5 expressions from terms): as FTS5
    for text matches, and as a NOT IN over the FTS5 index for browsing (a query of exclusions
    only)."""
    f.text_all += phrases
    f.text_none += excluded
    if excluded:
        expression = " OR ".join(f"({e})" for e in excluded)
        f.browse.append(
            f"docs.key NOT IN (SELECT rowid FROM fts WHERE fts MATCH {f.params.add(expression)})"
        )


def limit(f: Filters, count: int, offset: int = 0) -> str:
    """LIMIT … OFFSET … with both numbers bound as parameters."""
    return f"LIMIT {f.params.add(int(count))} OFFSET {f.params.add(int(offset))}"


def matching(
    expression: str | None,
    f: Filters,
    select: str,
    tail: str = "",
    *,
    join: bool = False,
    keys: tuple[int, int] | None = None,
) -> tuple[str, dict]:
    """SELECT `select` over the documents an FTS5 expression matches (None: only the filters'
    tags, which needs cells or tags) that pass the filters (and have keys within `keys`, first
    and last). FTS5 is the outer loop, so ORDER BY fts.rowid streams and stops at the LIMIT;
    docs is joined only for conditions that need it (or when `join` asks for its columns)."""
    quoted = [f'"{c}"' for c in f.cells]
    cells = [f"{{tags}} : ({' OR '.join(quoted)})"] if quoted else []
    places = [f.places_in] if f.places_in else []
    parts = (
        ([f"({expression})"] if expression else [])
        + [f"({t})" for t in f.text_all]
        + [f"{{tags}} : {t}" for t in f.tags_all]
        + cells
        + places
    )
    full = " AND ".join(parts)
    excluded = (
        (
            [f"{{tags}} : ({' OR '.join(chr(34) + t + chr(34) for t in f.tags_none)})"]
            if f.tags_none
            else []
        )
        + f.places_out
        + [f"({t})" for t in f.text_none]
    )
    if excluded:
        full = f"({full}) NOT ({' OR '.join(excluded)})"
    p = Params(dict(f.params.values))
    where = [f"fts MATCH {p.add(full)}"] + [c.replace("K", "fts.rowid") for c in f.on_key]
    if keys is not None:
        where.append(f"fts.rowid BETWEEN {p.add(keys[0])} AND {p.add(keys[1])}")
    source = "fts"
    if f.on_doc or join:
        where += f.on_doc
        source = "fts CROSS JOIN docs ON docs.key = fts.rowid"
    return f"SELECT {select} FROM {source} WHERE {' AND '.join(where)} {tail}", p.values


def browsing(
    f: Filters, select: str, tail: str = "", keys: tuple[int, int] | None = None
) -> tuple[str, dict]:
    """SELECT over every document that passes the filters (no text), with keys within `keys`
    (first and last) if given."""
    p = Params(dict(f.params.values))
    where = f.browse + ([f"docs.key BETWEEN {p.add(keys[0])} AND {p.add(keys[1])}"] if keys else [])
    return f"SELECT {select} FROM docs WHERE {' AND '.join(where)} {tail}", p.values


def _within(query_word: QueryWord, kept) -> list:
    """The word's derivations, less the concatenations of words outside `kept`."""
    return [
        d
        for d in query_word.derivations
        if d.span is None or all(j in kept for j in range(d.span[0], d.span[1] + 1))
    ]


def words_bucket(
    query_words: list[QueryWord], kept: frozenset[int], dropped: int | None = None
) -> str:
    """FTS5: documents matching every query word in `kept` (and, given `dropped`, not that word:
    the documents of the bucket before)."""
    expression = " AND ".join(any_of(_within(query_words[i], kept)) for i in sorted(kept))
    if dropped is not None:
        expression = f"({expression}) NOT {any_of(_within(query_words[dropped], kept | {dropped}))}"
    return expression
