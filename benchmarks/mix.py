"""The fixed query mix of the search benchmark.

Five kinds of text query, four texts each, every one run plain, with filters, and with a 1 km
radius around Kera sorted by distance (facets are always computed). Texts are written as users
type them into the search box: the API strips the query, so the last word is always a prefix.
Browsing without text is measured too but reported apart (it is not part of the target mix).
"""

from dataclasses import replace

from marketplace.search.query import SearchQuery

from .generate import KERA

TEXTS = {
    "one word": ["tiili", "kipsilevy", "harjateräs", "lasi"],
    "two words": ["punainen tiili", "betoni elementti", "käytetty ovi", "lasivilla 100"],
    "typo": ["kipsilevu", "tiilli", "mineraalivila", "vaneeri"],
    "prefix": ["kips", "ikku", "alumi", "lattial"],
    "compound": ["villa", "levy", "laatta", "putki"],
}
VARIANTS = {
    "plain": {},
    "filters": {"conditions": ("good", "like_new", "new"), "free_only": True},
    "geo": {"lat": KERA[0], "lng": KERA[1], "radius_km": 1.0, "sort": "distance"},
}
BROWSE = {
    "browse": {},
    "browse filters": {"categories": ("brick", "door", "timber"), "conditions": ("good",)},
    "browse geo": {"lat": KERA[0], "lng": KERA[1], "radius_km": 1.0, "sort": "distance"},
}


def queries() -> list[tuple[str, str, SearchQuery]]:
    """(kind, variant, query) for every query of the target mix, in a fixed order."""
    return [
        (kind, variant, SearchQuery(text=text, **filters))
        for kind, texts in TEXTS.items()
        for text in texts
        for variant, filters in VARIANTS.items()
    ]


def browsing() -> list[tuple[str, str, SearchQuery]]:
    """The browse queries (no text), reported apart."""
    return [("browse", name, SearchQuery(**filters)) for name, filters in BROWSE.items()]


def second_pages(mix):
    """The same queries asking for page 3 (pagination cost), used by the smoke test."""
    return [(kind, variant, replace(query, page=3)) for kind, variant, query in mix]
