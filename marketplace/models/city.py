"""The city's own records: yearly diversion targets and an audit log of what city staff did."""

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
import sqlalchemy.orm as so
from sqlalchemy import event

from .. import clock
from ..extensions import db
from .catalog import CarbonFactor
from .types import Milli, UTCDateTime


class YearlyTarget(db.Model):
    """Tonnes of material the city aims to divert from waste through the exchange in a year."""

    __tablename__ = "yearly_target"
    __table_args__ = (sa.CheckConstraint("tonnes > 0", name="target_positive"),)

    year: so.Mapped[int] = so.mapped_column(primary_key=True, autoincrement=False)
    tonnes: so.Mapped[Decimal] = so.mapped_column(Milli())
    note: so.Mapped[str] = so.mapped_column(sa.String(500), default="")
    set_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("user_account.id"))
    updated_at: so.Mapped[datetime] = so.mapped_column(
        UTCDateTime(), default=clock.now, onupdate=clock.now
    )


class StaffAction(db.Model):
    """Append-only log of city staff decisions (factor versions, verification, hiding, targets)."""

    __tablename__ = "staff_action"
    __table_args__ = (sa.Index("ix_staff_action_subject", "kind", "subject"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    actor_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("user_account.id"))
    kind: so.Mapped[str] = so.mapped_column(sa.String(40))  # e.g. factor_set.activated
    subject: so.Mapped[str] = so.mapped_column(sa.String(60))  # the id it concerns, as text
    data: so.Mapped[dict] = so.mapped_column(sa.JSON, default=dict)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=clock.now)


class FactorIsImmutable(RuntimeError):
    """Raised when code tries to change or delete a loaded carbon factor."""


@event.listens_for(CarbonFactor, "before_update")
@event.listens_for(CarbonFactor, "before_delete")
def _refuse_factor_changes(mapper, connection, target):
    # Handovers copy their factor, but reports recompute under a version: it must never drift.
    raise FactorIsImmutable(
        "carbon factors are never changed; load a new factor-set version instead"
    )
