"""Wanted posts, read side: browse and search open posts, one post, a person's own posts.

Public views name the poster only by their organisation, or as a resident (`poster_label`)."""

from dataclasses import dataclass, field

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _

from ..errors import NotFound
from ..extensions import db
from ..models import WantedPost, WantedStatus
from ..search import parse as search_parse
from ..search.embedded.geo import haversine
from ..search.parse import InvalidParameter

MAX_PER_PAGE = 100
MAX_TEXT = 200
RESIDENT = "resident"


@dataclass
class Browse:
    """What to find among open wanted posts; the point and radius are optional together."""

    q: str = ""
    categories: list[str] = field(default_factory=list)
    lat: float | None = None
    lng: float | None = None
    radius_km: float | None = None
    page: int = 1
    per_page: int = 20


@dataclass
class Page:
    hits: list[WantedPost]
    total: int
    page: int
    per_page: int
    distances: dict[int, float] = field(default_factory=dict)


def from_args(args) -> Browse:
    """Parse the query string (pages and the API); InvalidParameter names a wrong parameter."""
    q = args.get("q", "")
    if len(q) > MAX_TEXT:
        raise InvalidParameter("q", _("Use at most %(n)d characters.", n=MAX_TEXT))
    categories = [c for c in args.getlist("category") if c][: search_parse.MAX_VALUES + 1]
    if len(categories) > search_parse.MAX_VALUES:
        raise InvalidParameter("category", _("Too many values."))
    lat = search_parse._float(args, "lat", -90, 90)
    lng = search_parse._float(args, "lng", -180, 180)
    radius = search_parse._float(args, "radius_km", 0.001, search_parse.MAX_RADIUS_KM)
    if (lat is None) != (lng is None):
        raise InvalidParameter("lat" if lat is None else "lng", _("Give both lat and lng."))
    if radius is not None and lat is None:
        raise InvalidParameter("radius_km", _("A radius needs lat and lng."))
    return Browse(
        q=q.strip(),
        categories=categories,
        lat=lat,
        lng=lng,
        radius_km=radius,
        page=search_parse._int(args, "page", 1, 10_000, 1),
        per_page=search_parse._int(args, "per_page", 1, MAX_PER_PAGE, 20),
    )


def poster_label(wanted: WantedPost) -> str:
    """The poster as the public sees them: the organisation's name, or `resident`."""
    return wanted.organization.name if wanted.organization is not None else RESIDENT


def _words(q: str) -> list[str]:
    return [w for w in q.lower().split() if w][:10]


def browse(query: Browse) -> Page:
    """Open wanted posts matching every word (title or description), the categories and the
    circle (the post's point, or the Kera centre, within `radius_km` of the given point);
    soonest needed first."""
    stmt = (
        sa.select(WantedPost)
        .where(WantedPost.status == WantedStatus.OPEN)
        .options(so.selectinload(WantedPost.organization))
        .order_by(WantedPost.needed_by, WantedPost.id)
    )
    for word in _words(query.q):
        pattern = "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(
            sa.or_(
                sa.func.lower(WantedPost.title).like(pattern, escape="\\"),
                sa.func.lower(WantedPost.description).like(pattern, escape="\\"),
            )
        )
    if query.categories:
        stmt = stmt.where(WantedPost.category_slug.in_(query.categories))
    start = (query.page - 1) * query.per_page
    if query.lat is None or query.lng is None:
        total = db.session.scalar(sa.select(sa.func.count()).select_from(stmt.subquery()))
        hits = list(db.session.scalars(stmt.offset(start).limit(query.per_page)))
        return Page(hits, total or 0, query.page, query.per_page)
    # Open posts are few (a city's needs), so the distance is computed here for each of them.
    radius = query.radius_km if query.radius_km is not None else 5.0
    distances = {}
    for wanted in db.session.scalars(stmt):
        km = haversine(query.lat, query.lng, *wanted.point)
        if km <= radius:
            distances[wanted.id] = round(km, 3)
    ids = sorted(distances, key=lambda i: (distances[i], i))
    chosen = ids[start : start + query.per_page]
    rows = {w.id: w for w in db.session.scalars(stmt.where(WantedPost.id.in_(chosen)))}
    return Page([rows[i] for i in chosen], len(ids), query.page, query.per_page, distances)


def public(wanted_id: int) -> WantedPost:
    """Any wanted post by id (the page shows its status); 404 when there is none."""
    wanted = db.session.get(WantedPost, wanted_id)
    if wanted is None:
        raise NotFound()
    return wanted


def owned_by(user, wanted_id: int) -> WantedPost:
    """The caller's own post (for the edit and close pages); 404 for anyone else's."""
    wanted = public(wanted_id)
    if not wanted.can_manage(user):
        raise NotFound()
    return wanted


def of_user(user_id: int) -> list[WantedPost]:
    """A person's wanted posts, newest first."""
    return list(
        db.session.scalars(
            sa.select(WantedPost)
            .where(WantedPost.owner_id == user_id)
            .order_by(WantedPost.id.desc())
        )
    )
