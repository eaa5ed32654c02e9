"""Load the materials catalogue (marketplace/data/catalogue.toml) into the database.

Run by every `flask db upgrade` (migrations/env.py) and by `flask catalog sync`; idempotent.
Categories are upserted. A carbon-factor set is immutable once loaded: handovers keep the set
they were computed with, so changing a figure means a new `factor_set` id in the file.
"""

import tomllib
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

import sqlalchemy as sa

from .database import write_transaction
from .models import CarbonFactor, Category, FactorSet

CATALOGUE_FILE = Path(__file__).resolve().parent / "data" / "catalogue.toml"


class CatalogueError(RuntimeError):
    """The catalogue file contradicts what the database already holds."""


@lru_cache(maxsize=1)
def read_catalogue(path: Path = CATALOGUE_FILE) -> dict:
    """The parsed catalogue file (cached: it only changes with a deploy)."""
    with open(path, "rb") as f:
        return tomllib.load(f)


def sync(path: Path = CATALOGUE_FILE) -> dict:
    """Upsert categories and add the file's factor set if new. Returns counts for the CLI."""
    data = read_catalogue(path)
    meta = data["meta"]
    with write_transaction() as session:
        existing = {c.slug: c for c in session.scalars(sa.select(Category))}
        for entry in data["category"]:
            category = existing.get(entry["slug"]) or Category(slug=entry["slug"])
            category.names = entry["name"]
            category.synonyms = entry.get("synonyms", {})
            category.hazard_note = entry.get("hazard_note", {})
            category.ewc_code = entry["ewc_code"]
            category.hazardous_mirror = entry.get("hazardous_mirror", "")
            category.default_unit = entry["default_unit"]
            category.kg_per_unit = {
                unit: {**spec, "value": str(spec["value"])}
                for unit, spec in entry.get("kg_per_unit", {}).items()
            }
            category.kg_per_unit_range = _ranges(entry, data.get("plausibility", {}))
            category.listable = bool(entry["listable"])
            category.sort = entry.get("sort", 0)
            session.add(category)
        session.flush()
        factors = {e["slug"]: e["carbon"] for e in data["category"] if "carbon" in e}
        created = _sync_factor_set(session, meta, data.get("sources", {}), factors)
    return {
        "categories": len(data["category"]),
        "factors": len(factors),
        "factor_set_created": created,
    }


def _ranges(entry: dict, plausibility: dict) -> dict:
    """The category's plausible kg per unit for every unit but kg and t: its own range for a
    unit it names, else the catalogue's fallback (physical limits)."""
    ranges = {
        **plausibility.get("fallback_kg_per_unit", {}),
        **entry.get("plausible_kg_per_unit", {}),
    }
    return {
        unit: {**spec, "min": str(spec["min"]), "max": str(spec["max"])}
        for unit, spec in ranges.items()
    }


def plausibility_rules() -> tuple[Decimal, Decimal]:
    """(largest total kg of one listing, how many times off the expected mass a weighing may be
    before it needs a confirmation), from the catalogue's [plausibility] table."""
    rules = read_catalogue()["plausibility"]
    return Decimal(str(rules["max_listing_kg"])), Decimal(str(rules["weighed_factor"]))


def _sync_factor_set(session, meta, sources, factors) -> bool:
    factor_set = session.get(FactorSet, meta["factor_set"])
    wanted = {slug: Decimal(str(f["kg_co2e_per_kg"])) for slug, f in factors.items()}
    if factor_set is not None:
        held = {f.category_slug: f.kg_co2e_per_kg for f in factor_set.factors}
        if held != wanted:
            raise CatalogueError(
                f"factor set {factor_set.id!r} is already loaded with other figures; "
                "give the changed figures a new factor_set id in catalogue.toml"
            )
        return False
    any_active = session.scalar(sa.select(sa.func.count()).where(FactorSet.active))
    factor_set = FactorSet(
        id=meta["factor_set"],
        name=meta["factor_set_name"],
        rule=meta.get("rule", ""),
        sources=sources,
        active=not any_active,
    )
    session.add(factor_set)
    for slug, spec in factors.items():
        session.add(
            CarbonFactor(
                factor_set=factor_set,
                category_slug=slug,
                kg_co2e_per_kg=wanted[slug],
                source=spec["source"],
                reference=spec.get("row", ""),
                confidence=spec.get("confidence", ""),
                note=spec.get("note", ""),
            )
        )
    return True


def compound_parts() -> dict[str, list[str]]:
    """Finnish and Swedish compound-word parts for the search engines."""
    return read_catalogue().get("search", {}).get("compound_parts", {})
