"""Saved searches: a signed-in user's query, checked against every new listing."""

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from .. import clock
from ..extensions import db
from .types import UTCDateTime


class SavedSearch(db.Model):
    """The query-string parameters of a search (q, category, condition, site_id, free, near…)."""

    __tablename__ = "saved_search"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    name: so.Mapped[str] = so.mapped_column(sa.String(100))
    params: so.Mapped[dict] = so.mapped_column(
        sa.JSON
    )  # {"q": ["tiili"], "category": ["brick"], ...}
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=clock.now)
