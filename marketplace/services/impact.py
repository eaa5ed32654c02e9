"""Handover use cases: a handover row is written once (services/ledger.py, at collection) and
corrected by reversal, never edited."""
import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..database import write_transaction
from ..errors import InvalidTransition, NotFound
from ..models import Handover, HandoverKind, Listing, MassSource, User
from . import validation as v
from .ledger import GRAM, co2e, mass_of


def handover_correct(*, user_id: int, handover_id: int, weighed_kg=None, quantity=None, note: str = "") -> Handover:
    """Reverse a handover row and record the corrected figures (the original is never edited)."""
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
