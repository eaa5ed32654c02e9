"""Password reset use cases: ask for a link by e-mail, then set a new password with it.

No account enumeration: asking answers the same for any address, and only an address with an
account gets an e-mail (queued here, written by the worker: marketplace/account_mail.py). The
throttles per address and per IP are on the routes (security.py)."""

import sqlalchemy as sa

from .. import clock, outbox
from ..database import write_transaction
from ..errors import ValidationFailed
from ..models import LinkPurpose, User
from . import credentials, email_links, passwords
from .accounts import normalise_email


def password_reset_request(*, email: str) -> None:
    """Queue a reset e-mail when `email` belongs to an active account; otherwise do nothing.
    The caller answers the same either way."""
    email = normalise_email(email)
    with write_transaction() as session:
        user = session.scalar(
            sa.select(User).where(User.email == email, User.active, User.deleted_at.is_(None))
        )
        if user is not None:
            outbox.enqueue(
                session, "account.password_reset_requested", {"user_id": user.id, "email": email}
            )


def password_reset_confirm(*, token: str, password: str) -> User:
    """Set a new password with a reset link's token (then spent). Every session, personal API
    token and other reset link of the account stops working. InvalidToken (400) for an expired,
    spent, tampered or unknown token; ValidationFailed (422) for a password sign-up would refuse,
    which leaves the token unspent."""
    with write_transaction() as session:
        link = email_links.usable(session, token, LinkPurpose.RESET_PASSWORD)
        problem = passwords.password_problem(password or "")
        if problem:
            raise ValidationFailed(fields={"password": problem})
        user = session.get(User, link.user_id)
        user.password_hash = passwords.hash_password(password)
        credentials.revoke_all(session, user)  # spends this link too
        link.used_at = clock.now()
        # The link reached the mailbox: the address is shown to be the owner's.
        user.email_confirmed_at = user.email_confirmed_at or clock.now()
    return user
