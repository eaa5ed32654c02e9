"""Read side of survey imports: an organisation's imports with their listings' counts."""

import sqlalchemy as sa

from ..extensions import db
from ..models import Listing, ListingStatus, SurveyImport


def imports_of(organization_id: int) -> list[tuple[SurveyImport, int, int]]:
    """(import, listings, withdrawn listings) of an organisation, newest first."""
    withdrawn = sa.func.sum(sa.case((Listing.status == ListingStatus.WITHDRAWN, 1), else_=0))
    query = (
        sa.select(SurveyImport, sa.func.count(Listing.id), sa.func.coalesce(withdrawn, 0))
        .outerjoin(Listing, Listing.import_id == SurveyImport.id)
        .where(SurveyImport.organization_id == organization_id)
        .group_by(SurveyImport.id)
        .order_by(SurveyImport.id.desc())
    )
    return [tuple(row) for row in db.session.execute(query)]


def category_names(locale: str) -> dict[str, str]:
    """slug → the category's name in `locale`, for showing previewed rows."""
    from ..models import Category

    return {c.slug: c.name(locale) for c in db.session.scalars(sa.select(Category))}
