"""Carbon-factor tables with their sources, the catalogue's masses, and recomputing a period's CO2e
under another factor-set version beside the recorded figures (the ledger itself never changes)."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from ..catalog_loader import read_catalogue
from ..extensions import db
from ..models import CarbonFactor, Category, FactorSet, Handover, StaffAction
from ..services.ledger import co2e
from . import impact


@dataclass
class FactorRow:
    """A category, its factor in one version (None: no CO2e counted) and the source's reference."""

    category: str
    label: str
    factor: CarbonFactor | None
    citation: str  # the full reference of the factor's source id


def factor_sets() -> list[tuple[FactorSet, int]]:
    """Every loaded version with the number of ledger rows computed with it, newest first."""
    used = dict(
        db.session.execute(
            sa.select(Handover.factor_set_id, sa.func.count()).group_by(Handover.factor_set_id)
        ).all()
    )
    sets = db.session.scalars(
        sa.select(FactorSet).order_by(FactorSet.loaded_at.desc(), FactorSet.id)
    )
    return [(s, int(used.get(s.id, 0))) for s in sets]


def active_set() -> FactorSet | None:
    """The version new handovers are computed with."""
    return db.session.scalar(sa.select(FactorSet).where(FactorSet.active))


def sources() -> dict:
    """Source id → full reference, from the catalogue file and every loaded version."""
    merged = dict(read_catalogue().get("sources", {}))
    for held in db.session.scalars(sa.select(FactorSet.sources)):
        merged.update(held or {})
    return merged


def factor_table(
    factor_set_id: str | None, locale: str, listable_only: bool = True
) -> list[FactorRow]:
    """Every category with its factor in a version (None: no CO2e counted), in catalogue order."""
    factors = (
        {}
        if factor_set_id is None
        else {
            f.category_slug: f
            for f in db.session.scalars(
                sa.select(CarbonFactor).where(CarbonFactor.factor_set_id == factor_set_id)
            )
        }
    )
    cited = sources()
    query = sa.select(Category).order_by(Category.sort, Category.slug)
    if listable_only:
        query = query.where(Category.listable)
    return [
        FactorRow(
            c.slug,
            c.name(locale),
            factors.get(c.slug),
            cited.get(factors[c.slug].source, "") if c.slug in factors else "",
        )
        for c in db.session.scalars(query)
    ]


def mass_table(locale: str) -> list[dict]:
    """The catalogue's typical kg per unit with sources, used when a seller gives no mass."""
    cited = sources()
    rows = []
    for c in db.session.scalars(
        sa.select(Category).where(Category.listable).order_by(Category.sort)
    ):
        for unit, spec in sorted((c.kg_per_unit or {}).items()):
            rows.append(
                {
                    "category": c.slug,
                    "label": c.name(locale),
                    "unit": unit,
                    "kg": Decimal(spec["value"]),
                    "source": spec.get("source", ""),
                    "citation": cited.get(spec.get("source", ""), ""),
                    "confidence": spec.get("confidence", ""),
                    "note": spec.get("note", ""),
                }
            )
    return rows


@dataclass
class Recomputed:
    """One category's recorded CO2e beside the same handovers recomputed under another version."""

    category: str
    label: str
    diverted_kg: Decimal
    recorded_co2e_kg: Decimal  # as written in the ledger, under each row's own version
    recorded_sets: list[str]
    factor: Decimal | None  # the chosen version's factor for the category
    recomputed_co2e_kg: Decimal  # every row's mass × the chosen factor, rounded per row as recorded

    @property
    def difference_kg(self) -> Decimal:
        """Recomputed minus recorded, kg CO2e."""
        return self.recomputed_co2e_kg - self.recorded_co2e_kg


def recompute(
    factor_set_id: str, locale: str, start: date | None = None, end: date | None = None, **filters
) -> list[Recomputed]:
    """Per category: the recorded CO2e next to the same rows recomputed under `factor_set_id`."""
    chosen = {
        f.category_slug: f.kg_co2e_per_kg
        for f in db.session.scalars(
            sa.select(CarbonFactor).where(CarbonFactor.factor_set_id == factor_set_id)
        )
    }
    names = {c.slug: c.name(locale) for c in db.session.scalars(sa.select(Category))}
    rows = db.session.execute(
        sa.select(
            Handover.category_slug,
            Handover.mass_kg,
            Handover.co2e_avoided_kg,
            Handover.factor_set_id,
        ).where(impact._period(start, end, **filters))
    )
    result: dict[str, Recomputed] = {}
    for slug, mass, recorded, set_id in rows:
        entry = result.setdefault(
            slug,
            Recomputed(
                slug,
                names.get(slug, slug),
                Decimal("0.000"),
                Decimal("0.000"),
                [],
                chosen.get(slug),
                Decimal("0.000"),
            ),
        )
        entry.diverted_kg += mass
        entry.recorded_co2e_kg += recorded
        entry.recomputed_co2e_kg += co2e(mass, chosen.get(slug))  # the service's own rounding rule
        if (set_id or "") not in entry.recorded_sets:
            entry.recorded_sets.append(set_id or "")
    return sorted(result.values(), key=lambda r: (-r.diverted_kg, r.category))


def history(limit: int = 50) -> list[StaffAction]:
    """Recent staff decisions about factor versions (loaded, activated), newest first."""
    return list(
        db.session.scalars(
            sa.select(StaffAction)
            .where(StaffAction.kind.like("factor_set.%"))
            .order_by(StaffAction.id.desc())
            .limit(limit)
        )
    )
