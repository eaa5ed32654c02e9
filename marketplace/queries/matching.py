"""Matching in time: the listings that could serve a wanted post, and the open wanted posts a
listing could serve. One set of rules for both directions (`_fits`), read by the wanted post's
page and API, the listing's "people need this" and the alerts (services/wanted_alerts.py).

A listing matches a post when
- the poster may see and reserve it: findable (`Listing.findable_clause`: available, something
  left, not hidden, not pending_review, window not over), released to the poster
  (`Listing.released_clause` / `visible_to`, staged release), and not the poster's own
  organisation's;
- its category is the post's, or, for a post without one, the search engine finds it by the
  post's title (synonyms, compounds, typos: search/service.py);
- its availability window overlaps [needed_from (or today), needed_by], edges included;
- it lies within radius_km of the post's point (haversine, search/embedded/geo.py);
- its unit is the post's, or both convert through mass (kg, t, or a kg per unit: the listing's
  declared one, else the catalogue's typical mass);
- its price per unit of the post (price_cents converted through mass) is at most
  max_price_cents: the post's ceiling is "highest price per unit", so a bundle whose every
  part fits it fits it too.
Ranked by how much of what is still needed it covers, then how much of the need window it
overlaps, then distance (`score`, 0..1).
"""

import math
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_CEILING, Decimal

import sqlalchemy as sa

from .. import clock
from ..extensions import db
from ..models import Category, Listing, Site, WantedPost, WantedStatus
from ..models.types import to_milli
from ..search import service as search_service
from ..search.embedded.geo import KM_PER_DEGREE, haversine
from ..search.query import MAX_PER_PAGE, SearchQuery

MAX_MATCHES = 20  # shown on the page and in the API, best first
# Ranked at most: the newest lots that pass the SQL filters, so a broad category stays fast at
# any size (as the search engine ranks a window, search/embedded/rank.py).
MAX_CANDIDATES = 2000
TEXT_PAGES = 1  # search pages read for a post without a category (100 hits each)
MAX_TEXT_POSTS = 200  # posts without a category checked against one listing


@dataclass(slots=True)
class Candidate:
    """A listing that matches, with what it offers in the post's unit. Quantities are kept as
    integers (thousandths) and floats while ranking thousands; Decimals are made on demand."""

    listing_id: int
    organization_id: int
    site_id: int
    title: str
    unit: str
    available_milli: int
    wanted_per_unit: Decimal  # post units per listing unit
    in_wanted: float  # what it offers in the post's unit, for ranking
    available_from: date
    available_until: date
    distance_km: float
    overlap: float  # share of the need window the listing is available, 0..1
    covers: bool = False
    score: float = 0.0
    listing: Listing | None = None  # loaded by matches_for

    @property
    def quantity_available(self) -> Decimal:
        return Decimal(self.available_milli).scaleb(-3)

    @property
    def quantity_in_wanted_unit(self) -> Decimal:
        return (self.quantity_available * self.wanted_per_unit).quantize(Decimal("0.001"))


_MILLI = sa.BigInteger
_COLUMNS = (
    Listing.id,
    Listing.organization_id,
    Listing.site_id,
    Listing.category_slug,
    Listing.title,
    Listing.unit,
    sa.type_coerce(Listing.kg_per_unit, _MILLI).label("kg_milli"),
    sa.type_coerce(
        Listing.quantity - Listing.quantity_reserved - Listing.quantity_collected, _MILLI
    ).label("available_milli"),
    sa.type_coerce(Listing.available_from, sa.String).label("available_from"),
    sa.type_coerce(Listing.available_until, sa.String).label("available_until"),
    Listing.price_cents,
)


