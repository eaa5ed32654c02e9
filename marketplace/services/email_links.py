"""Building blocks for e-mailed links, used inside a caller's transaction: mint one (the raw
token goes into the e-mail only), find a usable one, spend them.

Why a table of hashed random tokens rather than a signed token: each link is single-use (its row
is spent) and revocable (a new password or address spends the rest) without keeping a list of
used signatures, and the expiry is a column a test or an operator can read. The raw token is
minted by the worker at the moment it writes the e-mail (marketplace/account_mail.py), so it is
never stored anywhere, the outbox included; only its SHA-256 is.
"""

import hashlib
import secrets

import sqlalchemy as sa

from .. import clock
from ..errors import InvalidToken
from ..models import EmailLink, LinkPurpose, User
from ..models.email_links import LIFETIMES

MAX_TOKEN_LENGTH = 100


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def mint(session, *, user: User, purpose: LinkPurpose, email: str) -> str:
    """A new link's raw token for `user`, sent to `email`; only its hash is stored."""
    raw = secrets.token_urlsafe(32)
    session.add(
        EmailLink(
            user_id=user.id,
            purpose=purpose,
            token_hash=_hash(raw),
            email=email,
            expires_at=clock.now() + LIFETIMES[purpose],
        )
    )
    session.flush()
    return raw


def usable(session, raw: str, purpose: LinkPurpose) -> EmailLink:
    """The unspent, unexpired link of this purpose whose token is `raw` (row-locked), with its
    user still active; InvalidToken otherwise (expired, spent, tampered or unknown alike)."""
    if not isinstance(raw, str) or not raw or len(raw) > MAX_TOKEN_LENGTH:
        raise InvalidToken()
    link = session.scalar(
        sa.select(EmailLink).where(EmailLink.token_hash == _hash(raw)).with_for_update()
    )
    if link is None or not link.usable(purpose):
        raise InvalidToken()
    user = session.get(User, link.user_id)
    if user is None or not user.active or user.deleted_at is not None:
        raise InvalidToken()
    if purpose != LinkPurpose.CHANGE_EMAIL and link.email != user.email:
        raise InvalidToken()  # sent to an address the account no longer has
    return link


def spend_all(
    session, *, user_id: int, purposes: tuple[LinkPurpose, ...] = tuple(LinkPurpose)
) -> None:
    """Spend every unspent link of the user for these purposes (revocation)."""
    session.execute(
        sa.update(EmailLink)
        .where(
            EmailLink.user_id == user_id,
            EmailLink.used_at.is_(None),
            EmailLink.purpose.in_(purposes),
        )
        .values(used_at=clock.now())
        .execution_options(synchronize_session=False)
    )


def is_usable(raw: str, purpose: LinkPurpose) -> bool:
    """Read-only: would `usable` accept this token now? (A page shows its form or says why not.)"""
    from ..extensions import db

    try:
        usable(db.session, raw, purpose)
    except InvalidToken:
        return False
    finally:
        db.session.rollback()  # end the read (and any row lock PostgreSQL took)
    return True
