"""Pages and the webhook for payments: Stripe's webhook, Checkout's return, paying a pending
reservation, and a builder organisation's payouts (Stripe Connect onboarding)."""

import sqlalchemy as sa
from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import payment_gateway
from ..auth import role_required
from ..errorhandlers import error_body
from ..extensions import csrf, db
from ..models import Payment, Role
from ..payment_gateway.gateway import SignatureInvalid
from ..services import checkout, stripe_events
from ..services.payouts import payouts_link, payouts_refresh
from ..urls import checkout_urls
from .feedback import USER_ERRORS
from .forms import ButtonForm

bp = Blueprint("payments", __name__)


@bp.post("/webhooks/stripe")
@csrf.exempt
def stripe_webhook():
    """Stripe's events: the signature is checked over the raw body before anything else. The only
    route without a CSRF token, because Stripe's signature authenticates it."""
    gateway = payment_gateway.gateway()
    if not gateway.online:
        abort(404)
    payload = request.get_data(cache=False)
    try:
        event = gateway.parse_event(payload, request.headers.get("Stripe-Signature", ""))
    except SignatureInvalid:
        return jsonify(
            error_body("invalid_signature", _("The Stripe signature does not verify."))
        ), 400
    return jsonify({"received": True, "result": stripe_events.apply(event)}), 200


@bp.get("/payments/return")
@login_required
def checkout_return():
    """Back from Checkout: the webhook confirms the payment; this page says what happens next."""
    payment = db.session.scalar(
        sa.select(Payment).where(Payment.checkout_session_id == request.args.get("session_id", ""))
    )
    if payment is None or payment.reservation.user_id != current_user.id:
        abort(404)
    flash(
        _(
            "Thank you! Your payment is being confirmed;"
            " the reservation is yours once Stripe tells us."
        ),
        "success",
    )
    return redirect(url_for("reservations.detail", reservation_id=payment.reservation_id))


@bp.post("/reservations/<int:reservation_id>/pay")
@login_required
def pay(reservation_id):
    """Continue to Checkout for a reservation that waits for its payment."""
    if not ButtonForm().validate_on_submit():
        return redirect(url_for("reservations.detail", reservation_id=reservation_id))
    success, cancel = checkout_urls()
    try:
        url = checkout.checkout_start(
            reservation_id=reservation_id,
            user_id=current_user.id,
            success_url=success,
            cancel_url=cancel,
        )
    except USER_ERRORS as exc:
        flash(str(exc.message), "error")
        return redirect(url_for("reservations.detail", reservation_id=reservation_id))
    return redirect(url, 303)


@bp.get("/account/payouts")
@role_required(Role.BUILDER)
def payouts():
    """Whether the organisation receives payments online, and the way to set it up."""
    return render_template(
        "payments/payouts.html",
        organization=current_user.organization,
        online=payment_gateway.online(),
        button=ButtonForm(),
    )


@bp.post("/account/payouts/start")
@role_required(Role.BUILDER)
def payouts_start():
    """Go to Stripe's hosted onboarding for the organisation's Connect account."""
    if not payment_gateway.online() or not ButtonForm().validate_on_submit():
        return redirect(url_for("payments.payouts"))
    try:
        link = payouts_link(
            user_id=current_user.id,
            refresh_url=url_for("payments.payouts", _external=True),
            return_url=url_for("payments.payouts_return", _external=True),
        )
    except USER_ERRORS as exc:
        flash(str(exc.message), "error")
        return redirect(url_for("payments.payouts"))
    return redirect(link, 303)


@bp.get("/account/payouts/return")
@role_required(Role.BUILDER)
def payouts_return():
    """Back from onboarding: ask Stripe for the account's state."""
    try:
        org = payouts_refresh(user_id=current_user.id)
        flash(
            _("Payouts are set up: your priced lots are now paid online.")
            if org.charges_enabled
            else _("Stripe still needs some details before payouts can start."),
            "info",
        )
    except USER_ERRORS as exc:
        flash(str(exc.message), "error")
    return redirect(url_for("payments.payouts"))