class _Rules:
    """One post's rules, prepared once for every row: its window as day numbers, its point, and
    per (unit, kg per unit, category) the conversion factor and the price ceiling."""

    def __init__(self, wanted: WantedPost, today: date):
        self.wanted = wanted
        start, end = need_window(wanted, today)
        self.start, self.end = start.toordinal(), end.toordinal()
        self.days = max(1, self.end - self.start + 1)  # a post past needed_by: no zero division
        self.categories = {c.slug: c for c in db.session.scalars(sa.select(Category))}
        self._factors: dict = {}
        self._days: dict = {}

    def factor(self, unit: str, kg_milli: int | None, category: str):
        """(post units per listing unit, the same as a float, highest price per listing unit)
        or None when the units do not convert."""
        key = (unit, kg_milli, category)
        if key not in self._factors:
            self._factors[key] = self._factor(unit, kg_milli, category)
        return self._factors[key]

    def _factor(self, unit, kg_milli, category):
        wanted = self.wanted
        if unit == wanted.unit:
            per_unit = Decimal(1)
        else:
            wanted_kg = kg_per(wanted.unit, None, self.categories.get(wanted.category_slug))
            declared = None if kg_milli is None else Decimal(kg_milli).scaleb(-3)
            listing_kg = kg_per(unit, declared, self.categories.get(category))
            if not wanted_kg or not listing_kg:
                return None
            per_unit = listing_kg / wanted_kg
        ceiling = None if wanted.max_price_cents is None else wanted.max_price_cents * per_unit
        return per_unit, float(per_unit), ceiling

    def day(self, value) -> tuple[date, int]:
        """A date column (text on SQLite, a date on PostgreSQL) and its day number; the few
        hundred distinct days are parsed once."""
        known = self._days.get(value)
        if known is None:
            parsed = value if isinstance(value, date) else date.fromisoformat(value)
            known = self._days[value] = (parsed, parsed.toordinal())
        return known

    def candidate(self, row, distance_km: float) -> Candidate | None:
        """The candidate when `row` (a listing's columns) meets the window, unit and price."""
        listing_id, org, site, category, title, unit, kg, available, first, last, price = row
        factor = self.factor(unit, kg, category)
        if factor is None or available <= 0:
            return None
        per_unit, per_unit_float, ceiling = factor
        if ceiling is not None and price > ceiling:
            return None
        first, begins = self.day(first)
        last, ends = self.day(last)
        if begins > self.end or ends < self.start:
            return None
        shared = (ends if ends < self.end else self.end) - (
            begins if begins > self.start else self.start
        )
        return Candidate(
            listing_id,
            org,
            site,
            title,
            unit,
            available,
            per_unit,
            available / 1000 * per_unit_float,
            first,
            last,
            round(distance_km, 3),
            min(1.0, (shared + 1) / self.days),
        )


def need_window(wanted: WantedPost, today: date) -> tuple[date, date]:
    """[needed_from or today, needed_by]: the days the material is needed."""
    return (wanted.needed_from or today), wanted.needed_by


def kg_per(unit: str, declared: Decimal | None, category: Category | None) -> Decimal | None:
    """kg per unit: exact for kg and t, else the declared figure, else the catalogue's."""
    if unit in ("kg", "t"):
        return Decimal(1) if unit == "kg" else Decimal(1000)
    if declared:
        return declared
    return category.typical_kg(unit) if category is not None else None


def candidates(wanted: WantedPost, viewer=None, *, now: datetime | None = None) -> list[Candidate]:
    """Every listing that could serve the post, best first (see the module docstring)."""
    now = now or clock.now()
    today = clock.today()
    viewer = viewer or wanted.owner
    sites = _sites_within(wanted)
    if not sites:
        return []
    query = _base_query(wanted, viewer, now, today).where(Listing.site_id.in_(sites))
    if wanted.category_slug:
        query = query.where(Listing.category_slug == wanted.category_slug)
    else:
        ids = _text_ids(wanted)
        if not ids:
            return []
        query = query.where(Listing.id.in_(ids))
    rules = _Rules(wanted, today)
    found = []
    window = query.order_by(Listing.id.desc()).limit(MAX_CANDIDATES)
    for row in db.session.execute(window).tuples():
        candidate = rules.candidate(row, sites[row[2]])
        if candidate is not None:
            found.append(candidate)
    return rank(found, wanted.quantity_needed, float(wanted.radius_km))


def rank(found: list[Candidate], needed: Decimal, radius_km: float) -> list[Candidate]:
    """Score and order: covered share 0.6, window overlap 0.3, nearness 0.1."""
    need = float(needed)
    for c in found:
        share = min(1.0, c.in_wanted / need) if need > 0 else 1.0
        if abs(c.in_wanted - need) < 1e-6:  # at the edge: decide exactly
            c.covers = need > 0 and c.quantity_in_wanted_unit >= needed
        else:
            c.covers = need > 0 and c.in_wanted > need
        near = max(0.0, 1 - c.distance_km / radius_km) if radius_km > 0 else 1.0
        c.score = round(0.6 * share + 0.3 * c.overlap + 0.1 * near, 4)
    found.sort(key=lambda c: (-c.score, c.distance_km, c.listing_id))
    return found


def _sites_within(wanted: WantedPost) -> dict[int, float]:
    """Site id -> distance (km) of every site within the post's radius: a few hundred sites,
    each measured once rather than once per listing."""
    lat, lng = wanted.point
    radius = float(wanted.radius_km)
    dlat = radius / KM_PER_DEGREE
    dlng = radius / (KM_PER_DEGREE * max(0.01, math.cos(math.radians(lat))))
    rows = db.session.execute(
        sa.select(Site.id, Site.lat, Site.lng).where(
            Site.lat.between(lat - dlat, lat + dlat), Site.lng.between(lng - dlng, lng + dlng)
        )
    )
    within = {}
    for site_id, site_lat, site_lng in rows:
        km = haversine(lat, lng, site_lat, site_lng)
        if km <= radius:
            within[site_id] = km
    return within


