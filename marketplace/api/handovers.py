"""API: one handover with its history, and corrections that leave a trace (issue 9)."""

from ..queries import handovers as handover_queries
from ..services import impact as impact_services
from . import handover_schemas as hs
from . import present
from .auth import current, login_required
from .blueprint import bp
from .io import doc, parse_body, respond


def _correction(row, history) -> hs.CorrectionOut:
    return hs.CorrectionOut(
        id=row.id,
        reverses_id=row.corrects_id,
        mass_kg=row.mass_kg,
        quantity=row.quantity,
        category=row.category_slug,
        mass_source=row.mass_source,
        co2e_avoided_kg=row.co2e_avoided_kg,
        reason=row.note,
        corrected_by="city" if row.recorded_by_id in history.city_ids else "organization",
        created_at=row.created_at,
    )


def detail(history) -> hs.HandoverDetailOut:
    """The handover as it counts now, with every correction (presenter: no queries)."""
    original, now = history.original, history.current
    base = present.handover(now).model_dump()
    base.update(
        id=original.id,
        kind=original.kind.value,
        created_at=original.created_at,
        mass_flagged=original.mass_flagged,
        quantity=history.quantity,
        mass_kg=history.mass_kg,
        co2e_avoided_kg=history.co2e_avoided_kg,
    )
    return hs.HandoverDetailOut(
        **base,
        listing_id=original.listing_id,
        reservation_id=original.reservation_id,
        original_mass_kg=original.mass_kg,
        corrections=[_correction(c, history) for c in history.corrections],
    )


@bp.get("/handovers/<int:handover_id>")
@login_required()
@doc("One handover with its corrections", response=hs.HandoverDetailOut, errors=(401, 404))
def handovers_get(handover_id):
    """Seen by the receiver, the listing's organisation and city staff; anyone else gets 404.
    `quantity`, `mass_kg` and `co2e_avoided_kg` are net: what every report counts. Any ledger row
    id of the handover (a correction's too) finds it."""
    return respond(detail(handover_queries.handover_for(current(), handover_id)))


@bp.post("/handovers/<int:handover_id>/corrections")
@login_required()
@doc(
    "Correct a handover (mass, quantity or material), with a reason",
    body=hs.CorrectionCreate,
    response=hs.CorrectionResult,
    status=201,
    errors=(401, 403, 404, 415, 422),
)
def handovers_correct(handover_id):
    """The listing's organisation or city staff. The ledger keeps the original, appends a row
    reversing the figures that counted and one with the corrected figures. `reason` is required
    (422); a receiver gets 403, another organisation 404; a mass over 5,000 t is 422
    implausible_mass; a hazardous category 422 hazardous_material."""
    body = parse_body(hs.CorrectionCreate)
    correction = impact_services.handover_correct(
        user_id=current().id,
        handover_id=handover_id,
        reason=body.reason,
        mass_kg=body.mass_kg,
        quantity=body.quantity,
        category=body.category,
        weighed=body.weighed,
    )
    history = handover_queries.handover_for(current(), correction.id)
    row = next(c for c in history.corrections if c.id == correction.id)
    return respond(
        hs.CorrectionResult(handover=detail(history), correction=_correction(row, history)), 201
    )
