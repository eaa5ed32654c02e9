"""URLs that both the HTML pages and the JSON API need, in a module both layers may import."""

from flask import url_for


def checkout_urls() -> tuple[str, str]:
    """Where Stripe Checkout sends the taker back (Stripe fills in the session id)."""
    success = (
        url_for("payments.checkout_return", _external=True) + "?session_id={CHECKOUT_SESSION_ID}"
    )
    return success, url_for("reservations.mine", _external=True)
