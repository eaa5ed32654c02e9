"""API: builder organisations and their verification by city staff."""

from ..models import Role
from ..queries import organizations as organization_queries
from ..services import verification
from . import present, schemas
from .auth import current, login_required
from .blueprint import bp
from .io import doc, respond


@bp.get("/organizations/<int:organization_id>")
@doc("One organisation", response=schemas.OrganizationDetailOut, errors=(404,))
def organizations_get(organization_id):
    """A verified organisation is public, as its badge is; an unverified one is seen only by its
    own builders and city staff (404 for anyone else)."""
    return respond(
        present.organization_detail(
            organization_queries.organization_for(current(), organization_id)
        )
    )


@bp.post("/organizations/<int:organization_id>/verify")
@login_required(Role.CITY)
@doc(
    "Verify an organisation (city staff)",
    response=schemas.OrganizationDetailOut,
    errors=(401, 403, 404),
)
def organizations_verify(organization_id):
    """Mark the organisation verified: its listings waiting in pending_review are published and
    become searchable, and its builders are told. Verifying it again changes nothing."""
    organization = verification.organization_verify(
        user_id=current().id, organization_id=organization_id
    )
    return respond(present.organization_detail(organization))
