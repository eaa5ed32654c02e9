"""Plausible masses (issue 9), a building block for the listing and handover use cases: a
declared kg per unit outside the category's range, or a weighing far from the expected mass,
needs the seller's explicit confirmation and is then flagged for the city's review; a listing
heavier than the catalogue's limit is refused even when confirmed. The ranges, with their
sources, are data: catalogue.toml [category.plausible_kg_per_unit] and [plausibility]."""

from decimal import Decimal

from flask_babel import lazy_gettext as _l

from .. import formatting
from ..catalog_loader import plausibility_rules
from ..errors import ImplausibleMass
from ..labels import UNITS, label
from ..models import MASS_UNITS, Category


def _kg(value: Decimal) -> str:
    return formatting.number(value.normalize())


def check_total(total_kg: Decimal | None, field: str) -> None:
    """Refuse a mass above the catalogue's limit for one listing (no confirmation helps)."""
    limit, _factor = plausibility_rules()
    if total_kg is not None and total_kg > limit:
        raise ImplausibleMass(
            fields={
                field: _l(
                    "At most %(limit)s t in one listing; this would be %(total)s t. "
                    "Check the quantity and "
                    "the mass per unit.",
                    limit=_kg(limit / 1000),
                    total=_kg((total_kg / 1000).quantize(Decimal(1))),
                )
            }
        )


def declared_is_flagged(
    category: Category, unit: str, kg_per_unit: Decimal, *, confirmed: bool
) -> bool:
    """True when the declared kg per unit lies outside the category's range and the seller
    confirmed it; ImplausibleMass (naming the range) when it lies outside unconfirmed."""
    if unit in MASS_UNITS:
        return False
    bounds = category.plausible_kg(unit)
    if bounds is None or bounds[0] <= kg_per_unit <= bounds[1]:
        return False
    if confirmed:
        return True
    raise ImplausibleMass(
        fields={
            "kg_per_unit": _l(
                "%(name)s usually weighs %(low)s–%(high)s kg per %(unit)s; "
                "you entered %(kg)s kg. Check the "
                "figure, or confirm that it is right.",
                name=category.name(formatting.locale_code()),
                low=_kg(bounds[0]),
                high=_kg(bounds[1]),
                unit=label(UNITS, unit),
                kg=_kg(kg_per_unit),
            )
        }
    )


def weighed_is_flagged(
    expected_kg: Decimal | None, weighed_kg: Decimal | None, *, confirmed: bool
) -> bool:
    """True when a weighing is more than the catalogue's factor (3×) above or below the expected
    mass and the seller confirmed it; ImplausibleMass on `weighed_kg` when unconfirmed."""
    if weighed_kg is None or not expected_kg:
        return False
    _limit, factor = plausibility_rules()
    if expected_kg / factor <= weighed_kg <= expected_kg * factor:
        return False
    if confirmed:
        return True
    raise ImplausibleMass(
        fields={
            "weighed_kg": _l(
                "The expected mass is %(kg)s kg; a weighing between %(low)s and %(high)s kg "
                "is plausible. Check "
                "the figure, or confirm that it is right.",
                kg=_kg(expected_kg),
                low=_kg(expected_kg / factor),
                high=_kg(expected_kg * factor),
            )
        }
    )
