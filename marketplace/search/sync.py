"""Keeping the indexes in step with the database: outbox handlers, reindex and status."""

import sqlalchemy as sa

from .. import clock, outbox
from ..extensions import db
from ..models import Listing
from . import service
from .documents import document, is_searchable


def sync_listing(backend, listing_id: int) -> None:
    """Upsert the listing's full document, or delete it when it should not be found (idempotent)."""
    listing = db.session.get(Listing, listing_id)
    if listing is not None and is_searchable(listing):
        backend.upsert([document(listing)])
    else:
        backend.delete([listing_id])


def index_embedded(message: outbox.Message) -> None:
    """Outbox handler: bring the embedded index up to date for one listing; a new listing (or one
    published when its organisation was verified) is then announced as "listing.indexed"
    (saved-search alerts need it to be findable)."""
    sync_listing(service.embedded(), message.payload["listing_id"])
    if message.payload.get("kind") in ("listing.created", "listing.published"):
        from ..database import write_transaction

        with write_transaction() as session:
            outbox.enqueue(
                session, "listing.indexed", {"listing_id": message.payload["listing_id"]}
            )


def index_meilisearch(message: outbox.Message) -> None:
    """Outbox handler: the same for Meilisearch (retried by the outbox while it is down)."""
    sync_listing(service.meilisearch(), message.payload["listing_id"])


def searchable_listings(batch: int = 1000):
    """Every listing that belongs in an index, loaded in batches."""
    query = sa.select(Listing).order_by(Listing.id).execution_options(yield_per=batch)
    for listing in db.session.scalars(query):
        if is_searchable(listing):
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