def matches_for(wanted: WantedPost, viewer=None) -> list[Candidate]:
    """The best MAX_MATCHES candidates, each with its listing loaded (organisation and site)."""
    return with_listings(candidates(wanted, viewer)[:MAX_MATCHES])


def with_listings(found: list[Candidate]) -> list[Candidate]:
    """The candidates with `listing` set (organisation and site loaded in the same query)."""
    listings = _load([c.listing_id for c in found if c.listing is None])
    for c in found:
        c.listing = c.listing or listings.get(c.listing_id)
    return [c for c in found if c.listing is not None]


def wanted_for_listing(listing: Listing, *, now: datetime | None = None) -> list[WantedPost]:
    """The open wanted posts this listing could serve (for "people need this" and alerts)."""
    now = now or clock.now()
    today = clock.today()
    if not listing.is_findable(today):
        return []
    posts = db.session.scalars(
        sa.select(WantedPost)
        .where(
            WantedPost.status == WantedStatus.OPEN,
            WantedPost.needed_by >= today,
            WantedPost.needed_by >= listing.available_from,
            sa.or_(
                WantedPost.needed_from.is_(None), WantedPost.needed_from <= listing.available_until
            ),
            sa.or_(
                WantedPost.category_slug == listing.category_slug,
                WantedPost.category_slug.is_(None),
            ),
        )
        .order_by(WantedPost.needed_by, WantedPost.id)
    ).all()
    row = _row_of(listing)
    served, text_checked = [], 0
    for post in posts:
        owner = post.owner
        if owner is None or listing.organization_id == owner.organization_id:
            continue
        km = haversine(*post.point, listing.site.lat, listing.site.lng)
        if km > float(post.radius_km) or not listing.visible_to(owner, now):
            continue
        if _Rules(post, today).candidate(row, km) is None:
            continue
        if post.category_slug is None:
            text_checked += 1
            if text_checked > MAX_TEXT_POSTS or listing.id not in _text_ids(post, listing.site_id):
                continue
        served.append(post)
    return served


def _base_query(wanted: WantedPost, viewer, now: datetime, today: date):
    start, end = need_window(wanted, today)
    query = sa.select(*_COLUMNS).where(
        Listing.findable_clause(today),
        Listing.released_clause(viewer, now),
        Listing.available_from <= end,
        Listing.available_until >= start,
    )
    if viewer is not None and getattr(viewer, "organization_id", None) is not None:
        query = query.where(Listing.organization_id != viewer.organization_id)
    return query


def listing_quantity_for(candidate: Candidate, wanted_quantity: Decimal) -> Decimal:
    """How much of the listing (its unit) gives `wanted_quantity` of the post's unit: rounded up
    to whole pieces for pcs, to 3 decimals otherwise, never above what is available."""
    raw = wanted_quantity / candidate.wanted_per_unit
    step = Decimal(1) if candidate.unit == "pcs" else Decimal("0.001")
    return min(candidate.quantity_available, raw.quantize(step, rounding=ROUND_CEILING))


def _text_ids(wanted: WantedPost, site_id: int | None = None) -> set[int]:
    """Listing ids the search engine finds by the post's title (its rules, its index)."""
    lat, lng = wanted.point
    ids: set[int] = set()
    for page in range(1, TEXT_PAGES + 1):
        result = search_service.search(
            SearchQuery(
                text=wanted.title,
                lat=lat,
                lng=lng,
                radius_km=float(wanted.radius_km),
                site_id=site_id,
                page=page,
                per_page=MAX_PER_PAGE,
            )
        )
        ids.update(hit.id for hit in result.hits)
        if page * MAX_PER_PAGE >= result.total:
            break
    return ids


def _row_of(listing: Listing):
    """A listing as the columns `_Rules.candidate` reads."""
    kg = listing.kg_per_unit
    return (
        listing.id,
        listing.organization_id,
        listing.site_id,
        listing.category_slug,
        listing.title,
        listing.unit,
        None if kg is None else to_milli(kg),
        to_milli(listing.quantity_available),
        listing.available_from,
        listing.available_until,
        listing.price_cents,
    )


def _load(ids: list[int]) -> dict[int, Listing]:
    if not ids:
        return {}
    rows = db.session.scalars(
        sa.select(Listing)
        .where(Listing.id.in_(ids))
        .options(sa.orm.joinedload(Listing.organization), sa.orm.joinedload(Listing.site))
    )
    return {listing.id: listing for listing in rows}
