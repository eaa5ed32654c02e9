"""Handover records: mass and CO2e of what left a site, written once, corrected by reversal.

CO2e avoided = mass (kg) × the category's factor in the active factor set (kg CO2e per kg of the
virgin material the reuse replaces; the catalogue picks the lower plausible factor, see
catalogue.toml `rule`). Categories without a factor count their mass but 0 CO2e.
"""
from decimal import ROUND_HALF_EVEN, Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..errors import InvalidTransition, NotFound
from ..models import CarbonFactor, FactorSet, Handover, HandoverKind, Listing, MassSource, Reservation, User
from . import validation as v

GRAM = Decimal("0.001")


def active_factor(session, category_slug: str) -> tuple[FactorSet | None, CarbonFactor | None]:
    """The active factor set and the category's factor in it (None when not counted)."""
    factor_set = session.scalar(sa.select(FactorSet).where(FactorSet.active))
    if factor_set is None:
        return None, None
    factor = session.scalar(sa.select(CarbonFactor).where(CarbonFactor.factor_set_id == factor_set.id,
                                                          CarbonFactor.category_slug == category_slug))
    return factor_set, factor


def co2e(mass_kg: Decimal, factor: Decimal | None) -> Decimal:
    """kg CO2e avoided, to the gram."""
    if factor is None:
        return Decimal("0.000")
    return (mass_kg * factor).quantize(GRAM, rounding=ROUND_HALF_EVEN)


def mass_of(listing: Listing, quantity: Decimal, weighed_kg: Decimal | None) -> tuple[Decimal, str]:
    """(kg, how it was obtained): a weighing beats the seller's figure, which beats the catalogue's."""
    if weighed_kg is not None:
        return weighed_kg.quantize(GRAM), MassSource.MEASURED.value
    return (quantity * listing.kg_per_unit).quantize(GRAM, rounding=ROUND_HALF_EVEN), listing.mass_source.value


def record_handover(session, *, listing: Listing, reservation: Reservation | None, quantity: Decimal,
                    weighed_kg: Decimal | None, recorded_by: User) -> Handover:
    """Write the ledger row for a collection (inside the caller's transaction)."""
    mass_kg, mass_source = mass_of(listing, quantity, weighed_kg)
    factor_set, factor = active_factor(session, listing.category_slug)
    handover = Handover(
        kind=HandoverKind.HANDOVER, listing_id=listing.id, reservation_id=reservation.id if reservation else None,
        site_id=listing.site_id, organization_id=listing.organization_id,
        receiver_id=reservation.user_id if reservation else None, recorded_by_id=recorded_by.id,
        category_slug=listing.category_slug, ewc_code=listing.category.ewc_code, quantity=quantity,
        unit=listing.unit, mass_kg=mass_kg, mass_source=mass_source,
        factor_set_id=factor_set.id if factor_set else None,
        factor_kg_co2e_per_kg=factor.kg_co2e_per_kg if factor else None,
        factor_source=_factor_source(factor_set, factor),
        co2e_avoided_kg=co2e(mass_kg, factor.kg_co2e_per_kg if factor else None))
    session.add(handover)
    session.flush()
    return handover


def _factor_source(factor_set, factor) -> str:
    if factor is None:
        return ""
    reference = f", {factor.reference}" if factor.reference else ""
    return f"{factor_set.id}: {factor.source}{reference}"[:300]


def handover_correct(*, user_id: int, handover_id: int, weighed_kg=None, quantity=None, note: str = "") -> Handover:
    """Reverse a handover row and record the corrected figures (the original is never edited)."""
    from ..database import write_transaction

    errors = v.Errors()
    weighed = v.decimal(errors, "weighed_kg", weighed_kg, required=False, maximum=v.MAX_KG_PER_UNIT * 1000)
    new_quantity = v.decimal(errors, "quantity", quantity, required=False)
    note = v.text(errors, "note", note, required=True, max_len=500)
    errors.raise_if_any()
    with write_transaction() as session:
        user = session.get(User, user_id)
        original = session.get(Handover, handover_id)
        if original is None or user is None or not (user.is_city or user.belongs_to(original.organization_id)):
            raise NotFound()
        if original.kind == HandoverKind.REVERSAL or session.scalar(
                sa.select(sa.func.count()).where(Handover.corrects_id == original.id,
                                                 Handover.kind == HandoverKind.REVERSAL)):
            raise InvalidTransition(_l("This record has already been corrected; correct the newest record."))
        listing = session.get(Listing, original.listing_id)
        session.add(_reversal(original, user, note))
        quantity_ = new_quantity if new_quantity is not None else original.quantity
        if weighed is not None:
            mass_kg, source = weighed.quantize(GRAM), MassSource.MEASURED.value
        elif new_quantity is not None:
            mass_kg, source = mass_of(listing, quantity_, None)
        else:
            mass_kg, source = original.mass_kg, original.mass_source
        # The corrected row keeps the factor version the original was computed with.
        correction = Handover(
            kind=HandoverKind.CORRECTION, corrects_id=original.id, listing_id=original.listing_id,
            reservation_id=original.reservation_id, site_id=original.site_id,
            organization_id=original.organization_id, receiver_id=original.receiver_id, recorded_by_id=user.id,
            category_slug=original.category_slug, ewc_code=original.ewc_code, quantity=quantity_,
            unit=original.unit, mass_kg=mass_kg, mass_source=source, factor_set_id=original.factor_set_id,
            factor_kg_co2e_per_kg=original.factor_kg_co2e_per_kg, factor_source=original.factor_source,
            co2e_avoided_kg=co2e(mass_kg, original.factor_kg_co2e_per_kg), note=note)
        session.add(correction)
        session.flush()
    return correction


def _reversal(original: Handover, user: User, note: str) -> Handover:
    return Handover(
        kind=HandoverKind.REVERSAL, corrects_id=original.id, listing_id=original.listing_id,
        reservation_id=original.reservation_id, site_id=original.site_id, organization_id=original.organization_id,
        receiver_id=original.receiver_id, recorded_by_id=user.id, category_slug=original.category_slug,
        ewc_code=original.ewc_code, quantity=-original.quantity, unit=original.unit, mass_kg=-original.mass_kg,
        mass_source=original.mass_source, factor_set_id=original.factor_set_id,
        factor_kg_co2e_per_kg=original.factor_kg_co2e_per_kg, factor_source=original.factor_source,
        co2e_avoided_kg=-original.co2e_avoided_kg, note=note)
