"""API: a wanted post's matches and bundles, reserving a bundle all or nothing, and the open
wanted posts a listing could serve (contract: api-v1-additions.md, "Wanted posts (demand)")."""

from datetime import date, datetime

from pydantic import BaseModel, Field

from ..queries import wanted_matches as queries
from ..services import wanted_reserve
from ..services.wanted_reserve import MAX_ITEMS
from . import present
from .auth import current, login_required
from .blueprint import bp
from .io import BadRequest, doc, parse_body, respond
from .schemas import Number, Quantity, Request, ReservationOut, Unit
from .wanted import wanted_out
from .wanted_schemas import WantedOut


class MatchOut(BaseModel):
    listing_id: int
    title: str
    organization: str
    quantity_available: Number
    unit: Unit
    quantity_in_wanted_unit: Number
    available_from: date
    available_until: date
    distance_km: float
    covers: bool = Field(description="This lot alone covers what is still needed")
    score: float = Field(description="0..1: covered share 0.6, window overlap 0.3, nearness 0.1")


class BundleItemOut(BaseModel):
    listing_id: int
    quantity: Number = Field(description="In the listing's unit")


class BundleSiteOut(BaseModel):
    id: int
    name: str
    lat: float
    lng: float
    distance_km: float


class BundleOut(BaseModel):
    items: list[BundleItemOut]
    total_quantity: Number = Field(description="In the wanted post's unit")
    organizations: list[str]
    sites: list[BundleSiteOut] = Field(description="The pickup sites, for a map")
    covers: bool


class MatchesOut(BaseModel):
    matches: list[MatchOut]
    bundles: list[BundleOut] = Field(description="At most 5; fewest sites first")


class BundleItemIn(Request):
    listing_id: int = Field(ge=1, le=2**31 - 1)
    quantity: Quantity
    pickup_at: datetime | None = Field(
        None, description="ISO 8601 with offset; one of this site's pickup slots"
    )


class WantedReserve(Request):
    items: list[BundleItemIn] = Field(min_length=1, max_length=MAX_ITEMS)
    pickup_at: datetime | None = Field(
        None, description="For the items without their own pickup_at"
    )
    message: str = Field("", max_length=1000)


class WantedReserveOut(BaseModel):
    reservations: list[ReservationOut]
    wanted: WantedOut


def _match(c) -> MatchOut:
    return MatchOut(
        listing_id=c.listing_id,
        title=c.title,
        organization=c.listing.organization.name,
        quantity_available=c.quantity_available,
        unit=c.unit,
        quantity_in_wanted_unit=c.quantity_in_wanted_unit,
        available_from=c.available_from,
        available_until=c.available_until,
        distance_km=c.distance_km,
        covers=c.covers,
        score=c.score,
    )


def _bundle(view) -> BundleOut:
    return BundleOut(
        items=[BundleItemOut(listing_id=c.listing_id, quantity=q) for c, q in view.bundle.items],
        total_quantity=view.bundle.total_quantity,
        organizations=view.organizations,
        sites=[BundleSiteOut(**{k: s[k] for k in BundleSiteOut.model_fields}) for s in view.sites],
        covers=view.bundle.covers,
    )


@bp.get("/wanted/<int:wanted_id>/matches")
@login_required()
@doc(
    "The listings that could serve a wanted post, and bundles",
    response=MatchesOut,
    errors=(401, 404),
)
def wanted_matches(wanted_id):
    """The post's owner or city staff; anyone else gets 404. Bundles are proposed only when no
    single lot covers what is still needed."""
    view = queries.matches_view(queries.post_for_matches(current(), wanted_id))
    return respond(
        MatchesOut(
            matches=[_match(c) for c in view.matches], bundles=[_bundle(b) for b in view.bundles]
        )
    )


@bp.post("/wanted/<int:wanted_id>/reserve")
@login_required()
@doc(
    "Reserve a bundle for a wanted post, all or nothing",
    body=WantedReserve,
    response=WantedReserveOut,
    status=201,
    errors=(401, 403, 404, 409, 415, 422),
)
def wanted_reserve_bundle(wanted_id):
    """The post's owner only (404 for anyone else). Each item becomes a normal reservation; if
    any item cannot be reserved, 409 with that item's error code and `fields: {"items[N]": …}`
    and nothing is reserved."""
    body = parse_body(WantedReserve)
    times = [body.pickup_at] + [item.pickup_at for item in body.items]
    if any(at is not None and at.tzinfo is None for at in times):
        raise BadRequest(
            "pickup_at needs a UTC offset, e.g. 2026-12-01T09:00:00+02:00",
            fields={"pickup_at": "Give the time with its UTC offset."},
        )
    reservations, wanted = wanted_reserve.wanted_reserve(
        user_id=current().id,
        wanted_id=wanted_id,
        items=[item.model_dump() for item in body.items],
        pickup_at=body.pickup_at,
        message=body.message,
    )
    out = WantedReserveOut(
        reservations=[present.reservation(r, current()) for r in reservations],
        wanted=wanted_out(wanted),
    )
    return respond(out, 201)


@bp.get("/listings/<int:listing_id>/wanted")
@login_required()
@doc("The open wanted posts a listing could serve", response=list[WantedOut], errors=(401, 404))
def listing_wanted(listing_id):
    """The listing's own organisation only; anyone else gets 404."""
    return respond([wanted_out(w) for w in queries.wanted_for_organization(current(), listing_id)])
