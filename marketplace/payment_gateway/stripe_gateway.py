"""Stripe through the official client: Checkout Sessions (destination charges to the builder's
Connect account), manual-capture card holds for deposits, refunds, Connect Express onboarding and
webhook verification. Every write carries our deterministic idempotency key, so a retry by the
worker or a double submit never charges twice. HTTP calls have a timeout."""

import json

import stripe

from .gateway import (
    CheckoutRequest,
    CheckoutSession,
    GatewayError,
    GatewayUnavailable,
    SignatureInvalid,
)

WEBHOOK_TOLERANCE_S = 300  # Stripe's default; never 0 (that would switch the replay check off)


class StripeGateway:
    name = "stripe"
    online = True

    def __init__(
        self,
        *,
        secret_key: str,
        webhook_secret: str,
        api_base: str | None = None,
        timeout: float = 10,
    ):
        self.webhook_secret = webhook_secret
        addresses = {"api": api_base, "connect": api_base} if api_base else None
        self.client = stripe.StripeClient(
            secret_key,
            base_addresses=addresses,
            max_network_retries=0,
            http_client=stripe.RequestsClient(timeout=timeout),
        )

    def _call(self, fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except (stripe.APIConnectionError, stripe.RateLimitError) as exc:
            raise GatewayUnavailable(f"Stripe did not answer: {exc.user_message or exc}") from exc
        except stripe.StripeError as exc:
            status = getattr(exc, "http_status", None) or 0
            if status >= 500:
                raise GatewayUnavailable(f"Stripe error {status}") from exc
            raise GatewayError(
                f"Stripe refused the request ({status}): {exc.user_message or exc}"
            ) from exc

    def create_checkout(self, request: CheckoutRequest) -> CheckoutSession:
        kind = "deposit" if request.capture_manually else "charge"
        metadata = {"reservation_id": str(request.reservation_id), "kind": kind}
        intent = {"metadata": metadata}
        if request.capture_manually:
            intent["capture_method"] = "manual"
        if request.destination_account:
            intent["transfer_data"] = {"destination": request.destination_account}
            if request.platform_fee_cents:
                intent["application_fee_amount"] = request.platform_fee_cents
        params = {
            "mode": "payment",
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": "eur",
                        "unit_amount": request.amount_cents,
                        "product_data": {"name": request.description[:250]},
                    },
                }
            ],
            "client_reference_id": str(request.reservation_id),
            "metadata": metadata,
            "payment_intent_data": intent,
            "success_url": request.success_url,
            "cancel_url": request.cancel_url,
            "expires_at": int(request.expires_at.timestamp()),
        }
        if request.customer_email:
            params["customer_email"] = request.customer_email
        if request.locale:
            params["locale"] = request.locale
        session = self._call(
            self.client.v1.checkout.sessions.create,
            params=params,
            options={"idempotency_key": request.idempotency_key},
        )
        return CheckoutSession(id=session["id"], url=session["url"])

    def refund(self, payment_intent_id, amount_cents, *, idempotency_key, reverse_transfer):
        params = {"payment_intent": payment_intent_id, "amount": amount_cents}
        if reverse_transfer:
            params.update(reverse_transfer=True, refund_application_fee=True)
        refund = self._call(
            self.client.v1.refunds.create,
            params=params,
            options={"idempotency_key": idempotency_key},
        )
        return refund["id"]

    def capture(self, payment_intent_id, amount_cents, *, idempotency_key):
        self._call(
            self.client.v1.payment_intents.capture,
            payment_intent_id,
            params={"amount_to_capture": amount_cents},
            options={"idempotency_key": idempotency_key},
        )

    def release(self, payment_intent_id, *, idempotency_key):
        self._call(
            self.client.v1.payment_intents.cancel,
            payment_intent_id,
            params={"cancellation_reason": "requested_by_customer"},
            options={"idempotency_key": idempotency_key},
        )

    def create_connected_account(self, *, organization_id, email, idempotency_key):
        account = self._call(
            self.client.v1.accounts.create,
            params={
                "type": "express",
                "country": "FI",
                "email": email,
                "capabilities": {
                    "card_payments": {"requested": True},
                    "transfers": {"requested": True},
                },
                "metadata": {"organization_id": str(organization_id)},
            },
            options={"idempotency_key": idempotency_key},
        )
        return account["id"]

    def onboarding_link(self, account_id, *, refresh_url, return_url):
        link = self._call(
            self.client.v1.account_links.create,
            params={
                "account": account_id,
                "refresh_url": refresh_url,
                "return_url": return_url,
                "type": "account_onboarding",
            },
        )
        return link["url"]

    def account_status(self, account_id):
        account = self._call(self.client.v1.accounts.retrieve, account_id)
        return {
            "charges_enabled": bool(account["charges_enabled"]),
            "payouts_enabled": bool(account["payouts_enabled"]),
        }

    def parse_event(self, payload: bytes, signature: str) -> dict:
        """Verify the signature over the raw body (with a finite tolerance), then parse it."""
        try:
            stripe.Webhook.construct_event(
                payload, signature, self.webhook_secret, tolerance=WEBHOOK_TOLERANCE_S
            )
        except (stripe.SignatureVerificationError, ValueError) as exc:
            raise SignatureInvalid(str(exc)) from exc
        return json.loads(payload)
