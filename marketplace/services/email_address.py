"""E-mail address use cases: confirm it after sign-up, send the confirmation again, and change
it (asked with the password, confirmed by a link sent to the new address; the old address is
told once the change is made). The e-mails are written by the worker (account_mail.py)."""

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from .. import clock, outbox
from ..database import write_transaction
from ..errors import NotFound, ValidationFailed
from ..models import LinkPurpose, User
from . import email_links, passwords
from .accounts import normalise_email


def email_confirm(*, token: str) -> User:
    """Mark the address confirmed with the sign-up link's token (then spent)."""
    with write_transaction() as session:
        link = email_links.usable(session, token, LinkPurpose.CONFIRM_EMAIL)
        user = session.get(User, link.user_id)
        user.email_confirmed_at = user.email_confirmed_at or clock.now()
        email_links.spend_all(session, user_id=user.id, purposes=(LinkPurpose.CONFIRM_EMAIL,))
    return user


def email_confirmation_resend(*, user_id: int) -> bool:
    """Queue a new confirmation e-mail; False when the address is confirmed already."""
    with write_transaction() as session:
        user = session.get(User, user_id)
        if user is None:
            raise NotFound()
        if user.confirmed:
            return False
        outbox.enqueue(session, "account.confirmation_requested", {"user_id": user.id})
    return True


def email_change_request(*, user_id: int, password: str, new_email: str) -> str:
    """Queue a confirmation link to `new_email` (the address changes when it is opened).
    Returns the normalised new address. A new address that already has an account is not
    refused here (no enumeration): its owner gets a note instead of a link."""
    new_email = normalise_email(new_email)
    with write_transaction() as session:
        user = session.get(User, user_id)
        if user is None:
            raise NotFound()
        if not passwords.verify_password(user.password_hash, password or ""):
            raise ValidationFailed(fields={"password": _l("The password is not correct.")})
        if new_email == user.email:
            raise ValidationFailed(fields={"email": _l("This is your address already.")})
        outbox.enqueue(
            session, "account.email_change_requested", {"user_id": user.id, "new_email": new_email}
        )
    return new_email


def email_change_confirm(*, token: str) -> User:
    """Change the address to the one the link was sent to; tell the old address."""
    with write_transaction() as session:
        link = email_links.usable(session, token, LinkPurpose.CHANGE_EMAIL)
        user = session.get(User, link.user_id)
        taken = session.scalar(
            sa.select(User.id).where(User.email == link.email, User.id != user.id)
        )
        if taken is not None:
            raise ValidationFailed(_l("Another account has taken this address meanwhile."))
        old_email = user.email
        user.email = link.email
        user.email_confirmed_at = clock.now()
        # Links sent to the old address (reset, confirmation) and other change links end here.
        email_links.spend_all(session, user_id=user.id)
        outbox.enqueue(
            session,
            "account.email_changed",
            {"user_id": user.id, "old_email": old_email, "new_email": user.email},
        )
    return user
