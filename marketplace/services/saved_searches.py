"""Saved searches and their alerts: a new listing that matches tells the user (in-app, e-mail)."""

import dataclasses

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from .. import clock, notifications, outbox
from ..database import write_transaction
from ..errors import NotFound
from ..extensions import db
from ..models import Listing, SavedSearch, User
from ..search import parse
from . import validation as v

KEPT = (
    "q",
    "category",
    "condition",
    "site_id",
    "free",
    "available_on",
    "lat",
    "lng",
    "radius_km",
    "bbox",
)
MAX_PER_USER = 20


def _clean(params: MultiDict) -> dict:
    """Only the parameters that describe what to find (not the page or the sort)."""
    kept = {k: params.getlist(k)[:30] for k in KEPT if params.getlist(k)}
    parse.from_args(
        MultiDict([(k, val) for k, vals in kept.items() for val in vals])
    )  # raises if invalid
    return kept


def saved_search_create(*, user_id: int, name: str, params: MultiDict) -> SavedSearch:
    """Save the current search under a name (at most MAX_PER_USER per user)."""
    errors = v.Errors()
    name = v.text(errors, "name", name, max_len=100)
    errors.raise_if_any()
    try:
        kept = _clean(params)
    except parse.InvalidParameter as exc:
        v.Errors(name=exc.message).raise_if_any()
    if not kept:
        v.Errors(name=_l("Search or filter for something first, then save it.")).raise_if_any()
    with write_transaction() as session:
        if session.get(User, user_id) is None:
            raise NotFound()
        count = session.scalar(sa.select(sa.func.count()).where(SavedSearch.user_id == user_id))
        if count >= MAX_PER_USER:
            v.Errors(
                name=_l("You can keep at most %(n)d saved searches.", n=MAX_PER_USER)
            ).raise_if_any()
        saved = SavedSearch(user_id=user_id, name=name, params=kept)
        session.add(saved)
    return saved


def saved_search_delete(*, user_id: int, search_id: int) -> None:
    """Delete one of the user's saved searches."""
    with write_transaction() as session:
        saved = session.get(SavedSearch, search_id)
        if saved is None or saved.user_id != user_id:
            raise NotFound()
        session.delete(saved)


def saved_searches_of(user_id: int) -> list[SavedSearch]:
    """The user's saved searches, newest first."""
    return list(
        db.session.scalars(
            sa.select(SavedSearch)
            .where(SavedSearch.user_id == user_id)
            .order_by(SavedSearch.id.desc())
        )
    )


def matches(saved: SavedSearch, listing_id: int) -> bool:
    """Does the (already indexed) listing match the saved search? Asked of the embedded index,
    newest first: a brand-new listing that matches is on the first page."""
    from ..search import service

    query = parse.from_args(
        MultiDict(
            [(k, val) for k, vals in saved.params.items() for val in vals]
            + [("sort", "newest"), ("per_page", "100")]
        )
    )
    # Staged listings are in the index too; who may see this one the caller asks of the model.
    query = dataclasses.replace(query, early_access=True)
    return any(hit.id == listing_id for hit in service.embedded().search(query).hits)


def alert_saved_searches(message: outbox.Message) -> None:
    """Outbox handler: once a new listing is indexed, tell every user whose search it matches
    and who may see it now (staged release: residents hear when it opens to everyone, a delayed
    "listing.indexed" from services/staged_release.py)."""
    listing_id = message.payload["listing_id"]
    listing = db.session.get(Listing, listing_id)
    if listing is None:
        return
    now = clock.now()
    hits = [
        s
        for s in db.session.scalars(sa.select(SavedSearch))
        if s.user_id != listing.created_by_id
        and listing.visible_to(db.session.get(User, s.user_id), now)
        and matches(s, listing_id)
    ]
    with write_transaction() as session:
        for saved in hits:
            notifications.add(
                session,
                user_id=saved.user_id,
                kind="search.matched",
                data={"search": saved.name, "title": listing.title, "listing_id": listing_id},
                source_key=f"search:{saved.id}:listing:{listing_id}",
            )
