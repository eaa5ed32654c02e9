"""The rules of matching in time for one wanted post and one listing (see queries/matching.py,
which finds the listings and ranks them): the need window, units through mass, the price
ceiling per unit of the need, and what a candidate offers in the post's unit."""

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_CEILING, Decimal

import sqlalchemy as sa

from ..extensions import db
from ..models import Category, Listing, WantedPost


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


class Rules:
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


def listing_quantity_for(candidate: Candidate, wanted_quantity: Decimal) -> Decimal:
    """How much of the listing (its unit) gives `wanted_quantity` of the post's unit: rounded up
    to whole pieces for pcs, to 3 decimals otherwise, never above what is available."""
    raw = wanted_quantity / candidate.wanted_per_unit
    step = Decimal(1) if candidate.unit == "pcs" else Decimal("0.001")
    return min(candidate.quantity_available, raw.quantize(step, rounding=ROUND_CEILING))
