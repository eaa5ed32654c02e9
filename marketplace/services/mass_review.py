"""City staff mark an unusual mass as reviewed: a StaffAction, so nothing in the listing or the
ledger changes (a wrong figure is corrected by its organisation or staff: services/impact.py)."""

from ..auth import acting_user
from ..database import write_transaction
from ..errors import NotFound
from ..models import Handover, Listing, Role, StaffAction
from ..queries import mass_review as review_queries

KINDS = {
    "listing": (Listing, review_queries.LISTING_REVIEWED),
    "handover": (Handover, review_queries.HANDOVER_REVIEWED),
}


def mass_reviewed(*, user_id: int, kind: str, subject_id: int, note: str = "") -> StaffAction:
    """Take a listing or a handover off the review list, with an optional note."""
    if kind not in KINDS:
        raise NotFound()
    model, action = KINDS[kind]
    with write_transaction() as session:
        user = acting_user(session, user_id, Role.CITY)
        subject = session.get(model, subject_id)
        if subject is None or not review_queries.is_pending(kind, subject_id):
            raise NotFound()
        row = StaffAction(
            actor_id=user.id, kind=action, subject=str(subject_id), data={"note": note[:500]}
        )
        session.add(row)
    return row
