"""Matching in time: the listings that could serve a wanted post, and the open wanted posts a
listing could serve. One set of rules for both directions (matching_rules.Rules), read by the
wanted post's page and API, the listing's "people need this" and the alerts
(services/wanted_alerts.py).

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
overlaps, then distance (`score`, 0..1). At most the newest MAX_CANDIDATES lots that pass the
SQL filters are ranked, so a broad category costs the same at any size (docs/performance.md).
"""

import math
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa

from .. import clock
from ..extensions import db
from ..models import Listing, Site, WantedPost, WantedStatus
from ..models.types import to_milli
from ..search import service as search_service
from ..search.embedded.geo import KM_PER_DEGREE, haversine
from ..search.query import MAX_PER_PAGE, SearchQuery
from .matching_rules import Candidate, Rules, need_window

MAX_MATCHES = 20  # shown on the page and in the API, best first
# Ranked at most: the newest lots that pass the SQL filters, so a broad category stays fast at
# any size (as the search engine ranks a window, search/embedded/rank.py).
MAX_CANDIDATES = 1000
TEXT_PAGES = 1  # search pages read for a post without a category (100 hits each)
MAX_TEXT_POSTS = 200  # posts without a category checked against one listing


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
    rules = Rules(wanted, today)
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
        if Rules(post, today).candidate(row, km) is None:
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
    if wanted.max_price_cents is not None:
        # The price rule for lots in the post's own unit, early, so the window fills with lots
        # that pass it; Rules.candidate applies it to every lot, converted ones included.
        query = query.where(
            sa.or_(Listing.unit != wanted.unit, Listing.price_cents <= wanted.max_price_cents)
        )
    return query


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
    """A listing as the columns `Rules.candidate` reads."""
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
