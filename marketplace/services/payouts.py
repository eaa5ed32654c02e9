"""Payout use cases: a builder organisation's Stripe Connect account and its onboarding."""

from .. import payment_gateway
from ..auth import acting_user
from ..database import write_transaction
from ..errors import NotFound, PaymentError
from ..models import Organization, Role
from ..payment_gateway.gateway import GatewayError


def payouts_link(*, user_id: int, refresh_url: str, return_url: str) -> str:
    """Stripe's onboarding link for the builder's organisation (its Connect account made once)."""
    with write_transaction() as session:
        user = acting_user(session, user_id, Role.BUILDER, denied=NotFound())
        org = user.organization
        org_id, account, email = org.id, org.stripe_account_id, user.email
    gateway = payment_gateway.gateway()
    if not account:
        try:
            account = gateway.create_connected_account(
                organization_id=org_id,
                email=email,
                idempotency_key=f"organization:{org_id}:connect",
            )
        except GatewayError as exc:
            raise PaymentError() from exc
        with write_transaction() as session:
            session.get(Organization, org_id).stripe_account_id = account
    try:
        return gateway.onboarding_link(account, refresh_url=refresh_url, return_url=return_url)
    except GatewayError as exc:
        raise PaymentError() from exc


def payouts_refresh(*, user_id: int) -> Organization:
    """Ask Stripe whether the organisation's account can take charges now."""
    with write_transaction() as session:
        user = acting_user(session, user_id, Role.BUILDER, denied=NotFound())
        if not user.organization.stripe_account_id:
            raise NotFound()
        org_id, account = user.organization_id, user.organization.stripe_account_id
    try:
        status = payment_gateway.gateway().account_status(account)
    except GatewayError as exc:
        raise PaymentError() from exc
    with write_transaction() as session:
        org = session.get(Organization, org_id)
        org.charges_enabled, org.payouts_enabled = (
            status["charges_enabled"],
            status["payouts_enabled"],
        )
    return org
