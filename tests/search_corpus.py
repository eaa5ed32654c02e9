"""The search tests' corpus: hand-made documents around Kera, in the shape of
search.documents.document(), and a haversine computed independently of the backends. The
contract (integration/test_search_contract.py) runs every backend on it; other search tests
reuse it."""

import math
from datetime import UTC, datetime, timedelta

from marketplace import clock
from marketplace.catalog_loader import read_catalogue
from marketplace.search.documents import day_number

KERA = (60.2161, 24.7539)
KM_PER_DEGREE = math.pi * 6371.0088 / 180
CATEGORIES = {c["slug"]: c for c in read_catalogue()["category"]}


def haversine(lat1, lng1, lat2, lng2):
    """Great-circle distance in km, computed independently of the backends."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lng2 - lng1) / 2) ** 2
    )
    return 2 * 6371.0088 * math.asin(math.sqrt(a))


def document(
    doc_id,
    title,
    category,
    *,
    description="",
    condition="good",
    site_id=1,
    price_cents=0,
    north_km=0.0,
    east_km=0.0,
    from_days=-5,
    until_days=30,
    language="fi",
):
    """A search document in the shape of search.documents.document(), made by hand."""
    today = clock.today()
    names = CATEGORIES[category]["name"]
    starts, ends = today + timedelta(days=from_days), today + timedelta(days=until_days)
    lat = KERA[0] + north_km / KM_PER_DEGREE
    lng = KERA[1] + east_km / (KM_PER_DEGREE * math.cos(math.radians(KERA[0])))
    return {
        "id": doc_id,
        "title": title,
        "description": description,
        "language": language,
        "category": category,
        "category_names": [names["fi"], names["sv"], names["en"]],
        "category_synonyms": sorted(
            {s for v in CATEGORIES[category]["synonyms"].values() for s in v}
        ),
        "condition": condition,
        "site_id": site_id,
        "site_name": f"Site {site_id}",
        "organization_id": 1,
        "price_cents": price_cents,
        "free": price_cents == 0,
        "quantity_available": 10.0,
        "unit": "pcs",
        "available_from": starts.isoformat(),
        "available_until": ends.isoformat(),
        "available_from_day": day_number(starts),
        "available_until_day": day_number(ends),
        # Created in id order, one hour apart: "newest" is the highest id.
        "created_ts": int(datetime(2026, 11, 1, tzinfo=UTC).timestamp()) + doc_id * 3600,
        "_geo": {"lat": round(lat, 6), "lng": round(lng, 6)},
    }


def corpus() -> list[dict]:
    """Hand-made listings; the search contract tests (test_search_contract.py) use their ids."""
    d = document
    return [
        d(
            1,
            "Punatiili MRT75, poltettu",
            "brick",
            description="Ehjiä tiiliä lavoilla.",
            site_id=1,
            north_km=0.1,
            east_km=0.05,
        ),
        d(
            2,
            "Savikattotiili, vanha",
            "roof-tile",
            description="Kourutiiliä.",
            condition="fair",
            site_id=2,
            price_cents=500,
            north_km=1.2,
            east_km=0.3,
        ),
        d(
            3,
            "Kattotiili musta",
            "roof-tile",
            condition="good",
            site_id=2,
            north_km=1.25,
            east_km=0.35,
        ),
        d(
            4,
            "Mineraalivilla 100 mm",
            "mineral-wool",
            description="Lasivillalevyt kuivana.",
            condition="new",
            site_id=3,
            north_km=-0.6,
            east_km=0.5,
        ),
        d(
            5,
            "Väliovi valkoinen",
            "door",
            description="Laakaovi karmeineen.",
            condition="like_new",
            site_id=1,
            price_cents=2500,
            north_km=0.15,
            east_km=-0.05,
        ),
        d(
            6,
            "Ulko-ovi alumiini",
            "door",
            description="Lasiaukolla.",
            site_id=4,
            north_km=-2.5,
            east_km=-1.0,
        ),
        d(
            7,
            "Kipsilevy 12,5 mm",
            "gypsum",
            description="Avaamattomat paketit.",
            condition="new",
            site_id=3,
            north_km=-0.65,
            east_km=0.55,
        ),
        d(
            8,
            "Fasadtegel rött",
            "brick",
            description="Överblivna stenar.",
            site_id=5,
            price_cents=40,
            north_km=3.0,
            east_km=2.0,
            language="sv",
        ),
        d(
            9,
            "Reclaimed red clay bricks",
            "brick",
            description="Cleaned, on pallets.",
            condition="fair",
            site_id=5,
            north_km=3.05,
            east_km=2.05,
            language="en",
        ),
        d(
            10,
            "Dörr, vit",
            "door",
            description="Med karm.",
            site_id=4,
            north_km=-2.45,
            east_km=-1.05,
            language="sv",
        ),
        d(11, "Kuormalava lava", "pallet", site_id=2, north_km=1.3, east_km=0.25, until_days=3),
        d(
            12,
            "Sinkitty pelti",
            "other-metal",
            description="Kattopeltiä.",
            site_id=6,
            price_cents=1000,
            north_km=5.0,
            east_km=-4.0,
        ),
        d(
            13,
            "Harkko punainen",
            "concrete-element",
            description="Kevytharkko.",
            site_id=6,
            north_km=5.1,
            east_km=-4.1,
        ),
        d(14, "Harkko 200", "concrete-element", site_id=6, north_km=5.2, east_km=-4.2),
        d(
            15,
            "Sekalaista tavaraa",
            "mixed",
            description="Joukossa harkko ja muuta.",
            condition="for_parts",
            site_id=6,
            north_km=5.3,
            east_km=-4.3,
        ),
        d(16, "Kouru sinkitty", "other-metal", site_id=7, north_km=-1.5, east_km=3.0),
        d(
            17,
            "Koura kaivinkoneeseen",
            "other-metal",
            site_id=7,
            north_km=-1.55,
            east_km=3.05,
            until_days=7,
        ),
        d(18, "Tegel, röd, 500 st", "brick", site_id=5, north_km=3.1, east_km=2.1, language="sv"),
        d(
            19,
            "Sovitettava hylly",
            "furniture",
            description="Sovittaa seinään.",
            site_id=7,
            north_km=-1.6,
            east_km=3.1,
        ),
        d(
            20,
            "<script>alert(1)</script> tiili & laasti",
            "brick",
            site_id=1,
            north_km=0.2,
            east_km=0.1,
        ),
        d(
            21,
            "Vanha punatiili",
            "brick",
            description="Ikkunat.",
            site_id=1,
            from_days=-40,
            until_days=-1,
            north_km=0.05,
            east_km=0.0,
        ),  # stale: its window ended yesterday
        d(
            22,
            "Tiili tulossa",
            "brick",
            site_id=3,
            from_days=10,
            until_days=40,
            north_km=-0.7,
            east_km=0.6,
        ),
        d(
            23, "Tegel och betong", "mixed", site_id=8, north_km=8.0, east_km=8.0
        ),  # fi like 24: same attribute
        d(24, "Punatiili ja betoni", "mixed", site_id=8, north_km=8.1, east_km=8.1),
    ]
