"""Keeping the indexes in step with the database: outbox handlers, reindex and status."""

import sqlalchemy as sa
import sqlalchemy.orm as so

from .. import clock, outbox
from ..extensions import db
from ..models import Listing
from . import service
from .documents import document, is_searchable


def sync_listing(backend, listing_id: int) -> None:
    """Upsert the listing's full document, or delete it when it should not be found (idempotent)."""
    sync_listings(backend, [listing_id])


def sync_listings(backend, listing_ids) -> None:
    """Bring `backend` up to date for many listings at once: one upsert of the current state of
    each findable one, one delete of the rest (idempotent). A listing changed several times is
    written once, as it is now; one that should no longer be found is deleted, whatever upserts
    were asked for before."""
    ids = sorted(set(listing_ids))
    query = (
        sa.select(Listing)
        .where(Listing.id.in_(ids))
        .options(so.joinedload(Listing.category), so.joinedload(Listing.site))
    )
    findable = {
        listing.id: listing for listing in db.session.scalars(query) if is_searchable(listing)
    }
    gone = [i for i in ids if i not in findable]
    if gone:
        backend.delete(gone)
    if findable:
        backend.upsert([document(listing) for listing in findable.values()])


def _announce_indexed(messages: list[outbox.Message]) -> None:
    """A new listing (or one published when its organisation was verified) is findable now:
    "listing.indexed" (saved-search alerts need it to be findable)."""
    new = [m for m in messages if m.payload.get("kind") in ("listing.created", "listing.published")]
    if new:
        from ..database import write_transaction

        with write_transaction() as session:
            for m in new:
                outbox.enqueue(session, "listing.indexed", {"listing_id": m.payload["listing_id"]})


def index_embedded(message: outbox.Message) -> None:
    """Outbox handler: bring the embedded index up to date for one listing, and announce a new
    one as "listing.indexed"."""
    index_embedded_batch([message])


def index_embedded_batch(messages: list[outbox.Message]) -> None:
    """Outbox batch handler: the same for many messages, each listing written once."""
    sync_listings(service.embedded(), [m.payload["listing_id"] for m in messages])
    _announce_indexed(messages)


def index_meilisearch(message: outbox.Message) -> None:
    """Outbox handler: the same for Meilisearch (retried by the outbox while it is down)."""
    index_meilisearch_batch([message])


def index_meilisearch_batch(messages: list[outbox.Message]) -> None:
    """Outbox batch handler: the same for many messages, each listing written once."""
    sync_listings(service.meilisearch(), [m.payload["listing_id"] for m in messages])


def searchable_listings(batch: int = 1000):
    """Every listing that belongs in an index, loaded in batches: the database leaves out what
    cannot be found, and each listing comes with its site and category (a lazy load per listing
    would be a query each, as a batch's objects are let go before the next one)."""
    today = clock.today()  # once: a clock read per listing costs more than the check
    query = (
        sa.select(Listing)
        .where(Listing.findable_clause(today))
        .options(so.joinedload(Listing.site), so.joinedload(Listing.category))
        .order_by(Listing.id)
        .execution_options(yield_per=batch)
    )
    for listing in db.session.scalars(query):
        if listing.is_findable(today):  # is_searchable's rule, with today read once
            yield document(listing)


def reindex(backend) -> int:
    """Rebuild `backend` from the database, then replay what changed meanwhile (nothing lost)."""
    started = clock.now()
    backend.rebuild(searchable_listings())
    changed = db.session.scalars(sa.select(Listing.id).where(Listing.updated_at >= started))
    for listing_id in changed:
        sync_listing(backend, listing_id)
    return backend.count()


def status() -> dict:
    """Searchable listings in the database against documents in each index."""
    expected = sum(1 for _ in searchable_listings())
    return {"database": expected, **{b.name: b.count() for b in service.backends()}}
