"""Sites as the management pages and the API see them."""

import sqlalchemy as sa

from ..errors import NotFound
from ..extensions import db
from ..models import Site


def sites_for(user) -> list[Site]:
    """A builder's organisation's sites, or every site for city staff."""
    query = sa.select(Site).order_by(Site.name)
    if not user.is_city:
        if user.organization_id is None:
            return []
        query = query.where(Site.organization_id == user.organization_id)
    return list(db.session.scalars(query))


def site_for(user, site_id: int) -> Site:
    """A site the user may manage or inspect: own organisation's, or any for city staff."""
    site = db.session.get(Site, site_id)
    if site is None or not (user.is_city or user.belongs_to(site.organization_id)):
        raise NotFound()
    return site


def all_sites() -> list[Site]:
    """Every site, for the browse filter."""
    return list(db.session.scalars(sa.select(Site).order_by(Site.name)))
