"""Figures from the handover ledger: totals and groupings, to the gram (sums of exact integers)."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa

from ..clock import HELSINKI
from ..extensions import db
from ..models import Category, Handover, Organization, Site
from ..models.types import from_milli

GROUPS = ("category", "ewc_code", "site", "month")  # the public API's group_by values
CITY_GROUPS = GROUPS + ("organization",)  # figures by builder, for city staff


@dataclass
class Figures:
    key: str
    label: str
    diverted_kg: Decimal
    co2e_avoided_kg: Decimal
    handovers: int


def _period(
    start: date | None,
    end: date | None,
    *,
    organization_id: int | None = None,
    site_id: int | None = None,
):
    """Handovers whose Helsinki date is in [start, end] (of one organisation or site if given)."""
    conditions = []
    if organization_id is not None:
        conditions.append(Handover.organization_id == organization_id)
    if site_id is not None:
        conditions.append(Handover.site_id == site_id)
    # The first and the last calendar day bound nothing, and their Helsinki midnights lie
    # outside the datetimes UTC can hold (from=0001-01-01 or to=9999-12-31 made an OverflowError).
    if start and start > date.min:
        conditions.append(
            Handover.created_at >= datetime.combine(start, datetime.min.time(), tzinfo=HELSINKI)
        )
    if end and end < date.max:
        conditions.append(
            Handover.created_at
            < datetime.combine(end + timedelta(days=1), datetime.min.time(), tzinfo=HELSINKI)
        )
    return sa.and_(sa.true(), *conditions)


def _raw(column):
    """Sum the stored integers (grams), not Decimals: exact on every database."""
    return sa.func.sum(sa.type_coerce(column, sa.BigInteger))


def _count():
    # A reversal cancels the handover it reverses; a correction replaces it: count net events.
    return sa.func.sum(sa.case((Handover.kind == "handover", 1), else_=0))


def totals(start: date | None = None, end: date | None = None, **filters) -> Figures:
    """Net diverted mass, CO2e and number of handovers in the period."""
    row = db.session.execute(
        sa.select(
            sa.func.coalesce(_raw(Handover.mass_kg), 0),
            sa.func.coalesce(_raw(Handover.co2e_avoided_kg), 0),
            sa.func.coalesce(_count(), 0),
        ).where(_period(start, end, **filters))
    ).one()
    return Figures("total", "", from_milli(int(row[0])), from_milli(int(row[1])), int(row[2]))


def grouped(
    group_by: str, locale: str, start: date | None = None, end: date | None = None, **filters
) -> list[Figures]:
    """Net figures per category, EWC code, site, organisation or month (Helsinki time); months in
    order, the others largest mass first. A correction counts in the month it was recorded."""
    if group_by not in CITY_GROUPS:
        raise ValueError(group_by)
    if group_by == "month":
        rows = db.session.execute(
            sa.select(
                Handover.created_at, Handover.mass_kg, Handover.co2e_avoided_kg, Handover.kind
            ).where(_period(start, end, **filters))
        )
        months: dict[str, list] = {}
        for created, mass, co2e, kind in rows:
            key = created.astimezone(HELSINKI).strftime("%Y-%m")
            entry = months.setdefault(key, [Decimal(0), Decimal(0), 0])
            entry[0] += mass
            entry[1] += co2e
            entry[2] += 1 if kind == "handover" else 0
        return [Figures(k, k, *v) for k, v in sorted(months.items())]
    column = {
        "category": Handover.category_slug,
        "ewc_code": Handover.ewc_code,
        "site": Handover.site_id,
        "organization": Handover.organization_id,
    }[group_by]
    rows = db.session.execute(
        sa.select(column, _raw(Handover.mass_kg), _raw(Handover.co2e_avoided_kg), _count())
        .where(_period(start, end, **filters))
        .group_by(column)
    )
    labels = _labels(group_by, locale)
    result = [
        Figures(
            str(key),
            labels.get(key, str(key)),
            from_milli(int(mass)),
            from_milli(int(co2e)),
            int(n),
        )
        for key, mass, co2e, n in rows
    ]
    return sorted(result, key=lambda f: (-f.diverted_kg, f.key))


def _labels(group_by: str, locale: str) -> dict:
    if group_by == "category":
        return {c.slug: c.name(locale) for c in db.session.scalars(sa.select(Category))}
    if group_by == "site":
        return {s.id: s.name for s in db.session.scalars(sa.select(Site))}
    if group_by == "organization":
        return {o.id: o.name for o in db.session.scalars(sa.select(Organization))}
    return {}


def ledger(start: date | None = None, end: date | None = None, **filters) -> list[Handover]:
    """Every ledger row in the period, oldest first (for exports)."""
    return list(
        db.session.scalars(
            sa.select(Handover).where(_period(start, end, **filters)).order_by(Handover.id)
        )
    )
