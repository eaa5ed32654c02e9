"""API: wanted posts (demand) — post, browse, read, edit and close. Matches, bundles and the
wanted posts a listing could serve are in api/wanted_matches.py."""

from flask import request

from ..queries import wanted as wanted_queries
from ..search.parse import InvalidParameter
from ..services import wanted as wanted_services
from . import parameters
from .auth import current, login_required
from .blueprint import bp
from .io import BadRequest, doc, parse_body, provided, respond
from .wanted_schemas import WantedCreate, WantedOut, WantedPageOut, WantedUpdate

# PATCH: null clears these; the other fields keep their value when sent as null.
NULLABLE = ("description", "category", "needed_from", "lat", "lng", "radius_km", "max_price_cents")

BROWSE = {
    "q": parameters.param(
        "Words that must all appear in the title or description",
        type="string",
        maxLength=wanted_queries.MAX_TEXT,
    ),
    "category": parameters.SEARCH["category"],
    "lat": parameters.SEARCH["lat"],
    "lng": parameters.SEARCH["lng"],
    "radius_km": parameters.param(
        "Only posts needed within this many km of lat,lng (default 5)",
        type="number",
        minimum=0.001,
        maximum=500,
    ),
    "page": parameters.SEARCH["page"],
    "per_page": parameters.param(
        "Posts per page, default 20", type="integer", minimum=1, maximum=wanted_queries.MAX_PER_PAGE
    ),
}


def wanted_out(wanted, distance_km: float | None = None) -> WantedOut:
    """A wanted post as the public sees it: the poster only as organisation or `resident`."""
    return WantedOut(
        id=wanted.id,
        title=wanted.title,
        description=wanted.description,
        category=wanted.category_slug,
        quantity=wanted.quantity,
        quantity_covered=wanted.quantity_covered,
        unit=wanted.unit,
        needed_from=wanted.needed_from,
        needed_by=wanted.needed_by,
        lat=wanted.lat,
        lng=wanted.lng,
        radius_km=wanted.radius_km,
        max_price_cents=wanted.max_price_cents,
        status=wanted.status.value,
        created_at=wanted.created_at,
        poster=wanted_queries.poster_label(wanted),
        distance_km=distance_km,
    )


@bp.post("/wanted")
@login_required()
@doc(
    "Post a wanted post",
    body=WantedCreate,
    response=WantedOut,
    status=201,
    errors=(401, 403, 415, 422),
)
def wanted_create():
    """Say what you need, how much, by when and where (a confirmed account: else 403)."""
    data = parse_body(WantedCreate).model_dump()
    wanted = wanted_services.wanted_create(user_id=current().id, **data)
    return respond(wanted_out(wanted), 201)


@bp.get("/wanted")
@doc("Browse and search open wanted posts", response=WantedPageOut, errors=(400,), query=BROWSE)
def wanted_browse():
    """Open wanted posts, soonest needed first (nearest first with lat, lng)."""
    try:
        query = wanted_queries.from_args(request.args)
    except InvalidParameter as exc:
        raise BadRequest(exc.message, fields={exc.name: exc.message}) from None
    page = wanted_queries.browse(query)
    hits = [wanted_out(w, page.distances.get(w.id)) for w in page.hits]
    return respond(
        WantedPageOut(hits=hits, total=page.total, page=page.page, per_page=page.per_page)
    )


@bp.get("/wanted/<int:wanted_id>")
@doc("One wanted post", response=WantedOut, errors=(404,))
def wanted_get(wanted_id):
    """A wanted post, public; the poster appears only as organisation or `resident`."""
    return respond(wanted_out(wanted_queries.public(wanted_id)))


@bp.patch("/wanted/<int:wanted_id>")
@login_required()
@doc(
    "Edit a wanted post",
    body=WantedUpdate,
    response=WantedOut,
    errors=(401, 403, 404, 409, 415, 422),
)
def wanted_update(wanted_id):
    """Change fields of your own open or fulfilled post."""
    changes = {
        k: v
        for k, v in provided(parse_body(WantedUpdate)).items()
        if v is not None or k in NULLABLE
    }
    wanted = wanted_services.wanted_update(user_id=current().id, wanted_id=wanted_id, **changes)
    return respond(wanted_out(wanted))


@bp.delete("/wanted/<int:wanted_id>")
@login_required()
@doc("Close a wanted post", response=WantedOut, errors=(401, 403, 404))
def wanted_close(wanted_id):
    """Close your own post: it is no longer shown or matched."""
    wanted = wanted_services.wanted_close(user_id=current().id, wanted_id=wanted_id)
    return respond(wanted_out(wanted))
