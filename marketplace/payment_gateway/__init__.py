"""Payments behind one small interface, chosen by configuration:

- `stripe` when STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET are set: Checkout for paid lots,
  card holds for no-show deposits, refunds, Connect payouts to builders;
- `offline` otherwise: priced lots are paid at pickup, deposits are off, and the pages say so.
"""

from flask import current_app

from .gateway import CheckoutSession, Gateway, GatewayError, GatewayUnavailable


def gateway() -> Gateway:
    """The configured gateway (one per app)."""
    instance = current_app.extensions.get("payments")
    if instance is None:
        config = current_app.config
        if config["STRIPE_ENABLED"]:
            from .stripe_gateway import StripeGateway

            instance = StripeGateway(
                secret_key=config["STRIPE_SECRET_KEY"],
                webhook_secret=config["STRIPE_WEBHOOK_SECRET"],
                api_base=config.get("STRIPE_API_BASE") or None,
                timeout=config.get("STRIPE_TIMEOUT_S", 10),
            )
        else:
            from .offline import OfflineGateway

            instance = OfflineGateway()
        current_app.extensions["payments"] = instance
    return instance


def online() -> bool:
    """True when money can move online (Stripe is configured)."""
    return gateway().online


def takes_online_payments(organization) -> bool:
    """The one rule for "does this organisation take online payments?": money moves online and
    the organisation finished Stripe's onboarding so that its account can take charges."""
    return online() and bool(organization.stripe_account_id and organization.charges_enabled)


__all__ = [
    "CheckoutSession",
    "Gateway",
    "GatewayError",
    "GatewayUnavailable",
    "gateway",
    "online",
    "takes_online_payments",
]
