"""The payment gateway interface: what the marketplace asks of a payment provider."""

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


class GatewayError(RuntimeError):
    """The provider refused the request (a 4xx): nothing was charged."""


class GatewayUnavailable(GatewayError):
    """The provider did not answer (timeout, 5xx): retry later; nothing is assumed charged."""


class SignatureInvalid(ValueError):
    """A webhook whose signature, secret or timestamp does not verify."""


@dataclass(frozen=True)
class CheckoutSession:
    id: str
    url: str


@dataclass(frozen=True)
class CheckoutRequest:
    """Everything a Checkout Session needs; the idempotency key makes a retry create nothing new."""

    reservation_id: int
    amount_cents: int
    description: str
    success_url: str
    cancel_url: str
    expires_at: datetime
    idempotency_key: str
    capture_manually: bool = False  # True for a no-show deposit (a card hold)
    destination_account: str = ""  # Connect: the builder's account (destination charge)
    platform_fee_cents: int = 0
    customer_email: str = ""
    locale: str = ""  # the payer's language for Stripe's page (fi, sv, en); "" lets Stripe choose


class Gateway(Protocol):
    name: str
    online: bool

    def create_checkout(self, request: CheckoutRequest) -> CheckoutSession:
        """A hosted payment page for the amount (EUR)."""

    def refund(
        self,
        payment_intent_id: str,
        amount_cents: int,
        *,
        idempotency_key: str,
        reverse_transfer: bool,
    ) -> str:
        """Refund (part of) a payment; returns the refund id."""

    def capture(self, payment_intent_id: str, amount_cents: int, *, idempotency_key: str) -> None:
        """Capture (part of) an authorised card hold."""

    def release(self, payment_intent_id: str, *, idempotency_key: str) -> None:
        """Cancel an authorised card hold."""

    def create_connected_account(
        self, *, organization_id: int, email: str, idempotency_key: str
    ) -> str:
        """A Connect Express account for a builder organisation; returns its id."""

    def onboarding_link(self, account_id: str, *, refresh_url: str, return_url: str) -> str:
        """A one-time link to Stripe's hosted onboarding."""

    def account_status(self, account_id: str) -> dict:
        """{"charges_enabled": bool, "payouts_enabled": bool}."""

    def parse_event(self, payload: bytes, signature: str) -> dict:
        """A verified webhook event (raises SignatureInvalid)."""
