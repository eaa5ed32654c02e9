"""Listing use cases: create, edit, withdraw. Every change is logged and sent to the outbox
(services/listing_log.py)."""

from datetime import timedelta
from decimal import Decimal

from flask import current_app
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from .. import clock, payment_gateway
from ..auth import acting_user
from ..client_input import is_row_id
from ..database import write_transaction
from ..errors import Forbidden, HazardousMaterial, InvalidTransition, NotFound
from ..labels import LISTING_STATUSES, label
from ..labels import UNITS as UNIT_LABELS
from ..locales import FALLBACK, LOCALES
from ..models import (
    MASS_UNITS,
    UNITS,
    Category,
    Condition,
    Listing,
    ListingStatus,
    MassSource,
    Role,
    Site,
    User,
)
from . import plausibility
from . import validation as v
from .holds import cancel_open_for_listing
from .listing_log import record_event
from .staged_release import announce_release, parse_public_from, tell_moved_pickups

MAX_WINDOW_DAYS = 365
DEFAULT_WINDOW_DAYS = 30
FIELDS = (
    "title",
    "description",
    "category",
    "quantity",
    "unit",
    "kg_per_unit",
    "condition",
    "site_id",
    "price_cents",
    "deposit_cents",
    "late_cancel_fee_percent",
    "available_from",
    "available_until",
    "dimensions",
    "language",
)
MAX_DEPOSIT_CENTS = 50_000


def _builder(session, user_id: int) -> User:
    denied = Forbidden(_l("Only builders can list material."))
    return acting_user(session, user_id, Role.BUILDER, denied=denied)


def _owned_listing(session, user: User, listing_id: int) -> Listing:
    listing = session.get(Listing, listing_id)
    if listing is None or listing.organization_id != user.organization_id:
        raise NotFound()
    return listing


def _validated(
    session, user: User, data: dict, current: Listing | None, confirm: bool = False
) -> dict:
    """Check every given field's meaning; for an edit, missing fields keep their value."""
    errors = v.Errors()
    merged = {f: getattr(current, _attr(f)) for f in FIELDS} if current else {}
    merged.update({k: val for k, val in data.items() if k in FIELDS})
    values = {
        "title": v.text(errors, "title", merged.get("title"), min_len=3, max_len=140),
        "description": v.text(
            errors, "description", merged.get("description"), required=False, max_len=5000
        ),
        "dimensions": v.text(
            errors, "dimensions", merged.get("dimensions"), required=False, max_len=120
        ),
        "quantity": v.decimal(errors, "quantity", merged.get("quantity")),
        "price_cents": v.integer(errors, "price_cents", merged.get("price_cents")),
        "deposit_cents": v.integer(
            errors, "deposit_cents", merged.get("deposit_cents"), maximum=MAX_DEPOSIT_CENTS
        ),
        "late_cancel_fee_percent": v.integer(
            errors, "late_cancel_fee_percent", merged.get("late_cancel_fee_percent"), maximum=100
        ),
    }
    _money_terms(errors, values, user)
    language = merged.get("language") or user.locale
    values["language"] = language if language in LOCALES else FALLBACK

    unit = merged.get("unit")
    if unit not in UNITS:
        errors["unit"] = _l("Choose one of: %(units)s.", units=", ".join(UNITS))
    values["unit"] = unit

    condition = merged.get("condition")
    if condition not in {c.value for c in Condition}:
        errors["condition"] = _l("Choose a condition grade.")
    values["condition"] = (
        Condition(condition) if condition in {c.value for c in Condition} else None
    )

    category = session.get(Category, str(merged.get("category") or ""))
    if category is None:
        errors["category"] = _l("Choose a material category.")
    values["category_slug"] = category.slug if category else None

    site_id = merged.get("site_id")
    site = session.get(Site, site_id) if is_row_id(site_id) else None  # 2^40: not a 500
    if site is None or site.organization_id != user.organization_id:
        errors["site_id"] = _l("Choose one of your organisation's sites.")
    values["site_id"] = site.id if site else None

    _mass(errors, values, merged, category, unit, data, current)
    _window(errors, values, merged, current)
    if category is not None and not category.listable:
        raise HazardousMaterial(
            fields={
                "category": _l(
                    "%(name)s cannot be listed: it is hazardous waste and must go to a licensed "
                    "receiver.",
                    name=category.name(str(get_locale())),
                )
            }
        )
    errors.raise_if_any()
    values["mass_flagged_at"] = _mass_flag(category, values, current, confirm)
    return values


