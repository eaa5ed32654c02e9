"""Verifying builder organisations: city staff verify (or withdraw the mark); with PRH_LOOKUP on,
the Trade Register check may verify a new sign-up by itself.

Verifying publishes the organisation's listings waiting in `pending_review`: each becomes
`available`, is logged (which sends `listing.changed` through the outbox, so both search
indexes add it) and the organisation's builders are told. Withdrawing the mark only changes
what happens next: new listings wait for review again, while published ones stay (staff hide a
listing on its own with moderation when they must).
"""

import sqlalchemy as sa
from flask import current_app

from .. import clock, notifications, outbox, trade_register
from ..auth import acting_user
from ..database import write_transaction
from ..errors import NotFound
from ..extensions import db
from ..models import Listing, ListingStatus, Organization, Role, StaffAction, User
from .listing_log import record_event


def _staff_and_organization(
    session, user_id: int, organization_id: int
) -> tuple[User, Organization]:
    user = acting_user(session, user_id, Role.CITY)
    organization = session.get(Organization, organization_id)
    if organization is None:
        raise NotFound()
    return user, organization


def _publish(session, organization: Organization, actor: User | None, source: str) -> int:
    """Mark verified and publish the pending listings (a step inside the caller's transaction)."""
    organization.verified_at = clock.now()
    organization.verification_note = ""
    pending = session.scalars(
        sa.select(Listing).where(
            Listing.organization_id == organization.id,
            Listing.status == ListingStatus.PENDING_REVIEW,
        )
    )
    published = 0
    for listing in pending:
        listing.status = ListingStatus.AVAILABLE
        listing.refresh_status()
        record_event(
            session, listing, actor, "listing.published", {"reason": "organization.verified"}
        )
        published += 1
    session.add(
        StaffAction(
            actor_id=actor.id if actor else None,
            kind="organization.verified",
            subject=str(organization.id),
            data={
                "business_id": organization.business_id,
                "source": source,
                "published_listings": published,
            },
        )
    )
    outbox.enqueue(session, "organization.verified", {"organization_id": organization.id})
    return published


def organization_verify(*, user_id: int, organization_id: int) -> Organization:
    """City staff verify an organisation: its pending listings are published, its builders told.
    Verifying a verified organisation changes nothing."""
    with write_transaction() as session:
        user, organization = _staff_and_organization(session, user_id, organization_id)
        if not organization.is_verified:
            _publish(session, organization, user, "staff")
    return organization


def organization_unverify(*, user_id: int, organization_id: int) -> Organization:
    """City staff withdraw the mark: the organisation's new listings wait for review again."""
    with write_transaction() as session:
        user, organization = _staff_and_organization(session, user_id, organization_id)
        if organization.is_verified:
            organization.verified_at = None
            session.add(
                StaffAction(
                    actor_id=user.id,
                    kind="organization.unverified",
                    subject=str(organization.id),
                    data={"business_id": organization.business_id},
                )
            )
    return organization


def check_trade_register(message: outbox.Message) -> None:
    """Outbox handler (PRH_LOOKUP on): look a new organisation's business ID up in the Trade
    Register. An active company whose current name matches is verified; anything else (a
    timeout, an error, an odd answer, another name, a ceased company) is left for staff with
    the reason noted. Idempotent: a verified organisation is not looked up again."""
    organization = db.session.get(Organization, message.payload["organization_id"])
    if organization is None or organization.is_verified:
        return
    config = current_app.config
    try:
        company = trade_register.fetch(
            organization.business_id,
            base_url=config["PRH_API_URL"],
            timeout=config["PRH_TIMEOUT_S"],
        )
        note = _mismatch(organization.name, company)
    except trade_register.LookupFailed as exc:
        note = f"{exc.code}:{exc.detail}"
    db.session.rollback()
    with write_transaction() as session:
        organization = session.get(Organization, organization.id)
        if organization.is_verified:
            return
        if note is None:
            _publish(session, organization, None, "trade_register")
        else:
            organization.verification_note = note[:300]


def _mismatch(name: str, company: trade_register.Company | None) -> str | None:
    """Why the register's answer does not verify the organisation ("code:detail"), or None."""
    if company is None:
        return "not_found:"
    if not company.active:
        return f"inactive:{company.status}"
    if not trade_register.same_name(name, company):
        return f"name_mismatch:{' / '.join(company.names)}"
    return None


def notify_organization_verified(message: outbox.Message) -> None:
    """In-app notice to the organisation's builders that the city verified it (idempotent)."""
    with write_transaction() as session:
        organization = session.get(Organization, message.payload["organization_id"])
        if organization is None:
            return
        builders = session.scalars(
            sa.select(User.id).where(
                User.organization_id == organization.id, User.role == Role.BUILDER, User.active
            )
        )
        for builder_id in list(builders):
            notifications.add(
                session,
                user_id=builder_id,
                kind="organization.verified",
                data={"organization": organization.name},
                source_key=f"outbox:{message.id}",
            )
