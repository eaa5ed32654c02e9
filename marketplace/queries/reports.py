"""City report figures beyond the ledger totals: how mass was obtained, the match rate, lots that
expired unclaimed, the no-show rate, stock still on offer and progress against yearly targets.

Masses are exact: ledger sums add the stored integers (grams) in SQL; listing masses multiply the
stored thousandths (quantity × kg per unit) in SQL, so they come out in millionths of a kg.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa

from .. import clock
from ..clock import HELSINKI
from ..extensions import db
from ..models import (
    Category,
    Handover,
    Listing,
    ListingStatus,
    Reservation,
    ReservationStatus,
    YearlyTarget,
)
from ..models.types import from_milli
from . import impact
from .listings import public_listings_filter

MASS_SOURCES = ("measured", "declared", "estimated")  # most to least trustworthy


@dataclass
class Share:
    """Net mass obtained one way (measured, declared, estimated) and its share of the total."""

    key: str
    diverted_kg: Decimal
    share: Decimal | None  # fraction of the net total, None when nothing was diverted


@dataclass
class MatchRate:
    """Listed mass of a period's listings and the part that found a taker in time."""

    listings: int
    listed_kg: Decimal  # Σ quantity × kg per unit of the listings created in the period
    matched_kg: Decimal  # the part handed over on or before each listing's available_until
    rate: Decimal | None


@dataclass
class Unclaimed:
    """Lots whose availability ended with nothing handed over, and their mass."""

    lots: int
    mass_kg: Decimal


@dataclass
class NoShows:
    """Reservations closed as collected or as not collected, and the no-show rate."""

    collected: int
    no_show: int
    rate: Decimal | None


@dataclass
class Stock:
    """Material on offer now in one category: lots and mass."""

    key: str
    label: str
    lots: int
    mass_kg: Decimal


@dataclass
class TargetProgress:
    """A yearly target and what was diverted that year."""

    year: int
    target_t: Decimal
    diverted_t: Decimal
    share: Decimal  # diverted / target
    pace: Decimal | None  # share of the year gone by (None for past and future years)


def _ratio(part: Decimal, whole: Decimal) -> Decimal | None:
    return None if not whole else part / whole


def _raw(column):
    return sa.type_coerce(column, sa.BigInteger)


def _micro_kg(value) -> Decimal:
    """A sum of quantity(thousandths) × kg per unit(thousandths) as kg (six decimals, exact)."""
    return from_milli(int(value or 0), 6)


def local_bounds(start: date | None, end: date | None, column):
    """`column` (an aware timestamp) within the Helsinki dates [start, end]."""
    conditions = []
    if start:
        conditions.append(column >= datetime.combine(start, datetime.min.time(), tzinfo=HELSINKI))
    if end:
        conditions.append(
            column < datetime.combine(end + timedelta(days=1), datetime.min.time(), tzinfo=HELSINKI)
        )
    return sa.and_(sa.true(), *conditions)


def mass_sources(start: date | None = None, end: date | None = None, **filters) -> list[Share]:
    """Net diverted mass by how it was obtained (measured, declared, estimated) and its share."""
    rows = dict(
        db.session.execute(
            sa.select(Handover.mass_source, sa.func.sum(_raw(Handover.mass_kg)))
            .where(impact._period(start, end, **filters))
            .group_by(Handover.mass_source)
        ).all()
    )
    masses = {key: from_milli(int(rows.get(key) or 0)) for key in MASS_SOURCES}
    total = sum(masses.values(), Decimal(0))
    return [Share(key, kg, _ratio(kg, total)) for key, kg in masses.items()]


def match_rate(start: date | None = None, end: date | None = None) -> MatchRate:
    """Of the mass listed in the period, the share handed over by the listing's last day.

    Both sides are on the listing's own basis (quantity × kg per unit), so a heavier weighed mass
    cannot push the rate over 100 %. A handover counts by its collection date (Helsinki),
    corrections by the collection they correct; listings still open count in full in the listed
    mass."""
    created = local_bounds(start, end, Listing.created_at)
    listed = db.session.execute(
        sa.select(
            sa.func.count(), sa.func.sum(_raw(Listing.quantity) * _raw(Listing.kg_per_unit))
        ).where(created, Listing.kg_per_unit.is_not(None))
    ).one()
    rows = db.session.execute(
        sa.select(
            Handover.quantity,
            Listing.kg_per_unit,
            Listing.available_until,
            Reservation.closed_at,
            Handover.created_at,
        )
        .join(Listing, Listing.id == Handover.listing_id)
        .outerjoin(Reservation, Reservation.id == Handover.reservation_id)
        .where(created, Listing.kg_per_unit.is_not(None))
    )
    matched = Decimal(0)
    for quantity, kg_per_unit, until, collected_at, recorded_at in rows:
        if clock.local_date(collected_at or recorded_at) <= until:
            matched += quantity * kg_per_unit
    listed_kg = _micro_kg(listed[1])
    return MatchRate(int(listed[0]), listed_kg, matched, _ratio(matched, listed_kg))


