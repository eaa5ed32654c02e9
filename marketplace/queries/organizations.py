"""Builder organisations as pages and the API show them."""

from ..errors import NotFound
from ..extensions import db
from ..models import Organization


def organization(organization_id: int) -> Organization:
    """The organisation with this id (NotFound otherwise)."""
    found = db.session.get(Organization, organization_id)
    if found is None:
        raise NotFound()
    return found


def organization_for(user, organization_id: int) -> Organization:
    """An organisation the user may see: a verified one, or their own, or any for city staff;
    an unverified organisation is not found by anyone else."""
    found = db.session.get(Organization, organization_id)
    if found is None or not found.visible_to(user):
        raise NotFound()
    return found
