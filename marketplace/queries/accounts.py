"""Account data as the account pages show it."""

import sqlalchemy as sa

from ..extensions import db
from ..models import ApiToken


def tokens_of(user_id: int) -> list[ApiToken]:
    """The user's API tokens, newest first (revoked ones included, marked)."""
    return list(
        db.session.scalars(
            sa.select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.id.desc())
        )
    )
