"""Aggregates for exports: the waste-class summary shaped for the demolition-material and
construction-waste report (Building Act 751/2023), and the open-data table (no personal data)."""

import tomllib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

import sqlalchemy as sa

from ..clock import HELSINKI
from ..extensions import db
from ..models import Category, FactorSet, Handover
from ..models.types import from_milli
from . import impact

EWC_FILE = Path(__file__).resolve().parent.parent / "data" / "ewc.toml"
MASS_SOURCES = ("measured", "declared", "estimated")


@lru_cache(maxsize=1)
def _ewc_file() -> dict:
    with open(EWC_FILE, "rb") as f:
        data = tomllib.load(f)
    for locale in ("fi", "sv"):
        if data.get(locale, {}).keys() - {"source"} and not data[locale].get("source"):
            raise ValueError(
                f"{EWC_FILE.name}: [{locale}] titles need the official text they come from"
            )
    return data


def ewc_titles(locale: str = "en") -> dict:
    """{"code": {...}, "chapter": {...}}: List of Waste titles in `locale` where ewc.toml holds
    the official wording in that language, in English (the legal wording we hold) elsewhere."""
    data = _ewc_file()
    local = data.get(locale, {}) if locale != "en" else {}
    return {part: {**data[part], **local.get(part, {})} for part in ("chapter", "code")}


@dataclass
class WasteClass:
    """One waste class (LoW/EWC code) of the summary: net mass handed over for reuse."""

    ewc_code: str
    title: str
    chapter: str
    chapter_title: str
    hazardous: bool
    categories: list[str]
    handovers: int
    mass_kg: Decimal

    @property
    def mass_t(self) -> Decimal:
        """The mass in tonnes, exact."""
        return self.mass_kg / 1000


def waste_summary(
    locale: str, start: date | None = None, end: date | None = None, **filters
) -> list[WasteClass]:
    """Net mass per EWC code in the period (one organisation or site when given), in code order."""
    rows = db.session.execute(
        sa.select(
            Handover.ewc_code,
            Handover.category_slug,
            sa.func.sum(sa.type_coerce(Handover.mass_kg, sa.BigInteger)),
            impact._count(),
        )
        .where(impact._period(start, end, **filters))
        .group_by(Handover.ewc_code, Handover.category_slug)
    )
    names = {c.slug: c.name(locale) for c in db.session.scalars(sa.select(Category))}
    grams: dict[str, int] = defaultdict(int)
    counts: dict[str, int] = defaultdict(int)
    categories: dict[str, list[str]] = defaultdict(list)
    for code, slug, mass, handovers in rows:
        grams[code] += int(mass or 0)
        counts[code] += int(handovers or 0)
        categories[code].append(names.get(slug, slug))
    titles = ewc_titles(locale)
    return [
        WasteClass(
            ewc_code=code,
            title=titles["code"].get(code, ""),
            chapter=code[:5],
            chapter_title=titles["chapter"].get(code[:5], ""),
            hazardous=code.endswith("*"),
            categories=sorted(categories[code]),
            handovers=counts[code],
            mass_kg=from_milli(grams[code]),
        )
        for code in sorted(grams)
    ]


@dataclass
class OpenDataRow:
    """One month × material category: aggregates only, no person, reservation or site."""

    month: str
    category: str
    category_name_en: str
    ewc_code: str
    handovers: int = 0
    diverted_kg: Decimal = Decimal("0.000")
    co2e_avoided_kg: Decimal = Decimal("0.000")
    by_source: dict = field(default_factory=lambda: {s: Decimal("0.000") for s in MASS_SOURCES})

    def as_dict(self) -> dict:
        """The row under its documented, stable column names (README, "Open data")."""
        return {
            "month": self.month,
            "category": self.category,
            "category_name_en": self.category_name_en,
            "ewc_code": self.ewc_code,
            "handovers": self.handovers,
            "diverted_kg": self.diverted_kg,
            "diverted_kg_measured": self.by_source["measured"],
            "diverted_kg_declared": self.by_source["declared"],
            "diverted_kg_estimated": self.by_source["estimated"],
            "co2e_avoided_kg": self.co2e_avoided_kg,
        }


OPEN_DATA_COLUMNS = (
    "month",
    "category",
    "category_name_en",
    "ewc_code",
    "handovers",
    "diverted_kg",
    "diverted_kg_measured",
    "diverted_kg_declared",
    "diverted_kg_estimated",
    "co2e_avoided_kg",
)


def open_data(start: date | None = None, end: date | None = None) -> list[OpenDataRow]:
    """Net figures per Helsinki month and category (a correction counts in its own month)."""
    rows = db.session.execute(
        sa.select(
            Handover.created_at,
            Handover.category_slug,
            Handover.ewc_code,
            Handover.mass_source,
            Handover.kind,
            Handover.mass_kg,
            Handover.co2e_avoided_kg,
        ).where(impact._period(start, end))
    )
    names = {c.slug: c.name("en") for c in db.session.scalars(sa.select(Category))}
    table: dict[tuple, OpenDataRow] = {}
    for created, slug, code, source, kind, mass, co2e in rows:
        month = created.astimezone(HELSINKI).strftime("%Y-%m")
        row = table.setdefault(
            (month, slug, code), OpenDataRow(month, slug, names.get(slug, slug), code)
        )
        row.handovers += 1 if kind == "handover" else 0
        row.diverted_kg += mass
        row.co2e_avoided_kg += co2e
        row.by_source[source] += mass
    return [table[key] for key in sorted(table)]


def factor_sets_used(start: date | None = None, end: date | None = None, **filters) -> list[dict]:
    """The factor-set versions the period's ledger rows were computed with; rows for each."""
    rows = db.session.execute(
        sa.select(Handover.factor_set_id, FactorSet.name, sa.func.count())
        .outerjoin(FactorSet, FactorSet.id == Handover.factor_set_id)
        .where(impact._period(start, end, **filters))
        .group_by(Handover.factor_set_id, FactorSet.name)
        .order_by(Handover.factor_set_id)
    )
    return [{"id": set_id, "name": name or "", "rows": int(n)} for set_id, name, n in rows]
