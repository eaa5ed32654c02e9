"""The indexes follow the database: every listing state change reaches the embedded index
through the outbox worker; replays are harmless; a reindex while listings change loses nothing;
`flask search status` and `flask search reindex` tell and repair."""

import threading
from datetime import timedelta

import pytest

from marketplace import clock, outbox
from marketplace.search import service, sync
from marketplace.search.query import SearchQuery
from marketplace.services import listings as listing_services
from marketplace.services import reservations as svc

from ..conftest import NOON


def found(text: str) -> list[int]:
    return [hit.id for hit in service.embedded().search(SearchQuery(text=text)).hits]


@pytest.fixture
def lot(app, make):
    seller = make.builder()
    listing = make.listing(
        seller,
        title="Kattotiili punainen",
        category="roof-tile",
        quantity="10",
        unit="m2",
        description="",
    )
    return seller, listing, make.resident()


def test_every_state_change_reaches_the_index(lot, app):
    seller, listing, taker = lot
    assert found("kattotiili") == []  # not before the worker ran
    outbox.run_once()
    assert found("kattotiili") == [listing.id]  # created

    listing_services.listing_update(
        user_id=seller.id, listing_id=listing.id, title="Savikattotiili musta"
    )
    outbox.run_once()
    assert found("musta") == [listing.id] and found("punainen") == []  # edited

    everything = svc.reservation_create(user_id=taker.id, listing_id=listing.id, quantity="10")
    outbox.run_once()
    assert found("kattotiili") == []  # reserved down to zero: nothing to find

    svc.reservation_cancel(user_id=taker.id, reservation_id=everything.id)
    outbox.run_once()
    assert found("kattotiili") == [listing.id]  # restocked by the cancel

    part = svc.reservation_create(user_id=taker.id, listing_id=listing.id, quantity="10")
    svc.reservation_collect(user_id=seller.id, reservation_id=part.id)
    outbox.run_once()
    assert found("kattotiili") == []  # collected


def test_expired_and_withdrawn_listings_leave_the_index(app, make):
    seller = make.builder()
    short = make.listing(
        seller, title="Lyhyt ikkuna-aika", available_until=clock.today() + timedelta(days=3)
    )
    gone = make.listing(seller, title="Poistuva erä")
    outbox.run_once()
    assert found("lyhyt") == [short.id] and found("poistuva") == [gone.id]
    listing_services.listing_withdraw(user_id=seller.id, listing_id=gone.id)
    clock.set(NOON + timedelta(days=4))
    outbox.run_once()  # the chore expires, then the index follows
    assert found("lyhyt") == [] and found("poistuva") == []


def test_replaying_a_message_is_harmless(lot, app):
    seller, listing, taker = lot
    message = outbox.Message(
        id=1, topic="listing.changed", payload={"listing_id": listing.id}, attempts=0
    )
    for _ in range(3):
        sync.index_embedded(message)
    assert found("kattotiili") == [listing.id]
    assert service.embedded().count() == 1


def test_a_reindex_while_listings_change_loses_nothing(app, make):
    seller = make.builder()
    for n in range(40):
        make.listing(
            seller,
            title=f"Erä {n} betonielementti",
            category="concrete-element",
            unit="m2",
            description="",
        )
    backend = service.embedded()
    original = backend.rebuild
    late = {}

    def rebuild_slowly(documents):
        docs = list(documents)  # the snapshot is taken...
        added = make.listing(
            seller, title="Myöhäinen kattotiili", category="roof-tile", unit="m2", description=""
        )
        late["id"] = added.id  # ...and then a listing appears mid-rebuild
        original(iter(docs))

    backend.rebuild = rebuild_slowly
    try:
        assert sync.reindex(backend) == 41
    finally:
        backend.rebuild = original
    assert found("myöhäinen") == [late["id"]]
    assert backend.search(SearchQuery(text="betonielementti")).total == 40


def test_searches_keep_answering_during_a_rebuild(app, make):
    seller = make.builder()
    for n in range(30):
        make.listing(seller, title=f"Tiilierä {n}", description="")
    outbox.run_once()
    backend = service.embedded()
    errors, totals = [], []

    def search_loop():
        with app.app_context():
            for _ in range(40):
                try:
                    totals.append(backend.search(SearchQuery(text="tiilierä")).total)
                except Exception as exc:  # noqa: BLE001 - any failure is what the test reports
                    errors.append(exc)

    reader = threading.Thread(target=search_loop)
    reader.start()
    for _ in range(3):
        sync.reindex(backend)
    reader.join(60)
    assert not errors and totals and min(totals) == 30  # never empty, never partial


def test_status_compares_and_reindex_repairs(app, make, runner):
    seller = make.builder()
    make.listing(seller)
    make.listing(seller, title="Toinen erä")
    result = runner.invoke(args=["search", "status"])
    assert result.exit_code != 0 and "out of step" in result.output  # the worker has not run
    assert runner.invoke(args=["search", "reindex"]).exit_code == 0
    result = runner.invoke(args=["search", "status"])
    assert result.exit_code == 0 and "database" in result.output and "2" in result.output
