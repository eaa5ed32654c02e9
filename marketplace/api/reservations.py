"""API: reservations (reserve, list, read, cancel, collect)."""

from flask import current_app, request

from ..extensions import limiter
from ..ops.outcomes import refusals
from ..queries import reservations as reservation_queries
from ..services import checkout
from ..services import reservations as reservation_services
from ..urls import checkout_urls
from . import parameters, present, schemas
from .auth import current, login_required
from .blueprint import bp
from .io import BadRequest, doc, parse_body, respond


def _caller_key() -> str:
    user = current()
    return f"reserve:{user.id if user else request.remote_addr}"


@bp.post("/listings/<int:listing_id>/reservations")
@login_required()
@limiter.limit(lambda: current_app.config["RESERVE_LIMIT"], key_func=_caller_key)
@doc(
    "Reserve part or all of a listing",
    body=schemas.ReservationCreate,
    response=schemas.ReservationOut,
    status=201,
    errors=(401, 403, 404, 409, 415, 422, 429),
)
def reservations_create(listing_id):
    """409 insufficient_quantity says how much is left; 409 listing_not_available when it is gone.
    A lot paid online (or with a no-show deposit) answers status pending_payment and a
    `checkout_url`; the reservation is confirmed when Stripe reports the payment."""
    body = parse_body(schemas.ReservationCreate)
    if body.pickup_at is not None and body.pickup_at.tzinfo is None:
        raise BadRequest(
            "pickup_at needs a UTC offset, e.g. 2026-12-01T09:00:00+02:00",
            fields={"pickup_at": "Give the time with its UTC offset."},
        )
    success, cancel = checkout_urls()
    with refusals():  # counts kera_reservations_total{outcome="refused", reason=<error code>}
        reservation, checkout_url = reservation_services.reservation_book(
            user_id=current().id,
            listing_id=listing_id,
            quantity=body.quantity,
            pickup_at=body.pickup_at,
            message=body.message,
            success_url=success,
            cancel_url=cancel,
        )
    return respond(present.reservation(reservation, current(), checkout_url=checkout_url), 201)


@bp.get("/reservations")
@login_required()
@doc(
    "My reservations (or, with ?as=seller, those on my organisation's listings)",
    response=list[schemas.ReservationOut],
    errors=(401,),
    query=parameters.RESERVATIONS,
)
def reservations_list():
    """The caller's reservations, open first."""
    user = current()
    if request.args.get("as") == "seller":
        rows = (
            reservation_queries.of_organization(user.organization_id)
            if user.organization_id
            else []
        )
    else:
        rows = reservation_queries.of_user(user.id)
    return respond([present.reservation(r, user) for r in rows])


@bp.get("/reservations/<int:reservation_id>")
@login_required()
@doc("One reservation", response=schemas.ReservationOut, errors=(401, 404))
def reservations_get(reservation_id):
    """Visible to the reserver, the listing's organisation and city staff; anyone else gets 404."""
    return respond(
        present.reservation(
            reservation_queries.reservation_for(current(), reservation_id), current()
        )
    )


@bp.post("/reservations/<int:reservation_id>/cancel")
@login_required()
@doc(
    "Cancel a reservation",
    body=schemas.ReservationCancel,
    response=schemas.ReservationOut,
    errors=(401, 404, 409, 415, 422),
    body_required=False,
)
def reservations_cancel(reservation_id):
    """The reserver or the listing's organisation cancels; the quantity returns to the listing.
    The body is optional (`{"reason": "..."}`)."""
    reason = parse_body(schemas.ReservationCancel).reason if request.content_length else ""
    reservation = reservation_services.reservation_cancel(
        user_id=current().id, reservation_id=reservation_id, reason=reason
    )
    return respond(present.reservation(reservation, current()))


@bp.post("/reservations/<int:reservation_id>/collect")
@login_required()
@doc(
    "Hand over (collect)",
    body=schemas.ReservationCollect,
    response=schemas.ReservationOut,
    errors=(401, 404, 409, 415, 422),
    body_required=False,
)
def reservations_collect(reservation_id):
    """The listing's organisation records the handover; writes the immutable handover record.
    The body is optional."""
    body = (
        parse_body(schemas.ReservationCollect)
        if request.content_length
        else schemas.ReservationCollect()
    )
    reservation, handover = reservation_services.reservation_collect(
        user_id=current().id,
        reservation_id=reservation_id,
        quantity=body.quantity,
        weighed_kg=body.weighed_kg,
        code=body.code,
        confirm_unusual_mass=body.confirm_unusual_mass,
    )
    return respond(present.reservation(reservation, current(), recorded=handover))


@bp.post("/reservations/<int:reservation_id>/no-show")
@login_required()
@doc("Mark a no-show", response=schemas.ReservationOut, errors=(401, 404, 409))
def reservations_no_show(reservation_id):
    """The listing's organisation marks that nobody came (after the pickup time)."""
    reservation = reservation_services.reservation_no_show(
        user_id=current().id, reservation_id=reservation_id
    )
    return respond(present.reservation(reservation, current()))


@bp.post("/reservations/<int:reservation_id>/checkout")
@login_required()
@doc(
    "Pay a reservation that awaits payment",
    response=schemas.CheckoutOut,
    errors=(401, 404, 409, 502),
)
def reservations_checkout(reservation_id):
    """The Stripe Checkout URL for a reservation in pending_payment (the same session while it
    is open)."""
    success, cancel = checkout_urls()
    url = checkout.checkout_start(
        reservation_id=reservation_id, user_id=current().id, success_url=success, cancel_url=cancel
    )
    return respond(schemas.CheckoutOut(checkout_url=url))
