"""Handover corrections: a handover row is written once (services/ledger.py, at collection) and
corrected by reversal, never edited. A correction appends two rows: one that reverses the row
that counts now (the original, or the previous correction) exactly, and one with the corrected
figures; reports add up every row, so they show the net figures, in the month of the correction."""

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..database import write_transaction
from ..errors import Forbidden, HazardousMaterial, NotFound, ValidationFailed
from ..models import CarbonFactor, Category, Handover, HandoverKind, Listing, MassSource, User
from ..queries import handovers as handover_queries
from . import plausibility
from . import validation as v
from .ledger import GRAM, co2e
from .listing_log import record_event


def _checked(mass_kg, quantity, reason) -> tuple:
    errors = v.Errors()
    mass = v.decimal(errors, "mass_kg", mass_kg, required=False, maximum=v.MAX_KG_PER_UNIT * 1000)
    quantity = v.decimal(errors, "quantity", quantity, required=False)
    reason = v.text(errors, "reason", reason, required=True, min_len=3, max_len=500)
    errors.raise_if_any()
    plausibility.check_total(mass, "mass_kg")
    return mass, quantity, reason


def handover_correct(
    *,
    user_id: int,
    handover_id: int,
    reason: str,
    mass_kg=None,
    quantity=None,
    category: str | None = None,
    weighed: bool = False,
) -> Handover:
    """The listing's organisation or city staff correct a handover's mass, quantity or material,
    saying why. Returns the new correction row; the earlier rows stay as they were."""
    mass, new_quantity, reason = _checked(mass_kg, quantity, reason)
    with write_transaction() as session:
        user = session.get(User, user_id)
        found = handover_queries.history(session, handover_id)
        if found is None or user is None or not handover_queries.may_see(user, found.original):
            raise NotFound()
        if not handover_queries.may_correct(user, found.original):
            raise Forbidden(
                _l("Only the listing's organisation and city staff correct a handover.")
            )
        # Lock the listing: two corrections at once must not both reverse the same row.
        session.get(Listing, found.original.listing_id, with_for_update=True)
        found = handover_queries.history(session, handover_id)
        current = found.current
        new_category = _category(session, category, current)
        quantity_ = new_quantity if new_quantity is not None else current.quantity
        if mass is not None:
            mass_kg_ = mass.quantize(GRAM)
            source = (MassSource.MEASURED if weighed is True else MassSource.DECLARED).value
        elif new_quantity is not None and current.quantity:
            mass_kg_, source = (
                (current.mass_kg * quantity_ / current.quantity).quantize(GRAM),
                current.mass_source,
            )
        else:
            mass_kg_, source = current.mass_kg, current.mass_source
        if (mass_kg_, quantity_, new_category.slug, source) == (
            current.mass_kg,
            current.quantity,
            current.category_slug,
            current.mass_source,
        ):
            raise ValidationFailed(
                fields={"mass_kg": _l("Change the mass, the quantity or the material.")}
            )
        factor = _factor(session, current, new_category)
        session.add(
            _row(
                current,
                HandoverKind.REVERSAL,
                user,
                reason,
                category=current.category_slug,
                ewc_code=current.ewc_code,
                quantity=-current.quantity,
                mass_kg=-current.mass_kg,
                mass_source=current.mass_source,
                factor=current.factor_kg_co2e_per_kg,
                factor_source=current.factor_source,
                co2e_avoided_kg=-current.co2e_avoided_kg,
            )
        )
        correction = _row(
            current,
            HandoverKind.CORRECTION,
            user,
            reason,
            category=new_category.slug,
            ewc_code=new_category.ewc_code,
            quantity=quantity_,
            mass_kg=mass_kg_,
            mass_source=source,
            factor=factor[0],
            factor_source=factor[1],
            co2e_avoided_kg=co2e(mass_kg_, factor[0]),
        )
        session.add(correction)
        session.flush()
        record_event(
            session,
            found.listing,
            user,
            "handover.corrected",
            {
                "handover_id": found.original.id,
                "correction_id": correction.id,
                "reason": reason,
                "before": _figures(current),
                "after": _figures(correction),
            },
        )
    return correction


def _category(session, slug: str | None, current: Handover) -> Category:
    category = session.get(Category, slug or current.category_slug)
    if category is None:
        raise ValidationFailed(fields={"category": _l("Choose a material category.")})
    if not category.listable:
        raise HazardousMaterial(
            fields={
                "category": _l(
                    "Hazardous waste is not reuse: it must go to a licensed receiver, "
                    "so it cannot be recorded here."
                )
            }
        )
    return category


def _factor(session, current: Handover, category: Category) -> tuple:
    """(factor, source text): the corrected row keeps the factor version the original was
    computed with; a changed material takes its factor from that same version."""
    if category.slug == current.category_slug:
        return current.factor_kg_co2e_per_kg, current.factor_source
    row = session.scalar(
        sa.select(CarbonFactor).where(
            CarbonFactor.factor_set_id == current.factor_set_id,
            CarbonFactor.category_slug == category.slug,
        )
    )
    if row is None:
        return None, ""
    reference = f", {row.reference}" if row.reference else ""
    return row.kg_co2e_per_kg, f"{row.factor_set_id}: {row.source}{reference}"[:300]


def _row(
    current: Handover,
    kind: HandoverKind,
    user: User,
    reason: str,
    *,
    category,
    ewc_code,
    quantity,
    mass_kg,
    mass_source,
    factor,
    factor_source,
    co2e_avoided_kg,
) -> Handover:
    return Handover(
        kind=kind,
        corrects_id=current.id,
        listing_id=current.listing_id,
        reservation_id=current.reservation_id,
        site_id=current.site_id,
        organization_id=current.organization_id,
        receiver_id=current.receiver_id,
        recorded_by_id=user.id,
        category_slug=category,
        ewc_code=ewc_code,
        quantity=quantity,
        unit=current.unit,
        mass_kg=mass_kg,
        mass_source=mass_source,
        factor_set_id=current.factor_set_id,
        factor_kg_co2e_per_kg=factor,
        factor_source=factor_source,
        co2e_avoided_kg=co2e_avoided_kg,
        note=reason,
    )


def _figures(row: Handover) -> dict:
    return {
        "mass_kg": str(row.mass_kg),
        "quantity": str(row.quantity),
        "category": row.category_slug,
        "mass_source": row.mass_source,
    }
