"""The one query model shared by the browse page, the API and both search backends."""
from dataclasses import dataclass, field
from datetime import date

SORTS = ("relevance", "newest", "distance", "price")
MAX_PER_PAGE = 100


@dataclass(frozen=True)
class SearchQuery:
    """What the user asked for. Values are already parsed and range-checked (see parse.py)."""

    text: str = ""
    categories: tuple[str, ...] = ()          # OR
    conditions: tuple[str, ...] = ()          # OR
    site_id: int | None = None
    free_only: bool = False
    available_on: date | None = None
    lat: float | None = None
    lng: float | None = None
    radius_km: float | None = None
    bbox: tuple[float, float, float, float] | None = None   # (south, west, north, east)
    sort: str = ""                            # "" = relevance with text, newest without
    page: int = 1
    per_page: int = 20

    @property
    def effective_sort(self) -> str:
        return self.sort or ("relevance" if self.text.strip() else "newest")

    @property
    def has_point(self) -> bool:
        return self.lat is not None and self.lng is not None

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


@dataclass
class SearchHit:
    """One result: the listing id, and what the engine knows about the match."""

    id: int
    distance_km: float | None = None
    highlight: dict[str, str] = field(default_factory=dict)   # field -> HTML-escaped text with <mark>


@dataclass
class SearchResult:
    """Ids in rank order with totals and facet counts over the whole filtered set."""

    hits: list[SearchHit]
    total: int
    facets: dict[str, dict[str, int]]
    backend: str = ""
    notice: str = ""          # e.g. "search server unreachable, showing embedded results"
