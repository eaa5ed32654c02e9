"""Realistic synthetic search documents for the benchmark (and its smoke test).

Titles and descriptions are variations of the demo listings (marketplace/data/demo.toml):
numbers re-drawn, sentences dropped and reordered, now and then a sentence from another
listing in the same language or a category synonym from the catalogue. Sites lie within about
2 km of Kera (60.2161 N, 24.7539 E). Everything comes from one seeded random generator, so the
same `n` and `seed` always give the same documents.
"""

import math
import random
import re
import tomllib
from datetime import date, timedelta
from pathlib import Path

from marketplace import clock
from marketplace.catalog_loader import read_catalogue
from marketplace.search.documents import day_number

DEMO_FILE = Path(__file__).resolve().parent.parent / "marketplace" / "data" / "demo.toml"
KERA = (60.2161, 24.7539)
CONDITIONS = ("new", "like_new", "good", "fair", "for_parts")
CONDITION_WEIGHTS = (15, 20, 35, 20, 10)
SITES = 240
ADJECTIVES = {
    "fi": [
        "käytetty",
        "uusi",
        "ylijäämä",
        "purettu",
        "ehjä",
        "puhdistettu",
        "lavalla",
        "pakkauksessa",
        "harmaa",
        "valkoinen",
        "punainen",
        "musta",
        "siisti",
        "kuiva",
    ],
    "sv": [
        "begagnad",
        "ny",
        "överbliven",
        "demonterad",
        "hel",
        "rengjord",
        "på pall",
        "grå",
        "vit",
        "röd",
        "svart",
        "torr",
    ],
    "en": [
        "used",
        "new",
        "surplus",
        "reclaimed",
        "intact",
        "cleaned",
        "on pallets",
        "grey",
        "white",
        "red",
        "black",
        "dry",
    ],
}
_NUMBER = re.compile(r"\d+(?:[,.]\d+)?")
_SENTENCE = re.compile(r"(?<=[.!?])\s+")


def _templates() -> list[dict]:
    with open(DEMO_FILE, "rb") as f:
        return tomllib.load(f)["listing"]


def _categories() -> dict[str, dict]:
    return {c["slug"]: c for c in read_catalogue()["category"]}


def _renumber(rng: random.Random, text: str) -> str:
    """Re-draw every number in `text` within a factor of about three, keeping its format."""

    def draw(match):
        raw = match.group(0)
        value = float(raw.replace(",", "."))
        new = value * rng.uniform(0.35, 3.0) if value else rng.randint(0, 9)
        if "," in raw or "." in raw:
            decimals = len(re.split(r"[,.]", raw)[1])
            return f"{new:.{decimals}f}".replace(".", "," if "," in raw else ".")
        return str(max(1, round(new)))

    return _NUMBER.sub(draw, text)


def _sites(rng: random.Random) -> list[dict]:
    sites = []
    for i in range(1, SITES + 1):
        distance_km = 2.0 * math.sqrt(rng.random())  # uniform over a 2 km disc
        bearing = rng.uniform(0, 2 * math.pi)
        lat = KERA[0] + distance_km * math.cos(bearing) / 111.195
        lng = KERA[1] + distance_km * math.sin(bearing) / (
            111.195 * math.cos(math.radians(KERA[0]))
        )
        sites.append(
            {
                "id": i,
                "name": f"Työmaa {i}",
                "organization_id": 1 + i % 37,
                "lat": round(lat, 6),
                "lng": round(lng, 6),
            }
        )
    return sites


def documents(n: int, *, seed: int = 20261130, today: date | None = None):
    """Yield `n` search documents in the shape of marketplace.search.documents.document()."""
    rng = random.Random(seed)
    today = today or clock.today()
    templates, categories, sites = _templates(), _categories(), _sites(rng)
    by_language: dict[str, list[dict]] = {}
    for t in templates:
        by_language.setdefault(t["language"], []).append(t)
    now_ts = int((today - date(1970, 1, 1)).total_seconds()) + 12 * 3600
    for doc_id in range(1, n + 1):
        t = rng.choice(templates)
        category = categories[t["category"]]
        yield _document(
            rng, doc_id, t, category, rng.choice(sites), by_language[t["language"]], today, now_ts
        )


def _document(rng, doc_id, t, category, site, same_language, today, now_ts) -> dict:
    title = _renumber(rng, t["title"])
    if rng.random() < 0.3:
        title = (
            f"{rng.choice(ADJECTIVES[t['language']]).capitalize()} {title[0].lower()}{title[1:]}"
        )
    if rng.random() < 0.2:
        synonyms = category["synonyms"].get(t["language"]) or category["synonyms"]["en"]
        title = f"{title} ({rng.choice(synonyms)})"
    sentences = _SENTENCE.split(_renumber(rng, t["description"]))
    keep = [s for s in sentences if rng.random() < 0.8] or sentences[:1]
    if rng.random() < 0.35:
        other = rng.choice(same_language)
        keep.append(rng.choice(_SENTENCE.split(other["description"])))
    rng.shuffle(keep)
    names = category["name"]
    synonyms = sorted({s for words in category["synonyms"].values() for s in words})
    starts = today + timedelta(days=rng.randint(-40, 10))
    # About 4 % of the documents are stale (window over, not yet removed by the nightly chore).
    if rng.random() < 0.04:
        until = today - timedelta(days=rng.randint(1, 20))
    else:
        until = max(starts, today) + timedelta(days=rng.randint(1, 60))
    price = (
        0 if rng.random() < 0.55 else rng.choice((50, 100, 250, 500, 800, 1500, 2500, 5000, 12000))
    )
    quantity = round(rng.uniform(1, 2000), rng.choice((0, 1, 3)))
    return {
        "id": doc_id,
        "title": title,
        "description": " ".join(keep),
        "language": t["language"],
        "category": category["slug"],
        "category_names": [names["fi"], names["sv"], names["en"]],
        "category_synonyms": synonyms,
        "condition": rng.choices(CONDITIONS, CONDITION_WEIGHTS)[0],
        "site_id": site["id"],
        "site_name": site["name"],
        "organization_id": site["organization_id"],
        "price_cents": price,
        "free": price == 0,
        "quantity_available": float(quantity),
        "unit": t["unit"],
        "available_from": starts.isoformat(),
        "available_until": until.isoformat(),
        "available_from_day": day_number(starts),
        "available_until_day": day_number(until),
        "created_ts": now_ts - rng.randint(0, 365 * 24 * 3600),
        "_geo": {"lat": site["lat"], "lng": site["lng"]},
    }
