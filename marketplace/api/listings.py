"""API: listings (create, read, edit, withdraw, photos) and the search/browse endpoint."""

import dataclasses

from flask import request
from flask_babel import gettext as _

from .. import clock
from ..errors import ValidationFailed
from ..models import Role
from ..models.listings import sees_early
from ..queries import listings as listing_queries
from ..search import parse as search_parse
from ..search import service as search
from ..services import listings as listing_services
from ..services import photos as photo_services
from . import parameters, present, schemas
from .auth import current, login_required
from .blueprint import bp
from .io import BadRequest, doc, parse_body, provided, respond


@bp.get("/listings")
@doc(
    "Search and browse listings", response=schemas.SearchOut, errors=(400,), query=parameters.SEARCH
)
def listings_search():
    """Available listings matching the filters; typo-tolerant text search with `q`."""
    try:
        query = search_parse.from_args(request.args)
    except search_parse.InvalidParameter as exc:
        raise BadRequest(exc.message, fields={exc.name: exc.message}) from None
    query = dataclasses.replace(query, early_access=sees_early(current()))
    result = search.search(query)
    listings = {x.id: x for x in listing_queries.by_ids([h.id for h in result.hits])}
    hits, today = [], clock.today()
    for hit in result.hits:
        x = listings.get(hit.id)
        if x is None:
            continue
        thumb = present.photo_urls(x.photos[0])[1] if x.photos else None
        hits.append(
            schemas.SearchHitOut(
                id=x.id,
                title=x.title,
                category=x.category_slug,
                category_name=x.category.name(present.locale()),
                quantity_available=x.quantity_available,
                unit=x.unit,
                condition=x.condition.value,
                price_cents=x.price_cents,
                site={"id": x.site.id, "name": x.site.name},
                distance_km=hit.distance_km,
                thumb_url=thumb,
                highlight=hit.highlight,
                available_from=x.available_from,
                still_installed=x.is_still_installed(today),
            )
        )
    return respond(
        schemas.SearchOut(
            hits=hits,
            total=result.total,
            page=query.page,
            per_page=query.per_page,
            facets=result.facets,
            backend=result.backend,
            notice=result.notice,
        )
    )


@bp.post("/listings")
@login_required(Role.BUILDER)
@doc(
    "List material",
    body=schemas.ListingCreate,
    response=schemas.ListingOut,
    status=201,
    errors=(401, 403, 415, 422),
)
def listings_create():
    """Create a listing at one of the caller's organisation's sites."""
    body = parse_body(schemas.ListingCreate)
    data = body.model_dump()
    hazard_free = data.pop("hazard_free")
    if "kg_per_unit" not in body.model_fields_set:
        data.pop("kg_per_unit")
    listing = listing_services.listing_create(user_id=current().id, hazard_free=hazard_free, **data)
    return respond(present.listing(listing), 201)


@bp.get("/listings/<int:listing_id>")
@doc("One listing", response=schemas.ListingOut, errors=(404,))
def listings_get(listing_id):
    """A listing with everything a buyer needs to decide."""
    return respond(present.listing(listing_queries.listing_for(current(), listing_id)))


@bp.patch("/listings/<int:listing_id>")
@login_required(Role.BUILDER)
@doc(
    "Edit a listing",
    body=schemas.ListingUpdate,
    response=schemas.ListingOut,
    errors=(401, 403, 404, 409, 415, 422),
)
def listings_update(listing_id):
    """Change fields of an open listing of the caller's organisation."""
    changes = {
        k: v for k, v in provided(parse_body(schemas.ListingUpdate)).items() if v is not None
    }
    listing = listing_services.listing_update(
        user_id=current().id, listing_id=listing_id, **changes
    )
    return respond(present.listing(listing))


@bp.delete("/listings/<int:listing_id>")
@login_required(Role.BUILDER)
@doc("Withdraw a listing", response=schemas.ListingOut, errors=(401, 403, 404, 409))
def listings_withdraw(listing_id):
    """Withdraw the listing; open reservations are cancelled and their holders notified."""
    listing = listing_services.listing_withdraw(user_id=current().id, listing_id=listing_id)
    return respond(present.listing(listing))


@bp.post("/listings/<int:listing_id>/photos")
@login_required(Role.BUILDER)
@doc(
    "Add a photo (multipart/form-data field `photo`, optional `alt`)",
    response=schemas.PhotoOut,
    status=201,
    errors=(401, 403, 404, 413, 415, 422),
    multipart=True,
)
def listings_photo_add(listing_id):
    """Upload a JPEG, PNG or WebP photo; it is re-encoded and stripped of metadata."""
    listing_queries.managed_listing(
        current(), listing_id
    )  # another organisation's: 404 before anything else
    upload = request.files.get("photo")
    if request.mimetype != "multipart/form-data":
        from .io import UnsupportedMediaType

        raise UnsupportedMediaType(_("Upload the photo as multipart/form-data."))
    if upload is None:
        raise ValidationFailed(fields={"photo": _("Attach a photo in the field 'photo'.")})
    photo = photo_services.photo_add(
        user_id=current().id,
        listing_id=listing_id,
        data=upload.read(photo_services.MAX_BYTES + 1),
        alt_text=request.form.get("alt", ""),
    )
    full, thumb = present.photo_urls(photo)
    return respond(
        schemas.PhotoOut(id=photo.id, url=full, thumb_url=thumb, alt=photo.alt_text), 201
    )


@bp.delete("/listings/<int:listing_id>/photos/<int:photo_id>")
@login_required(Role.BUILDER)
@doc("Remove a photo", status=204, errors=(401, 403, 404))
def listings_photo_delete(listing_id, photo_id):
    """Remove one photo of the caller's organisation's listing."""
    photo_services.photo_delete(user_id=current().id, listing_id=listing_id, photo_id=photo_id)
    return "", 204
