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
from ..search import service as search_service
from ..search.embedded.geo import KM_PER_DEGREE, haversine
from ..search.query import MAX_PER_PAGE, SearchQuery

MAX_MATCHES = 50  # shown on the page and in the API
TEXT_PAGES = 3  # search pages read for a post without a category (100 hits each)
MAX_TEXT_POSTS = 200  # posts without a category checked against one listing


@dataclass
class Candidate:
    """A listing that matches, with what it offers in the post's unit."""

    listing_id: int
    organization_id: int
    site_id: int
    title: str
    unit: str
    quantity_available: Decimal
    quantity_in_wanted_unit: Decimal
    wanted_per_unit: Decimal  # post units per listing unit
    available_from: date
    available_until: date
    lat: float
    lng: float
    distance_km: float
    overlap: float  # share of the need window the listing is available, 0..1
    covers: bool = False
    score: float = 0.0
    listing: Listing | None = None  # loaded by matches_for


_COLUMNS = (
    Listing.id,
    Listing.organization_id,
    Listing.site_id,
    Listing.category_slug,
    Listing.title,
    Listing.unit,
    Listing.kg_per_unit,
    Listing.quantity,
    Listing.quantity_reserved,
    Listing.quantity_collected,
    Listing.available_from,
    Listing.available_until,
    Listing.price_cents,
    Site.lat,
    Site.lng,
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
    query = _base_query(wanted, viewer, now, today)
    if wanted.category_slug:
        query = query.where(Listing.category_slug == wanted.category_slug)
    else:
        ids = _text_ids(wanted)
        if not ids:
            return []
        query = query.where(Listing.id.in_(ids))
    categories = {c.slug: c for c in db.session.scalars(sa.select(Category))}
    found = [c for row in db.session.execute(query) if (c := _fits(wanted, row, categories, today))]
    return rank(found, wanted.quantity_needed, float(wanted.radius_km))


def rank(found: list[Candidate], needed: Decimal, radius_km: float) -> list[Candidate]:
    """Score and order: covered share 0.6, window overlap 0.3, nearness 0.1."""
    for c in found:
        share = min(Decimal(1), c.quantity_in_wanted_unit / needed) if needed > 0 else Decimal(1)
        c.covers = needed > 0 and c.quantity_in_wanted_unit >= needed
        near = max(0.0, 1 - c.distance_km / radius_km) if radius_km > 0 else 1.0
        c.score = round(0.6 * float(share) + 0.3 * c.overlap + 0.1 * near, 4)
    found.sort(key=lambda c: (-c.score, c.distance_km, c.listing_id))
    return found


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
    categories = {c.slug: c for c in db.session.scalars(sa.select(Category))}
    row = _row_of(listing)
    served, text_checked = [], 0
    for post in posts:
        owner = post.owner
        if owner is None or listing.organization_id == owner.organization_id:
            continue
        if not listing.visible_to(owner, now) or not _fits(post, row, categories, today):
            continue
        if post.category_slug is None:
            text_checked += 1
            if text_checked > MAX_TEXT_POSTS or listing.id not in _text_ids(post, listing.site_id):
                continue
        served.append(post)
    return served


def _base_query(wanted: WantedPost, viewer, now: datetime, today: date):
    start, end = need_window(wanted, today)
    lat, lng = wanted.point
    radius = float(wanted.radius_km)
    dlat = radius / KM_PER_DEGREE
    dlng = radius / (KM_PER_DEGREE * max(0.01, math.cos(math.radians(lat))))
    query = (
        sa.select(*_COLUMNS)
        .join(Site, Site.id == Listing.site_id)
        .where(
            Listing.findable_clause(today),
            Listing.released_clause(viewer, now),
            Listing.available_from <= end,
            Listing.available_until >= start,
            Site.lat.between(lat - dlat, lat + dlat),
            Site.lng.between(lng - dlng, lng + dlng),
        )
    )
    if viewer is not None and getattr(viewer, "organization_id", None) is not None:
        query = query.where(Listing.organization_id != viewer.organization_id)
    return query


def _fits(wanted: WantedPost, row, categories: dict, today: date) -> Candidate | None:
    """The candidate when `row` (a listing's columns) meets every rule but visibility and text."""
    start, end = need_window(wanted, today)
    if row.available_from > end or row.available_until < start:
        return None
    lat, lng = wanted.point
    distance = haversine(lat, lng, row.lat, row.lng)
    if distance > float(wanted.radius_km):
        return None
    if row.unit == wanted.unit:
        per_unit = Decimal(1)
    else:
        wanted_kg = kg_per(wanted.unit, None, categories.get(wanted.category_slug))
        listing_kg = kg_per(row.unit, row.kg_per_unit, categories.get(row.category_slug))
        if not wanted_kg or not listing_kg:
            return None
        per_unit = listing_kg / wanted_kg
    if wanted.max_price_cents is not None and Decimal(row.price_cents) > (
        wanted.max_price_cents * per_unit
    ):
        return None
    available = row.quantity - row.quantity_reserved - row.quantity_collected
    if available <= 0:
        return None
    days = (end - start).days + 1
    shared = (min(end, row.available_until) - max(start, row.available_from)).days + 1
    return Candidate(
        listing_id=row.id,
        organization_id=row.organization_id,
        site_id=row.site_id,
        title=row.title,
        unit=row.unit,
        quantity_available=available,
        quantity_in_wanted_unit=(available * per_unit).quantize(Decimal("0.001")),
        wanted_per_unit=per_unit,
        available_from=row.available_from,
        available_until=row.available_until,
        lat=row.lat,
        lng=row.lng,
        distance_km=round(distance, 3),
        overlap=min(1.0, shared / days) if days > 0 else 1.0,
    )


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
    """A listing as the columns `_fits` reads."""
    values = {c.key: getattr(listing, c.key) for c in _COLUMNS if c.class_ is Listing}
    values.update(lat=listing.site.lat, lng=listing.site.lng)
    return type("Row", (), values)


def _load(ids: list[int]) -> dict[int, Listing]:
    if not ids:
        return {}
    rows = db.session.scalars(
        sa.select(Listing)
        .where(Listing.id.in_(ids))
        .options(sa.orm.joinedload(Listing.organization), sa.orm.joinedload(Listing.site))
    )
    return {listing.id: listing for listing in rows}
