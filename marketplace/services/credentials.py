"""Building block: end everything that proves who a user is, inside the caller's transaction.
A password reset, a password change and deleting the account all call it."""

import sqlalchemy as sa

from .. import clock
from ..models import ApiToken, LinkPurpose, User
from ..models.accounts import new_session_token
from . import email_links


def revoke_all(session, user: User) -> None:
    """Every session and remember cookie ends (Flask-Login finds users by `session_token`, so a
    new one signs every browser out), every personal API token is revoked, and every unspent
    password-reset link is spent."""
    user.session_token = new_session_token()
    session.execute(
        sa.update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=clock.now())
        .execution_options(synchronize_session=False)
    )
    email_links.spend_all(session, user_id=user.id, purposes=(LinkPurpose.RESET_PASSWORD,))
