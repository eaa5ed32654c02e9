"""API: payment records for city staff (the money side of reservations)."""
import csv
import io

from flask import Response

from ..models import Role
from .blueprint import bp
from .auth import login_required
from .io import doc


@bp.get("/payments.csv")
@login_required(Role.CITY)
@doc("Payment records as CSV (city staff)", errors=(401, 403), media="text/csv")
def payments_csv():
    """Every payment with its reservation, listing and organisation; no card data is ever stored."""
    from ..queries.payment_records import all_payments

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(("id", "reservation_id", "listing_id", "organization", "kind", "status", "amount_cents",
                     "currency", "platform_fee_cents", "refunded_cents", "captured_cents", "checkout_session_id",
                     "payment_intent_id", "created_at", "updated_at"))
    for p in all_payments():
        writer.writerow((p.id, p.reservation_id, p.reservation.listing_id, p.reservation.listing.organization.name,
                         p.kind.value, p.status.value, p.amount_cents, p.currency, p.platform_fee_cents,
                         p.refunded_cents, p.captured_cents, p.checkout_session_id or "", p.payment_intent_id,
                         p.created_at.isoformat(), p.updated_at.isoformat()))
    return Response(out.getvalue(), mimetype="text/csv", headers={"Content-Disposition": "attachment; filename=payments.csv"})
