"""The city's review list of unusual masses: listings whose seller confirmed a kg per unit
outside the catalogue's range, and handovers recorded with a confirmed implausible weighing (or
with a flagged listing's mass), until a member of staff marks them reviewed (a StaffAction)."""

import sqlalchemy as sa
import sqlalchemy.orm as so

from ..extensions import db
from ..models import Handover, HandoverKind, Listing, StaffAction
from . import handovers as handover_queries

LISTING_REVIEWED = "listing.mass_reviewed"
HANDOVER_REVIEWED = "handover.mass_reviewed"


def _reviewed(kind: str, id_column, since=None):
    conditions = [StaffAction.kind == kind, StaffAction.subject == sa.cast(id_column, sa.String)]
    if since is not None:
        conditions.append(
            StaffAction.created_at >= since
        )  # a newer confirmation needs a new review
    return sa.exists().where(*conditions)


def flagged_listings() -> list[Listing]:
    """Listings with a confirmed unusual mass, not reviewed since it was confirmed; newest first."""
    return list(
        db.session.scalars(
            sa.select(Listing)
            .where(
                Listing.mass_flagged_at.is_not(None),
                ~_reviewed(LISTING_REVIEWED, Listing.id, Listing.mass_flagged_at),
            )
            .options(so.joinedload(Listing.organization), so.joinedload(Listing.category))
            .order_by(Listing.mass_flagged_at.desc())
        )
    )


def flagged_handovers() -> list[handover_queries.HandoverHistory]:
    """Flagged handovers not yet reviewed, with their history (corrections shown), newest first."""
    ids = db.session.scalars(
        sa.select(Handover.id)
        .where(
            Handover.kind == HandoverKind.HANDOVER,
            Handover.mass_flagged,
            ~_reviewed(HANDOVER_REVIEWED, Handover.id),
        )
        .order_by(Handover.id.desc())
    )
    return [handover_queries.history(db.session, i) for i in list(ids)]


def is_pending(kind: str, subject_id: int) -> bool:
    """Whether a listing or handover is on the review list now."""
    if kind == "listing":
        return any(x.id == subject_id for x in flagged_listings())
    return any(h.original.id == subject_id for h in flagged_handovers())