def _mass_flag(category: Category, values: dict, current: Listing | None, confirm: bool):
    """When the listing's mass is flagged for review: the time the seller confirmed an
    implausible kg per unit (kept while that figure stays), else None."""
    kg, unit = values["kg_per_unit"], values["unit"]
    declared = values["mass_source"] == MassSource.DECLARED and unit not in MASS_UNITS
    field = "kg_per_unit" if declared else "quantity"
    plausibility.check_total(None if kg is None else values["quantity"] * kg, field)
    if values["mass_source"] != MassSource.DECLARED or kg is None:
        return None
    unchanged = current is not None and (
        current.kg_per_unit,
        current.unit,
        current.category_slug,
    ) == (kg, unit, category.slug)
    if unchanged and current.mass_flagged_at is not None:
        return current.mass_flagged_at  # confirmed before; editing the title needs no new one
    flagged = plausibility.declared_is_flagged(category, unit, kg, confirmed=confirm)
    return clock.now() if flagged else None


def _money_terms(errors, values, user: User) -> None:
    """A no-show deposit needs online payments, the organisation's payouts, and a free lot."""
    if values["deposit_cents"]:
        if not payment_gateway.takes_online_payments(user.organization):
            errors["deposit_cents"] = _l(
                "Deposits need online payments: set up payouts for your organisation first."
            )
        elif values["price_cents"]:
            errors["deposit_cents"] = _l(
                "A deposit is for free lots; a priced lot is paid in advance."
            )


def _attr(field: str) -> str:
    return {"category": "category_slug"}.get(field, field)


def _mass(errors, values, merged, category, unit, data, current) -> None:
    """kg per unit: the seller's figure (declared) or the catalogue's typical one (estimated)."""
    given = data.get("kg_per_unit") if "kg_per_unit" in data else None
    if unit in MASS_UNITS:
        values["kg_per_unit"], values["mass_source"] = MASS_UNITS[unit], MassSource.DECLARED
    elif given not in (None, ""):
        values["kg_per_unit"] = v.decimal(errors, "kg_per_unit", given, maximum=v.MAX_KG_PER_UNIT)
        values["mass_source"] = MassSource.DECLARED
    elif (
        current is not None and current.mass_source == MassSource.DECLARED and unit == current.unit
    ):
        values["kg_per_unit"], values["mass_source"] = current.kg_per_unit, MassSource.DECLARED
    else:
        typical = category.typical_kg(unit) if category and unit in UNITS else None
        if category is not None and unit in UNITS and typical is None:
            errors["kg_per_unit"] = _l(
                "The catalogue has no typical mass for this unit: enter kg per unit."
            )
        values["kg_per_unit"], values["mass_source"] = typical, MassSource.ESTIMATED


def _window(errors, values, merged, current) -> None:
    today = clock.today()
    start = v.iso_date(errors, "available_from", merged.get("available_from"))
    end = v.iso_date(errors, "available_until", merged.get("available_until"))
    start = start or (current.available_from if current else today)
    end = end or start + timedelta(days=DEFAULT_WINDOW_DAYS)
    if end < start:
        errors["available_until"] = _l("The end of availability must not be before its start.")
    elif end < today:
        errors["available_until"] = _l("The end of availability must not be in the past.")
    elif (end - start).days > MAX_WINDOW_DAYS:
        errors["available_until"] = _l("A listing can be open for at most a year.")
    values["available_from"], values["available_until"] = start, end


def listing_create(
    *, user_id: int, hazard_free: bool, confirm_unusual_mass: bool = False, **data
) -> Listing:
    """A builder lists material at one of the organisation's sites."""
    with write_transaction() as session:
        user = _builder(session, user_id)
        values = _validated(session, user, data, None, confirm_unusual_mass is True)
        if hazard_free is not True:
            v.Errors(
                hazard_free=_l(
                    "Confirm that the material is free of asbestos, PCB and other hazardous "
                    "substances."
                )
            ).raise_if_any()
        public_from = parse_public_from(data.get("public_from"), values["available_until"])
        listing = listing_add(session, user, values, public_from=public_from)
    return listing


