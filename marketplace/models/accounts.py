"""Accounts: organisations, users and their personal API tokens."""

import enum
import secrets
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from .. import clock
from ..extensions import db
from .types import UTCDateTime, string_enum


class Role(enum.StrEnum):
    RESIDENT = "resident"
    BUILDER = "builder"
    CITY = "city"


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


class Organization(db.Model):
    """A builder organisation with a Finnish business ID (Y-tunnus)."""

    __tablename__ = "organization"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(200))
    business_id: so.Mapped[str] = so.mapped_column(sa.String(9), unique=True)
    website: so.Mapped[str] = so.mapped_column(sa.String(300), default="")
    verified_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    # Why an automatic check (the Trade Register lookup) left it for staff; shown in their queue.
    verification_note: so.Mapped[str] = so.mapped_column(sa.String(300), default="")
    # Stripe Connect (Express): payouts go to this account; prices are charged online only
    # when charges are enabled on it, otherwise the buyer pays at pickup.
    stripe_account_id: so.Mapped[str] = so.mapped_column(sa.String(64), default="")
    charges_enabled: so.Mapped[bool] = so.mapped_column(default=False)
    payouts_enabled: so.Mapped[bool] = so.mapped_column(default=False)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=clock.now)

    members: so.Mapped[list["User"]] = so.relationship(back_populates="organization")

    @property
    def is_verified(self) -> bool:
        """City staff (or the Trade Register lookup) checked it: its listings are published."""
        return self.verified_at is not None

    def visible_to(self, user) -> bool:
        """A verified organisation is public (its badge is); an unverified one is seen only by
        its own builders and city staff."""
        if self.is_verified or bool(getattr(user, "is_city", False)):
            return True
        return bool(getattr(user, "is_authenticated", False)) and user.belongs_to(self.id)


class User(db.Model):
    """A person who signs in: resident (also makers), builder or city staff."""

    __tablename__ = "user_account"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    email: so.Mapped[str] = so.mapped_column(sa.String(254), unique=True)
    display_name: so.Mapped[str] = so.mapped_column(sa.String(100))
    password_hash: so.Mapped[str] = so.mapped_column(sa.String(200))
    role: so.Mapped[Role] = so.mapped_column(
        string_enum(Role, "role"),
        default=Role.RESIDENT,
    )
    organization_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("organization.id"), index=True
    )
    locale: so.Mapped[str] = so.mapped_column(sa.String(5), default="fi")
    # Flask-Login "alternative token": rotating it ends every session and remember cookie.
    session_token: so.Mapped[str] = so.mapped_column(
        sa.String(64), unique=True, default=new_session_token
    )
    active: so.Mapped[bool] = so.mapped_column(default=True)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=clock.now)
    last_login_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    # Set when the owner opened the confirmation link (or the account was made by the operator's
    # CLI or the demo data). Reserving waits for it: auth.ensure_confirmed.
    email_confirmed_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    # Set when the owner deleted the account: the row stays, emptied of personal data, because
    # the handover ledger refers to it (services/erasure.py).
    deleted_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())

    organization: so.Mapped[Organization | None] = so.relationship(back_populates="members")

    # Flask-Login protocol.
    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        return self.session_token

    @property
    def confirmed(self) -> bool:
        """The owner has shown that the e-mail address is theirs."""
        return self.email_confirmed_at is not None

    @property
    def is_builder(self) -> bool:
        return self.role == Role.BUILDER

    @property
    def is_city(self) -> bool:
        return self.role == Role.CITY

    def belongs_to(self, organization_id: int | None) -> bool:
        """True when this user is a builder of that organisation."""
        return (
            self.is_builder
            and organization_id is not None
            and self.organization_id == organization_id
        )


class ApiToken(db.Model):
    """A personal access token; only its SHA-256 is stored."""

    __tablename__ = "api_token"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    name: so.Mapped[str] = so.mapped_column(sa.String(100), default="")
    token_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    prefix: so.Mapped[str] = so.mapped_column(sa.String(12))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=clock.now)
    last_used_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())
    revoked_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())

    user: so.Mapped[User] = so.relationship()
