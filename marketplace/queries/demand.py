"""The city's view of demand: open wanted posts by material and month beside what is on offer
for the same material in that month, and the share of wanted posts fulfilled.

A row whose demand has no supply is what Kera needs that nobody offers: a signal for the city.
Quantities in different units are added up as mass (kg, t, or the catalogue's typical kg per
unit); a post or listing whose mass is unknown is still counted, its mass is not."""

import calendar
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from .. import clock
from ..extensions import db
from ..models import Category, Listing, WantedPost, WantedStatus

OTHER = ""  # posts without a material: found by their words only


@dataclass
class DemandRow:
    category: str  # slug, or OTHER
    name: str
    month: str  # YYYY-MM of needed_by
    posts: int = 0
    demand_kg: Decimal = Decimal(0)
    listings: int = 0
    supply_kg: Decimal = Decimal(0)

    @property
    def unmet(self) -> bool:
        """Needed, and nothing on offer for it that month."""
        return self.listings == 0


@dataclass
class Demand:
    rows: list[DemandRow]
    total_posts: int
    fulfilled_posts: int

    @property
    def fulfilled_share(self) -> float | None:
        """Fulfilled posts as a share of every post made, None before the first one."""
        return self.fulfilled_posts / self.total_posts if self.total_posts else None

    @property
    def unmet(self) -> list[DemandRow]:
        return [row for row in self.rows if row.unmet]


def _kg(quantity: Decimal, unit: str, declared: Decimal | None, category) -> Decimal:
    per_unit = (
        declared
        if declared is not None
        else (category.typical_kg(unit) if category is not None else None)
    )
    return quantity * per_unit if per_unit is not None else Decimal(0)


def _month_bounds(month: str) -> tuple[date, date]:
    year, number = (int(part) for part in month.split("-"))
    return date(year, number, 1), date(year, number, calendar.monthrange(year, number)[1])


def open_demand(locale: str) -> Demand:
    """Open wanted posts by material and month of needed_by, soonest first, each beside the
    findable listings of that material available some day of that month."""
    today = clock.today()
    categories = {c.slug: c for c in db.session.scalars(sa.select(Category))}
    rows: dict[tuple[str, str], DemandRow] = {}
    posts = db.session.scalars(sa.select(WantedPost).where(WantedPost.status == WantedStatus.OPEN))
    for post in posts:
        slug = post.category_slug or OTHER
        key = (slug, post.needed_by.strftime("%Y-%m"))
        category = categories.get(slug)
        row = rows.setdefault(
            key, DemandRow(slug, category.name(locale) if category else "", key[1])
        )
        row.posts += 1
        row.demand_kg += _kg(post.quantity_needed, post.unit, None, category)
    supply = list(
        db.session.execute(
            sa.select(
                Listing.category_slug,
                Listing.available_from,
                Listing.available_until,
                Listing.quantity,
                Listing.quantity_reserved,
                Listing.quantity_collected,
                Listing.unit,
                Listing.kg_per_unit,
            ).where(
                Listing.findable_clause(today),
                Listing.category_slug.in_({slug for slug, _ in rows if slug}),
            )
        )
    )
    for (slug, month), row in rows.items():
        first, last = _month_bounds(month)
        for lot in supply:
            if lot.category_slug != slug or lot.available_from > last:
                continue
            if lot.available_until < first:
                continue
            left = lot.quantity - lot.quantity_reserved - lot.quantity_collected
            row.listings += 1
            row.supply_kg += _kg(left, lot.unit, lot.kg_per_unit, categories.get(slug))
    counts = dict(
        db.session.execute(
            sa.select(WantedPost.status, sa.func.count()).group_by(WantedPost.status)
        ).all()
    )
    ordered = sorted(rows.values(), key=lambda r: (r.month, -r.posts, r.name, r.category))
    return Demand(
        rows=ordered,
        total_posts=sum(counts.values()),
        fulfilled_posts=counts.get(WantedStatus.FULFILLED, 0),
    )