def listing_values(session, user: User, data: dict) -> dict:
    """Building block (survey imports): a new listing's checked values, by the same rules as
    `listing_create`; raises what it raises."""
    return _validated(session, user, data, None)


def listing_add(session, user: User, values: dict, *, public_from=None, **extra) -> Listing:
    """Building block: a new listing from checked values, added and logged in the caller's
    transaction (`listing_create`, survey imports). `extra` sets further columns (import_id)."""
    return listings_add(session, user, [values], public_from=public_from, **extra)[0]


def listings_add(
    session, user: User, many: list[dict], *, public_from=None, **extra
) -> list[Listing]:
    """Building block: `listing_add` for many at once, with one flush (a survey's rows)."""
    now = clock.now()
    listings = []
    for values in many:
        listing = Listing(
            organization_id=user.organization_id,
            created_by_id=user.id,
            status=Listing.initial_status(user.organization),
            hazard_free_declared_at=now,
            created_at=now,
            **values,
            **extra,
        )
        listing.public_from = public_from or Listing.default_public_from(
            now,
            session.get(Site, values["site_id"]).staged_release_hours,
            current_app.config["STAGED_RELEASE_HOURS"],
        )
        listings.append(listing)
    session.add_all(listings)
    session.flush()
    for listing in listings:
        announce_release(session, listing, now)
        flagged = {"mass_flagged": True} if listing.mass_flagged_at else {}
        record_event(
            session, listing, user, "listing.created", {"quantity": str(listing.quantity)} | flagged
        )
    return listings


def listing_update(
    *, user_id: int, listing_id: int, confirm_unusual_mass: bool = False, **data
) -> Listing:
    """Edit an open listing; the quantity cannot go below what is reserved or collected."""
    with write_transaction() as session:
        user = _builder(session, user_id)
        listing = _owned_listing(session, user, listing_id)
        if not listing.is_open:
            raise InvalidTransition(
                _l(
                    "A listing in state “%(status)s” cannot be edited.",
                    status=label(LISTING_STATUSES, listing.status),
                )
            )
        values = _validated(session, user, data, listing, confirm_unusual_mass is True)
        committed = listing.quantity_reserved + listing.quantity_collected
        if values["quantity"] < committed:
            raise InvalidTransition(
                _l(
                    "%(n)s %(unit)s is already reserved or collected; the quantity cannot be "
                    "lower.",
                    n=_plain(committed),
                    unit=label(UNIT_LABELS, listing.unit),
                ),
                fields={"quantity": _l("At least %(n)s.", n=_plain(committed))},
            )
        public_from = parse_public_from(data.get("public_from"), values["available_until"])
        moved = public_from is not None and abs(public_from - listing.public_from)
        if moved and moved >= timedelta(minutes=1):  # the form shows minutes: less is no change
            values["public_from"] = public_from
        changed = {k: str(val) for k, val in values.items() if getattr(listing, k) != val}
        moved_from = listing.available_from
        for key, value in values.items():
            setattr(listing, key, value)
        listing.refresh_status()
        if changed:
            record_event(session, listing, user, "listing.updated", {"changed": sorted(changed)})
        if "public_from" in changed:
            announce_release(session, listing, clock.now(), moved=True)
        if listing.available_from > moved_from:
            tell_moved_pickups(session, listing)
    return listing


def listing_withdraw(*, user_id: int, listing_id: int, reason: str = "") -> Listing:
    """Take an open listing down; open reservations are cancelled and their holders notified."""
    with write_transaction() as session:
        user = _builder(session, user_id)
        listing = _owned_listing(session, user, listing_id)
        if listing.status == ListingStatus.WITHDRAWN:
            return listing
        if not listing.is_open:
            raise InvalidTransition(
                _l(
                    "A listing in state “%(status)s” cannot be withdrawn.",
                    status=label(LISTING_STATUSES, listing.status),
                )
            )
        listing_take_down(session, listing, user, reason)
    return listing


def listing_take_down(session, listing: Listing, user: User, reason: str) -> None:
    """Building block (withdrawing, undoing a survey import): cancel the open reservations,
    mark the listing withdrawn and log it."""
    cancel_open_for_listing(session, listing, by=user, reason=reason or "listing withdrawn")
    listing.status = ListingStatus.WITHDRAWN
    record_event(session, listing, user, "listing.withdrawn", {"reason": reason[:500]})


def _plain(value: Decimal) -> str:
    return format(value.normalize(), "f")
