"""Listings as buyers and sellers see them: the browse query, hydration, detail and own lists."""

import sqlalchemy as sa
import sqlalchemy.orm as so

from .. import clock
from ..errors import NotFound
from ..extensions import db
from ..models import Category, Listing, ListingEvent
from ..search.query import SearchHit, SearchQuery, SearchResult

FACETS = ("category", "condition")


def public_listings_filter():
    """Rows anyone may find today (the rule lives in `Listing.findable_clause`)."""
    return Listing.findable_clause(clock.today())


def _filtered(query: SearchQuery):
    conditions = [public_listings_filter()]
    if not query.early_access:  # staged release (Listing.visible_to)
        conditions.append(Listing.is_released_clause(clock.now()))
    if query.categories:
        conditions.append(Listing.category_slug.in_(query.categories))
    if query.conditions:
        conditions.append(Listing.condition.in_(query.conditions))
    if query.site_id is not None:
        conditions.append(Listing.site_id == query.site_id)
    if query.free_only:
        conditions.append(Listing.price_cents == 0)
    if query.available_on is not None:
        conditions.append(
            sa.and_(
                Listing.available_from <= query.available_on,
                Listing.available_until >= query.available_on,
            )
        )
    return sa.and_(*conditions)


def browse(query: SearchQuery) -> SearchResult:
    """Filter-only browsing in SQL (no text, no geo): newest first or cheapest first."""
    where = _filtered(query)
    order = (
        [Listing.price_cents.asc(), Listing.id.desc()]
        if query.sort == "price"
        else [Listing.id.desc()]
    )
    ids = db.session.scalars(
        sa.select(Listing.id)
        .where(where)
        .order_by(*order)
        .limit(query.per_page)
        .offset(query.offset)
    )
    total = db.session.scalar(sa.select(sa.func.count()).select_from(Listing).where(where))
    facets = {}
    for name, column in (("category", Listing.category_slug), ("condition", Listing.condition)):
        rows = db.session.execute(sa.select(column, sa.func.count()).where(where).group_by(column))
        facets[name] = {str(getattr(key, "value", key)): count for key, count in rows}
    return SearchResult(
        hits=[SearchHit(id=i) for i in ids], total=total, facets=facets, backend="database"
    )


def by_ids(ids: list[int]) -> list[Listing]:
    """Listings in the given order, with site, category, organisation and photos loaded."""
    if not ids:
        return []
    rows = db.session.scalars(
        sa.select(Listing)
        .where(Listing.id.in_(ids))
        .options(
            so.joinedload(Listing.site),
            so.joinedload(Listing.category),
            so.joinedload(Listing.organization),
            so.selectinload(Listing.photos),
        )
    )
    found = {row.id: row for row in rows.unique()}
    return [found[i] for i in ids if i in found]


def listing_for(user, listing_id: int) -> Listing:
    """A listing the user may see (hidden ones only by their organisation and the city)."""
    listing = db.session.get(Listing, listing_id)
    if listing is None or not listing.can_view(user):
        raise NotFound()
    return listing


def managed_listing(user, listing_id: int) -> Listing:
    """A listing of the user's own organisation (another organisation's is not found)."""
    listing = db.session.get(Listing, listing_id)
    if listing is None or not listing.can_manage(user):
        raise NotFound()
    return listing


def organisation_listings(organization_id: int) -> list[Listing]:
    """All listings of an organisation, newest first (for the builder's own page)."""
    return list(
        db.session.scalars(
            sa.select(Listing)
            .where(Listing.organization_id == organization_id)
            .options(so.joinedload(Listing.site), so.selectinload(Listing.photos))
            .order_by(Listing.id.desc())
        )
    )


def events(listing_id: int) -> list[ListingEvent]:
    """The listing's append-only event log, oldest first."""
    return list(
        db.session.scalars(
            sa.select(ListingEvent)
            .where(ListingEvent.listing_id == listing_id)
            .options(so.joinedload(ListingEvent.actor))
            .order_by(ListingEvent.id)
        )
    )


def categories(listable_only: bool = False) -> list[Category]:
    """The catalogue in display order."""
    query = sa.select(Category).order_by(Category.sort, Category.slug)
    if listable_only:
        query = query.where(Category.listable)
    return list(db.session.scalars(query))
