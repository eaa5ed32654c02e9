"""The one query model shared by the browse page, the API and both search backends."""

from dataclasses import dataclass, field
from datetime import date

SORTS = ("relevance", "newest", "distance", "price")
MAX_PER_PAGE = 100
# Facets a query may ask for besides category and condition (always counted): a document field
# holding an integer id, counted over the whole result (the map of every result counts sites).
FACETS_ON_REQUEST = ("site_id",)
# Values one facet returns at most: Meilisearch's maxValuesPerFacet (one setting for every
# facet), and the embedded engine stops at as many (the most frequent) so the backends agree.
MAX_FACET_VALUES = 1000


@dataclass(frozen=True)
class SearchQuery:
    """What the user asked for. Values are already parsed and range-checked (see parse.py)."""

    text: str = ""
    categories: tuple[str, ...] = ()  # OR
    conditions: tuple[str, ...] = ()  # OR
    site_id: int | None = None
    free_only: bool = False
    available_on: date | None = None
    lat: float | None = None
    lng: float | None = None
    radius_km: float | None = None
    bbox: tuple[float, float, float, float] | None = None  # (south, west, north, east)
    sort: str = ""  # "" = relevance with text, newest without
    page: int = 1
    per_page: int = 20
    # Staged release: professionals (city staff, builders of verified organisations) also find
    # listings before their public_from; everyone else only those open to everyone by now.
    early_access: bool = False
    facets: tuple[str, ...] = ()  # of FACETS_ON_REQUEST, counted into SearchResult.facets

    def __post_init__(self):
        object.__setattr__(self, "text", close_quotes(self.text))

    @property
    def effective_sort(self) -> str:
        return self.sort or ("relevance" if self.text.strip() else "newest")

    @property
    def has_point(self) -> bool:
        return self.lat is not None and self.lng is not None

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


def close_quotes(text: str) -> str:
    """The query text both backends see: a quote left without its pair is dropped (the last
    one; quotes pair in order) and a space takes its place, so `"kattotiili mus` is two words,
    the last a prefix, on either backend (Meilisearch alone would read an unclosed quote as a
    phrase up to the end)."""
    if text.count('"') % 2 == 0:
        return text
    at = text.rindex('"')
    return text[:at] + " " + text[at + 1 :]  # a separator still, as the quote was


# How a query word found a listing (SearchHit.matches), best first.
MATCH_KINDS = ("exact", "prefix", "compound", "split", "concat", "synonym", "category", "typo")


@dataclass(frozen=True)
class Match:
    """One query word and what it matched in a listing: `found` is the listing's word (folded),
    `how` one of MATCH_KINDS (compound: a catalogue part of a longer word; split: the word
    written apart; concat: query words written together; category: the category's name)."""

    word: str
    found: str
    how: str


@dataclass
class SearchHit:
    """One result: the listing id, and what the engine knows about the match."""

    id: int
    distance_km: float | None = None
    highlight: dict[str, str] = field(
        default_factory=dict
    )  # field -> HTML-escaped text with <mark>
    matches: list[Match] = field(default_factory=list)  # one per query word that matched

    @property
    def typo_only(self) -> bool:
        """Found only through similar spellings (every matched word a typo)."""
        return bool(self.matches) and all(m.how == "typo" for m in self.matches)

    @property
    def synonyms(self) -> list[Match]:
        """The matches through another name of the material (a synonym or the category)."""
        return [m for m in self.matches if m.how in ("synonym", "category")]


@dataclass
class SearchResult:
    """Ids in rank order with totals and facet counts over the whole filtered set."""

    hits: list[SearchHit]
    total: int
    facets: dict[str, dict[str, int]]
    backend: str = ""
    notice: str = ""  # e.g. "search server unreachable, showing embedded results"
