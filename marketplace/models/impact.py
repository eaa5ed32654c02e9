"""The handover ledger: one immutable row per handover; corrections reverse and replace."""

import enum
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
import sqlalchemy.orm as so
from sqlalchemy import event

from .. import clock
from ..extensions import db
from . import append_only
from .catalog import CarbonFactor
from .types import Milli, Scaled, UTCDateTime, string_enum


class HandoverKind(enum.StrEnum):
    HANDOVER = "handover"  # material left the site
    REVERSAL = "reversal"  # cancels an earlier row exactly (negative figures)
    CORRECTION = "correction"  # the corrected figures that replace the reversed row


class Handover(db.Model):
    """What left which site, to whom, how much it weighed and the CO2e it avoided."""

    __tablename__ = "handover"
    __table_args__ = (sa.Index("ix_handover_created", "created_at"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    kind: so.Mapped[HandoverKind] = so.mapped_column(
        string_enum(HandoverKind, "handover_kind", length=12),
        default=HandoverKind.HANDOVER,
    )
    corrects_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("handover.id"), index=True)
    listing_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("listing.id"), index=True)
    reservation_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("reservation.id"), index=True
    )
    site_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("site.id"))
    organization_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("organization.id"))
    receiver_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("user_account.id"))
    recorded_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("user_account.id"))
    category_slug: so.Mapped[str] = so.mapped_column(sa.ForeignKey("category.slug"))
    ewc_code: so.Mapped[str] = so.mapped_column(sa.String(12))
    quantity: so.Mapped[Decimal] = so.mapped_column(Milli())
    unit: so.Mapped[str] = so.mapped_column(sa.String(4))
    mass_kg: so.Mapped[Decimal] = so.mapped_column(Milli())
    mass_source: so.Mapped[str] = so.mapped_column(sa.String(10))  # measured / declared / estimated
    factor_set_id: so.Mapped[str | None] = so.mapped_column(sa.ForeignKey("factor_set.id"))
    factor_kg_co2e_per_kg: so.Mapped[Decimal | None] = so.mapped_column(Scaled(6))
    factor_source: so.Mapped[str] = so.mapped_column(sa.String(300), default="")
    co2e_avoided_kg: so.Mapped[Decimal] = so.mapped_column(Milli())
    note: so.Mapped[str] = so.mapped_column(sa.String(500), default="")  # a correction's reason
    # Written once: the mass was confirmed although implausible (services/plausibility.py); the
    # city's review of it is a StaffAction, so the row itself never changes.
    mass_flagged: so.Mapped[bool] = so.mapped_column(default=False, server_default=sa.false())
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=clock.now)


class LedgerIsAppendOnly(RuntimeError):
    """Raised when code tries to change or delete a handover row."""


@event.listens_for(Handover, "before_update")
@event.listens_for(Handover, "before_delete")
def _refuse_changes(mapper, connection, target):
    raise LedgerIsAppendOnly("handover rows are never changed; record a correction instead")


# The database refuses changes too (models/append_only.py): installed whenever create_all makes
# the tables; the migration installs the same triggers on migrated databases.
for _table in (Handover.__table__, CarbonFactor.__table__):
    event.listen(_table, "after_create", append_only.install)
