"""The materials catalogue and the carbon-factor sets, loaded from
marketplace/data/catalogue.toml."""

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
import sqlalchemy.orm as so

from .. import clock
from ..extensions import db
from .types import Scaled, UTCDateTime

UNITS = ("pcs", "m", "m2", "m3", "kg", "t")
# Units whose quantity is itself a mass: no conversion factor, the mass is declared.
MASS_UNITS = {"kg": Decimal(1), "t": Decimal(1000)}


class Category(db.Model):
    """A material category with names in fi/sv/en, its waste code and typical masses."""

    __tablename__ = "category"

    slug: so.Mapped[str] = so.mapped_column(sa.String(40), primary_key=True)
    names: so.Mapped[dict] = so.mapped_column(sa.JSON)  # {"en": ..., "fi": ..., "sv": ...}
    synonyms: so.Mapped[dict] = so.mapped_column(sa.JSON)  # {"en": [...], ...}
    hazard_note: so.Mapped[dict] = so.mapped_column(sa.JSON)  # {"en": ..., ...}
    ewc_code: so.Mapped[str] = so.mapped_column(sa.String(12))
    hazardous_mirror: so.Mapped[str] = so.mapped_column(sa.String(12), default="")
    default_unit: so.Mapped[str] = so.mapped_column(sa.String(4))
    kg_per_unit: so.Mapped[dict] = so.mapped_column(
        sa.JSON
    )  # {"pcs": {"value": "3.0", "source": "S26", ...}}
    # Plausible kg per unit for every unit but kg and t:
    # {"pcs": {"min": "2", "max": "6", "source": ...}}
    kg_per_unit_range: so.Mapped[dict] = so.mapped_column(
        sa.JSON, default=dict, server_default="{}"
    )
    listable: so.Mapped[bool] = so.mapped_column(default=True)
    sort: so.Mapped[int] = so.mapped_column(default=0)

    def name(self, locale: str) -> str:
        """The category's name in `locale`, falling back to English."""
        return self.names.get(locale) or self.names["en"]

    def typical_kg(self, unit: str) -> Decimal | None:
        """Typical kg per `unit` from the catalogue, exact for kg and t, None if unknown."""
        if unit in MASS_UNITS:
            return MASS_UNITS[unit]
        entry = self.kg_per_unit.get(unit)
        return Decimal(str(entry["value"])) if entry else None

    def plausible_kg(self, unit: str) -> tuple[Decimal, Decimal] | None:
        """(min, max) plausible kg per `unit` (exact for kg and t), None for an unknown unit."""
        if unit in MASS_UNITS:
            return MASS_UNITS[unit], MASS_UNITS[unit]
        entry = (self.kg_per_unit_range or {}).get(unit)
        return (Decimal(entry["min"]), Decimal(entry["max"])) if entry else None


class FactorSet(db.Model):
    """A versioned table of carbon factors; handovers keep the version they were computed with."""

    __tablename__ = "factor_set"

    id: so.Mapped[str] = so.mapped_column(sa.String(40), primary_key=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(300))
    rule: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    sources: so.Mapped[dict] = so.mapped_column(sa.JSON, default=dict)
    active: so.Mapped[bool] = so.mapped_column(default=False)
    loaded_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=clock.now)

    factors: so.Mapped[list["CarbonFactor"]] = so.relationship(back_populates="factor_set")


class CarbonFactor(db.Model):
    """kg CO2e avoided per kg of reused material (A1–A3 of the virgin equivalent), with its
    source."""

    __tablename__ = "carbon_factor"
    __table_args__ = (
        sa.UniqueConstraint("factor_set_id", "category_slug", name="uq_carbon_factor_set_category"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    factor_set_id: so.Mapped[str] = so.mapped_column(sa.ForeignKey("factor_set.id"), index=True)
    category_slug: so.Mapped[str] = so.mapped_column(sa.ForeignKey("category.slug"))
    kg_co2e_per_kg: so.Mapped[Decimal] = so.mapped_column(Scaled(6))
    source: so.Mapped[str] = so.mapped_column(sa.String(20))
    reference: so.Mapped[str] = so.mapped_column(
        sa.String(300), default=""
    )  # e.g. the ICE row used
    confidence: so.Mapped[str] = so.mapped_column(sa.String(12), default="")
    note: so.Mapped[str] = so.mapped_column(sa.Text, default="")

    factor_set: so.Mapped[FactorSet] = so.relationship(back_populates="factors")
