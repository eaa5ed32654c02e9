"""The naive alternative the embedded engine is compared with: the same documents in one plain
SQLite table, text matched with LIKE '%word%' on title and description (every word required,
no typos, no synonyms, no compounds, no ranking), the same filters, the exact count and the
facets by GROUP BY, newest (or nearest) first."""

import os
import sqlite3

from marketplace import clock
from marketplace.search.documents import day_number
from marketplace.search.query import SearchQuery
from marketplace.search.text import words

EARTH_KM = 6371.0088


class LikeBaseline:
    """A plain table of listings searched with LIKE."""

    def __init__(self, path: str):
        self.path = path
        self.conn = sqlite3.connect(path)
        self.conn.execute("PRAGMA cache_size = -64000")
        self.conn.execute("PRAGMA mmap_size = 268435456")

    def build(self, documents) -> None:
        self.conn.executescript("""
            DROP TABLE IF EXISTS listings;
            CREATE TABLE listings (id INTEGER PRIMARY KEY, title TEXT, description TEXT,
                category TEXT, condition TEXT, site_id INTEGER, price_cents INTEGER,
                from_day INTEGER, until_day INTEGER, created_ts INTEGER, lat REAL, lng REAL);
        """)
        self.conn.executemany(
            "INSERT INTO listings VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            [
                (
                    d["id"],
                    d["title"],
                    d["description"],
                    d["category"],
                    d["condition"],
                    d["site_id"],
                    d["price_cents"],
                    d["available_from_day"],
                    d["available_until_day"],
                    d["created_ts"],
                    d["_geo"]["lat"],
                    d["_geo"]["lng"],
                )
                for d in documents
            ],
        )
        self.conn.executescript("""
            CREATE INDEX listings_created ON listings (created_ts);
            CREATE INDEX listings_category ON listings (category);
            ANALYZE;
        """)
        self.conn.commit()

    def size(self) -> int:
        return os.path.getsize(self.path)

    def search(self, query: SearchQuery) -> tuple[int, dict, list[int]]:
        """(total, facets, page ids) for a query."""
        where, params = ["until_day >= ?"], [day_number(clock.today())]
        for word in words(query.text)[:10]:
            where.append("(title LIKE ? OR description LIKE ?)")
            params += [f"%{word}%", f"%{word}%"]
        for column, values in (("category", query.categories), ("condition", query.conditions)):
            if values:
                where.append(f"{column} IN ({', '.join('?' * len(values))})")
                params += list(values)
        if query.free_only:
            where.append("price_cents = 0")
        distance = "NULL"
        if query.has_point:
            distance = (
                "(2 * ? * asin(sqrt(pow(sin(radians(lat - ?) / 2), 2)"
                " + cos(radians(?)) * cos(radians(lat)) * pow(sin(radians(lng - ?) / 2), 2))))"
            )
            point = [EARTH_KM, query.lat, query.lat, query.lng]
        if query.radius_km is not None:
            where.append(f"{distance} <= ?")
            params += point + [query.radius_km]
        clause = " AND ".join(where)
        facets: dict = {"category": {}, "condition": {}}
        total = 0
        for category, condition, n in self.conn.execute(
            f"SELECT category, condition, count(*) FROM listings WHERE {clause} GROUP BY 1, 2",
            params,
        ):
            facets["category"][category] = facets["category"].get(category, 0) + n
            facets["condition"][condition] = facets["condition"].get(condition, 0) + n
            total += n
        order = "dist ASC, created_ts DESC" if query.sort == "distance" else "created_ts DESC"
        select_params = (point if query.has_point else []) + params
        ids = [
            row[0]
            for row in self.conn.execute(
                f"SELECT id, {distance} AS dist FROM listings WHERE {clause}"
                f" ORDER BY {order} LIMIT ? OFFSET ?",
                select_params + [query.per_page, query.offset],
            )
        ]
        return total, facets, ids
