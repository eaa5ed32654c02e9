"""Survey imports: one demolition survey file published as listings at one site, in one go."""

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from .. import clock
from ..extensions import db
from .accounts import Organization, User
from .sites import Site
from .types import UTCDateTime


class SurveyImport(db.Model):
    """A published survey file: which site, who, when, how many rows; its listings point here
    (`Listing.import_id`). Undoing it withdraws the listings nobody has reserved."""

    __tablename__ = "survey_import"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    organization_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("organization.id"), index=True)
    site_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("site.id"), index=True)
    created_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("user_account.id"))
    filename: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    row_count: so.Mapped[int] = so.mapped_column(default=0)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime(), default=clock.now)
    undone_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime())

    organization: so.Mapped[Organization] = so.relationship()
    site: so.Mapped[Site] = so.relationship()
    created_by: so.Mapped[User | None] = so.relationship()

    def can_manage(self, user) -> bool:
        """Builders of the importing organisation may see and undo it."""
        return getattr(user, "is_authenticated", False) and user.belongs_to(self.organization_id)
