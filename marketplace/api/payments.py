"""API: payment records for city staff (the money side of reservations)."""

from ..models import Role
from . import csvfiles, parameters
from .auth import login_required
from .blueprint import bp
from .io import doc

PAYMENT_COLUMNS = (
    "id",
    "reservation_id",
    "listing_id",
    "organization",
    "kind",
    "status",
    "amount_cents",
    "currency",
    "platform_fee_cents",
    "refunded_cents",
    "captured_cents",
    "checkout_session_id",
    "payment_intent_id",
    "created_at",
    "updated_at",
)


@bp.get("/payments.csv")
@login_required(Role.CITY)
@doc(
    "Payment records as CSV (city staff)",
    errors=(400, 401, 403),
    query=parameters.CSV_VARIANT,
    media="text/csv",
)
def payments_csv():
    """Every payment with its reservation, listing and organisation; no card data is ever stored."""
    from ..queries.payment_records import all_payments

    variant = csvfiles.variant()
    rows = (
        (
            p.id,
            p.reservation_id,
            p.reservation.listing_id,
            p.reservation.listing.organization.name,
            p.kind.value,
            p.status.value,
            p.amount_cents,
            p.currency,
            p.platform_fee_cents,
            p.refunded_cents,
            p.captured_cents,
            p.checkout_session_id or "",
            p.payment_intent_id,
            p.created_at.isoformat(),
            p.updated_at.isoformat(),
        )
        for p in all_payments()
    )
    return csvfiles.csv_response(PAYMENT_COLUMNS, rows, "payments.csv", variant)
