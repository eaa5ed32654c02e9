"""Links sent by e-mail (confirm an address, reset a password, change the address): single-use,
short-lived, and stored only as a hash of their random token."""

import enum
from datetime import datetime, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so

from .. import clock
from ..extensions import db
from .types import UTCDateTime, string_enum


class LinkPurpose(enum.StrEnum):
    CONFIRM_EMAIL = "confirm_email"  # sign-up: show that the address is yours
    RESET_PASSWORD = "reset_password"  # forgot password
    CHANGE_EMAIL = "change_email"  # sent to the new address; `email` is that address


# How long a link works. A reset link opens the account, so it is short (the API contract says 60
# minutes); the others only prove that a mailbox is yours.
LIFETIMES = {
    LinkPurpose.CONFIRM_EMAIL: timedelta(days=7),
    LinkPurpose.RESET_PASSWORD: timedelta(minutes=60),
    LinkPurpose.CHANGE_EMAIL: timedelta(hours=24),
}


class EmailLink(db.Model):
    """One e-mailed link. The raw token exists only in the e-mail: a leaked database (or outbox)
    holds nothing that opens an account. `used_at` spends it; revoking sets it too."""

    __tablename__ = "email_link"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    purpose: so.Mapped[LinkPurpose] = so.mapped_column(string_enum(LinkPurpose, "link_purpose"))
    token_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    email: so.Mapped[str] = so.mapped_column(sa.String(254))  # where the link was sent
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=clock.now)
    expires_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime())
    used_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())

    def usable(self, purpose: LinkPurpose) -> bool:
        """Unspent, unexpired and for this purpose."""
        return self.purpose == purpose and self.used_at is None and clock.now() < self.expires_at
