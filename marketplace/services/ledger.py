"""The handover ledger's building blocks, steps inside the caller's transaction: mass and CO2e of
what left a site, the active carbon factor, and writing a handover row.

CO2e avoided = mass (kg) × the category's factor in the active factor set (kg CO2e per kg of the
virgin material the reuse replaces; the catalogue picks the lower plausible factor, see
catalogue.toml `rule`). Categories without a factor count their mass but 0 CO2e.
"""

from decimal import ROUND_HALF_EVEN, Decimal

import sqlalchemy as sa

from ..models import (
    CarbonFactor,
    FactorSet,
    Handover,
    HandoverKind,
    Listing,
    MassSource,
    Reservation,
    User,
)

GRAM = Decimal("0.001")


def active_factor(session, category_slug: str) -> tuple[FactorSet | None, CarbonFactor | None]:
    """The active factor set and the category's factor in it (None when not counted)."""
    factor_set = session.scalar(sa.select(FactorSet).where(FactorSet.active))
    if factor_set is None:
        return None, None
    factor = session.scalar(
        sa.select(CarbonFactor).where(
            CarbonFactor.factor_set_id == factor_set.id, CarbonFactor.category_slug == category_slug
        )
    )
    return factor_set, factor


def co2e(mass_kg: Decimal, factor: Decimal | None) -> Decimal:
    """kg CO2e avoided, to the gram."""
    if factor is None:
        return Decimal("0.000")
    return (mass_kg * factor).quantize(GRAM, rounding=ROUND_HALF_EVEN)


def mass_of(listing: Listing, quantity: Decimal, weighed_kg: Decimal | None) -> tuple[Decimal, str]:
    """(kg, how it was obtained): a weighing beats the seller's figure, which beats the
    catalogue's."""
    if weighed_kg is not None:
        return weighed_kg.quantize(GRAM), MassSource.MEASURED.value
    return (quantity * listing.kg_per_unit).quantize(
        GRAM, rounding=ROUND_HALF_EVEN
    ), listing.mass_source.value


def record_handover(
    session,
    *,
    listing: Listing,
    reservation: Reservation | None,
    quantity: Decimal,
    weighed_kg: Decimal | None,
    recorded_by: User,
    mass_flagged: bool = False,
) -> Handover:
    """Write the ledger row for a collection (inside the caller's transaction)."""
    mass_kg, mass_source = mass_of(listing, quantity, weighed_kg)
    factor_set, factor = active_factor(session, listing.category_slug)
    handover = Handover(
        kind=HandoverKind.HANDOVER,
        listing_id=listing.id,
        reservation_id=reservation.id if reservation else None,
        site_id=listing.site_id,
        organization_id=listing.organization_id,
        receiver_id=reservation.user_id if reservation else None,
        recorded_by_id=recorded_by.id,
        category_slug=listing.category_slug,
        ewc_code=listing.category.ewc_code,
        quantity=quantity,
        unit=listing.unit,
        mass_kg=mass_kg,
        mass_source=mass_source,
        factor_set_id=factor_set.id if factor_set else None,
        factor_kg_co2e_per_kg=factor.kg_co2e_per_kg if factor else None,
        factor_source=_factor_source(factor_set, factor),
        co2e_avoided_kg=co2e(mass_kg, factor.kg_co2e_per_kg if factor else None),
        mass_flagged=mass_flagged,
    )
    session.add(handover)
    session.flush()
    return handover


def _factor_source(factor_set, factor) -> str:
    if factor is None:
        return ""
    reference = f", {factor.reference}" if factor.reference else ""
    return f"{factor_set.id}: {factor.source}{reference}"[:300]
