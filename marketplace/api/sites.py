"""API: builder sites."""

from ..models import Role
from ..queries import sites as site_queries
from ..services import sites as site_services
from . import present, schemas
from .auth import current, login_required
from .blueprint import bp
from .io import doc, parse_body, respond


@bp.get("/sites")
@login_required(Role.BUILDER, Role.CITY)
@doc("Sites", response=list[schemas.SiteOut], errors=(401, 403))
def sites_list():
    """A builder's organisation's sites, or every site for city staff."""
    return respond([present.site(s) for s in site_queries.sites_for(current())])


@bp.post("/sites")
@login_required(Role.BUILDER)
@doc(
    "Add a site",
    body=schemas.SiteCreate,
    response=schemas.SiteOut,
    status=201,
    errors=(401, 403, 415, 422),
)
def sites_create():
    """Add a pickup site to the caller's organisation."""
    body = parse_body(schemas.SiteCreate)
    site = site_services.site_create(user_id=current().id, **body.model_dump())
    return respond(present.site(site), 201)


@bp.get("/sites/<int:site_id>")
@login_required(Role.BUILDER, Role.CITY)
@doc("One site", response=schemas.SiteOut, errors=(401, 403, 404))
def sites_get(site_id):
    """A site of the caller's organisation (city staff: any site)."""
    return respond(present.site(site_queries.site_for(current(), site_id)))


@bp.patch("/sites/<int:site_id>")
@login_required(Role.BUILDER)
@doc(
    "Change a site",
    body=schemas.SiteUpdate,
    response=schemas.SiteOut,
    errors=(401, 403, 404, 415, 422),
)
def sites_update(site_id):
    """Change some of a site's details; the fields left out keep their values."""
    body = parse_body(schemas.SiteUpdate)
    site = site_services.site_update(
        user_id=current().id, site_id=site_id, **body.model_dump(exclude_unset=True)
    )
    return respond(present.site(site))
