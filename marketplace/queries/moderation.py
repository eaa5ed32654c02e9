"""What the city's moderation pages list: organisations, listings to review, staff decisions."""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from ..extensions import db
from ..models import Listing, ListingStatus, Organization, Role, Site, StaffAction, User
from ..services.accounts import business_id_valid


@dataclass(frozen=True)
class AwaitingVerification:
    """An unverified organisation with what staff check before verifying it."""

    organization: Organization
    business_id_valid: bool  # the check digit of the Y-tunnus is right
    members: list[User]  # its builders
    pending_listings: int  # listings that verifying publishes
    signed_up_at: datetime


def verification_queue() -> list[AwaitingVerification]:
    """Unverified organisations, longest waiting first."""
    return _awaiting(
        sa.select(Organization)
        .where(Organization.verified_at.is_(None))
        .order_by(Organization.created_at, Organization.id)
    )


def verification_candidate(organization_id: int) -> AwaitingVerification | None:
    """One unverified organisation as the queue shows it (None when verified or unknown)."""
    rows = _awaiting(
        sa.select(Organization).where(
            Organization.id == organization_id, Organization.verified_at.is_(None)
        )
    )
    return rows[0] if rows else None


def _awaiting(query) -> list[AwaitingVerification]:
    organizations = list(db.session.scalars(query))
    ids = [o.id for o in organizations]
    pending = dict(
        db.session.execute(
            sa.select(Listing.organization_id, sa.func.count())
            .where(Listing.organization_id.in_(ids), Listing.status == ListingStatus.PENDING_REVIEW)
            .group_by(Listing.organization_id)
        ).all()
    )
    members: dict[int, list[User]] = {i: [] for i in ids}
    builders = sa.select(User).where(User.organization_id.in_(ids), User.role == Role.BUILDER)
    for user in db.session.scalars(builders.order_by(User.created_at, User.id)):
        members[user.organization_id].append(user)
    return [
        AwaitingVerification(
            o,
            business_id_valid(o.business_id),
            members[o.id],
            int(pending.get(o.id, 0)),
            o.created_at,
        )
        for o in organizations
    ]


def organizations() -> list[tuple[Organization, int, int]]:
    """Every organisation with its number of builders and listings; unverified ones first (the
    page shows the verified ones; the unverified are in the queue above them)."""
    members = dict(
        db.session.execute(
            sa.select(User.organization_id, sa.func.count())
            .where(User.organization_id.is_not(None))
            .group_by(User.organization_id)
        ).all()
    )
    listings = dict(
        db.session.execute(
            sa.select(Listing.organization_id, sa.func.count()).group_by(Listing.organization_id)
        ).all()
    )
    rows = db.session.scalars(
        sa.select(Organization).order_by(Organization.verified_at.is_not(None), Organization.name)
    )
    return [(o, int(members.get(o.id, 0)), int(listings.get(o.id, 0))) for o in rows]


def listings(q: str = "", hidden_only: bool = False, limit: int = 100) -> list[Listing]:
    """Listings for review, newest first: by id or a word of the title, or only the hidden ones."""
    query = sa.select(Listing).options(
        so.joinedload(Listing.organization), so.joinedload(Listing.site)
    )
    q = q.strip()
    if q.isdigit():
        query = query.where(Listing.id == int(q))
    elif q:
        query = query.where(Listing.title.ilike(f"%{q.replace('%', '').replace('_', '')}%"))
    if hidden_only:
        query = query.where(Listing.hidden_reason != "")
    return list(db.session.scalars(query.order_by(Listing.id.desc()).limit(limit)))


def all_organizations() -> list[Organization]:
    """Organisations by name (filter choices)."""
    return list(db.session.scalars(sa.select(Organization).order_by(Organization.name)))


def all_sites() -> list[Site]:
    """Sites by name (filter choices)."""
    return list(db.session.scalars(sa.select(Site).order_by(Site.name)))


def recent_actions(limit: int = 30) -> list[StaffAction]:
    """The latest staff decisions of any kind, newest first."""
    return list(
        db.session.scalars(sa.select(StaffAction).order_by(StaffAction.id.desc()).limit(limit))
    )