def expired_unclaimed(start: date | None = None, end: date | None = None) -> Unclaimed:
    """Lots whose availability ended in the period (and before today) with nothing handed over.

    Withdrawn lots (taken down by their owner) and lots hidden by the city are not counted."""
    conditions = [
        Listing.available_until < clock.today(),
        Listing.quantity_collected == 0,
        Listing.status.in_(
            (ListingStatus.AVAILABLE, ListingStatus.RESERVED, ListingStatus.EXPIRED)
        ),
        Listing.hidden_reason == "",
    ]
    if start:
        conditions.append(Listing.available_until >= start)
    if end:
        conditions.append(Listing.available_until <= end)
    row = db.session.execute(
        sa.select(
            sa.func.count(),
            sa.func.sum(_raw(Listing.quantity) * _raw(sa.func.coalesce(Listing.kg_per_unit, 0))),
        ).where(*conditions)
    ).one()
    return Unclaimed(int(row[0]), _micro_kg(row[1]))


def no_show_rate(start: date | None = None, end: date | None = None) -> NoShows:
    """no-show / (collected + no-show), over reservations closed in the period (Helsinki dates)."""
    rows = dict(
        db.session.execute(
            sa.select(Reservation.status, sa.func.count())
            .where(
                Reservation.status.in_((ReservationStatus.COLLECTED, ReservationStatus.NO_SHOW)),
                Reservation.closed_at.is_not(None),
                local_bounds(start, end, Reservation.closed_at),
            )
            .group_by(Reservation.status)
        ).all()
    )
    collected = int(rows.get(ReservationStatus.COLLECTED, 0))
    no_show = int(rows.get(ReservationStatus.NO_SHOW, 0))
    return NoShows(collected, no_show, _ratio(Decimal(no_show), Decimal(collected + no_show)))


def still_available(locale: str, limit: int = 10) -> list[Stock]:
    """Material anyone can reserve right now, by category, largest mass first."""
    left = (
        _raw(Listing.quantity) - _raw(Listing.quantity_reserved) - _raw(Listing.quantity_collected)
    )
    rows = db.session.execute(
        sa.select(
            Listing.category_slug, sa.func.count(), sa.func.sum(left * _raw(Listing.kg_per_unit))
        )
        .where(public_listings_filter(), Listing.kg_per_unit.is_not(None))
        .group_by(Listing.category_slug)
    )
    names = {c.slug: c.name(locale) for c in db.session.scalars(sa.select(Category))}
    stock = [
        Stock(slug, names.get(slug, slug), int(lots), _micro_kg(mass)) for slug, lots, mass in rows
    ]
    return sorted(stock, key=lambda s: (-s.mass_kg, s.key))[:limit]


def target_progress(year: int) -> TargetProgress | None:
    """Diverted tonnes in a calendar year against the city's target (None without a target)."""
    target = db.session.get(YearlyTarget, year)
    if target is None:
        return None
    diverted_t = impact.totals(date(year, 1, 1), date(year, 12, 31)).diverted_kg / 1000
    today = clock.today()
    pace = None
    if today.year == year:
        days = (date(year + 1, 1, 1) - date(year, 1, 1)).days
        pace = Decimal(today.timetuple().tm_yday) / days
    return TargetProgress(year, target.tonnes, diverted_t, diverted_t / target.tonnes, pace)


def targets() -> list[TargetProgress]:
    """Every yearly target with what was diverted that year, newest year first."""
    years = db.session.scalars(sa.select(YearlyTarget.year).order_by(YearlyTarget.year.desc()))
    return [target_progress(year) for year in years]


GROUPINGS = ("category", "ewc_code", "site", "organization", "month")


def dashboard(start: date, end: date, locale: str) -> dict:
    """Every figure of the city dashboard and the printable report, for one period."""
    from . import exports, factors

    return {
        "totals": impact.totals(start, end),
        "groups": {g: impact.grouped(g, locale, start, end) for g in GROUPINGS},
        "sources": mass_sources(start, end),
        "match": match_rate(start, end),
        "unclaimed": expired_unclaimed(start, end),
        "no_shows": no_show_rate(start, end),
        "stock": still_available(locale),
        "target": target_progress(end.year),
        "factor_sets": exports.factor_sets_used(start, end),
        "active_set": factors.active_set(),
    }
