"""Reserve a bundle for a wanted post: several lots, all or nothing, in one write transaction.

Each item is a normal reservation (services/reserving.py: the same checks, its own pickup slot
at its own site, paid ones waiting for their payment as usual). If any item cannot be
reserved the transaction rolls back and nothing is held: a 409 carrying the first failing
item's error code and `fields: {"items[N]": message}`.

Never over-reserved, and no deadlock between two bundles: the post's row, then every listing
of the bundle in ascending id order, are locked before the first hold is taken (PostgreSQL; on
SQLite BEGIN IMMEDIATE already serialises writers); each hold is then the usual conditional
UPDATE.
"""

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..database import write_transaction
from ..errors import Conflict, DomainError, InvalidTransition, ListingNotAvailable, NotFound
from ..models import Category, Listing, User, WantedPost
from ..queries.matching_rules import kg_per
from . import checkout, reserving
from . import validation as v
from .wanted_cover import cover

MAX_ITEMS = 10


class BundleItemFailed(Conflict):
    """One item of a bundle could not be reserved; `code` is that item's own error code."""

    def __init__(self, index: int, error: DomainError):
        super().__init__(error.message, fields={f"items[{index}]": str(error.message)})
        self.code = error.code
        self.details = {k: val for k, val in error.details.items() if k == "available"}


def wanted_reserve(
    *,
    user_id: int,
    wanted_id: int,
    items: list[dict],
    pickup_at: datetime | None = None,
    message: str = "",
):
    """Reserve every item for the post's owner or nothing; returns (reservations, post)."""
    parsed = _parsed(items, message)
    with write_transaction() as session:
        user = session.get(User, user_id)
        post = session.scalar(
            sa.select(WantedPost)
            .where(WantedPost.id == wanted_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        if user is None or post is None or not post.can_manage(user):
            raise NotFound()
        if not post.is_open:
            raise InvalidTransition(_l("This wanted post is not open."))
        ids = sorted({listing_id for listing_id, _, _ in parsed})
        session.execute(
            sa.select(Listing.id).where(Listing.id.in_(ids)).order_by(Listing.id).with_for_update()
        )
        categories = {c.slug: c for c in session.scalars(sa.select(Category))}
        reservations = []
        for index, (listing_id, quantity, at) in enumerate(parsed):
            try:
                listing = session.get(Listing, listing_id)
                if listing is None or not listing.can_view(user):
                    raise NotFound()
                per_unit = _per_unit(post, listing, categories)
                reservation = reserving.reserve(
                    session,
                    user=user,
                    listing=listing,
                    quantity=quantity,
                    pickup_at=at or pickup_at,
                    message=message,
                    payment_kind=checkout.payment_kind(listing),
                )
            except DomainError as exc:
                raise BundleItemFailed(index, exc) from exc
            cover(session, post, reservation, (quantity * per_unit).quantize(Decimal("0.001")))
            reservations.append(reservation)
    return reservations, post


def _per_unit(post: WantedPost, listing: Listing, categories: dict) -> Decimal:
    """Post units per listing unit (the matching rule); a unit that does not convert fails."""
    if listing.unit == post.unit:
        return Decimal(1)
    wanted_kg = kg_per(post.unit, None, categories.get(post.category_slug))
    listing_kg = kg_per(listing.unit, listing.kg_per_unit, categories.get(listing.category_slug))
    if not wanted_kg or not listing_kg:
        raise ListingNotAvailable(_l("This lot's unit does not convert to the wanted unit."))
    return listing_kg / wanted_kg


def _parsed(items, message) -> list[tuple[int, Decimal, datetime | None]]:
    """Shape and meaning of the items: 1 to MAX_ITEMS, each listing once, quantities > 0."""
    errors = v.Errors()
    v.text(errors, "message", message, required=False, max_len=1000)
    if not isinstance(items, list) or not 1 <= len(items) <= MAX_ITEMS:
        errors["items"] = _l("Give 1 to %(n)d items.", n=MAX_ITEMS)
        errors.raise_if_any()
    parsed, seen = [], set()
    for index, item in enumerate(items):
        field = f"items[{index}]"
        if not isinstance(item, dict) or item.get("listing_id") in (None, ""):
            errors[field] = _l("Choose a lot.")
            continue
        listing_id = v.integer(errors, field, item["listing_id"], minimum=1, maximum=2**31 - 1)
        quantity = v.decimal(errors, field, item.get("quantity"))
        if listing_id in seen:
            errors[field] = _l("Each lot may appear only once.")
        seen.add(listing_id)
        parsed.append((listing_id, quantity, item.get("pickup_at")))
    errors.raise_if_any()
    return parsed
