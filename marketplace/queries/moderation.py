"""What the city's moderation pages list: organisations, listings to review, staff decisions."""
import sqlalchemy as sa
import sqlalchemy.orm as so

from ..extensions import db
from ..models import Listing, Organization, Site, StaffAction, User


def organizations() -> list[tuple[Organization, int, int]]:
    """Every organisation with its number of builders and listings; unverified ones first."""
    members = dict(db.session.execute(sa.select(User.organization_id, sa.func.count())
                                      .where(User.organization_id.is_not(None)).group_by(User.organization_id)).all())
    listings = dict(db.session.execute(sa.select(Listing.organization_id, sa.func.count())
                                       .group_by(Listing.organization_id)).all())
    rows = db.session.scalars(sa.select(Organization).order_by(Organization.verified_at.is_not(None),
                                                               Organization.name))
    return [(o, int(members.get(o.id, 0)), int(listings.get(o.id, 0))) for o in rows]


def listings(q: str = "", hidden_only: bool = False, limit: int = 100) -> list[Listing]:
    """Listings for review, newest first: by id or a word of the title, or only the hidden ones."""
    query = sa.select(Listing).options(so.joinedload(Listing.organization), so.joinedload(Listing.site))
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
    return list(db.session.scalars(sa.select(StaffAction).order_by(StaffAction.id.desc()).limit(limit)))
