"""How many SQL statements one API reservation costs, token authentication included (issue 16:
at most 8, from 22), and the token's last use written at most once a minute.

Counted with SQLAlchemy's "before_cursor_execute" on the engine, from the request's start to its
response. Transaction control (SQLite's BEGIN; psycopg sends PostgreSQL's outside any cursor) is
not a statement here, and the rows one flush inserts into one table count once: PostgreSQL gets
them as one INSERT (insertmanyvalues), SQLite one INSERT per row, as SQLAlchemy batches
INSERT ... RETURNING only where rows come back in order.
"""

from contextlib import contextmanager
from datetime import timedelta

import sqlalchemy as sa

from marketplace import clock
from marketplace.extensions import db
from marketplace.models import ApiToken, Listing, Reservation

from ..helpers import bearer_header, fresh

MOST = 8
TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


@contextmanager
def counted(app):
    """The statements the app's engine runs inside the block, in order."""
    seen = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if not statement.lstrip().upper().startswith(TRANSACTION_CONTROL):
            seen.append(" ".join(statement.split()))

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)


def statements(seen: list[str]) -> list[str]:
    """One entry per statement, a flush's INSERTs into one table taken together."""
    merged = []
    for sql in seen:
        if merged and sql.startswith("INSERT") and sql == merged[-1]:
            continue
        merged.append(sql)
    return merged


def reserve(client, listing_id, headers):
    return client.post(
        f"/api/v1/listings/{listing_id}/reservations", json={"quantity": "1"}, headers=headers
    )


def test_an_api_reservation_takes_at_most_8_statements(any_db, make):
    seller = make.builder()
    listing_id = make.listing(seller, quantity="100", unit="pcs").id
    headers = bearer_header(make.resident())
    client = any_db.test_client()
    with counted(any_db) as first:  # the token's first use: its last use is written too
        assert reserve(client, listing_id, headers).status_code == 201
    with counted(any_db) as later:
        response = reserve(client, listing_id, headers)
    assert response.status_code == 201
    assert response.get_json()["status"] == "confirmed" and response.get_json()["code"]
    for seen in (first, later):
        run = statements(seen)
        assert len(run) <= MOST, "\n".join(run)
        writes = [i for i, sql in enumerate(run) if sql.startswith(("INSERT", "UPDATE listing"))]
        assert not [sql for sql in run[writes[0] :] if sql.startswith("SELECT")], (
            "read back after writing:\n" + "\n".join(run)
        )
    assert sum(sql.startswith("UPDATE api_token") for sql in first) == 1
    assert not [sql for sql in later if sql.startswith("UPDATE api_token")]  # within the minute
    assert sum("FROM api_token" in sql for sql in later) == 1  # read once, with its user
    listing = fresh().get(Listing, listing_id)
    assert listing.quantity_reserved == 2
    assert fresh().scalar(sa.select(sa.func.count()).select_from(Reservation)) == 2


def test_a_reservation_continues_the_request_s_read_transaction_on_postgresql(any_db, make):
    """PostgreSQL: the token's read and the reservation share one transaction (no ROLLBACK and
    BEGIN between them) and the user's row is locked by id; SQLite starts the write afresh with
    BEGIN IMMEDIATE, which locks, and reads the user again in it. Either way 7 statements."""
    seller = make.builder()
    listing_id = make.listing(seller, quantity="100", unit="pcs").id
    headers = bearer_header(make.resident())
    client = any_db.test_client()
    assert reserve(client, listing_id, headers).status_code == 201  # the token's first use
    with any_db.app_context():
        engine = db.engine
    ended = []
    note = ended.append  # one bound method: the same object must be removed
    sa.event.listen(engine, "rollback", note)
    try:
        with counted(any_db) as seen:
            assert reserve(client, listing_id, headers).status_code == 201
    finally:
        sa.event.remove(engine, "rollback", note)
    postgres = engine.dialect.name == "postgresql"
    assert len(statements(seen)) == 7, "\n".join(statements(seen))
    assert len(ended) == (0 if postgres else 1)


def test_the_last_unit_of_a_lot_marks_it_reserved_in_the_same_transaction(any_db, make):
    seller = make.builder()
    listing_id = make.listing(seller, quantity="2", unit="pcs").id
    headers = bearer_header(make.resident())
    client = any_db.test_client()
    assert reserve(client, listing_id, headers).status_code == 201  # also the token's first use
    with counted(any_db) as seen:
        response = reserve(client, listing_id, headers)
    assert response.status_code == 201
    listing = fresh().get(Listing, listing_id)
    assert listing.status == "reserved" and listing.quantity_available == 0
    assert len(statements(seen)) <= MOST, "\n".join(statements(seen))  # with its status UPDATE


def test_the_last_unit_on_a_token_s_first_use_writes_the_status_with_the_counter(any_db, make):
    seller = make.builder()
    listing_id = make.listing(seller, quantity="1", unit="pcs").id
    headers = bearer_header(make.resident())
    with counted(any_db) as seen:  # the token's last use and the lot's last unit together
        response = reserve(any_db.test_client(), listing_id, headers)
    assert response.status_code == 201
    run = statements(seen)
    assert len(run) <= MOST, "\n".join(run)
    assert sum(sql.startswith("UPDATE listing") for sql in run) == 1, "\n".join(run)
    listing = fresh().get(Listing, listing_id)
    assert listing.status == "reserved" and listing.quantity_available == 0


def test_a_token_s_last_use_is_written_once_a_minute(any_db, make):
    user = make.resident()
    headers = bearer_header(user)
    client = any_db.test_client()
    start = clock.now()

    def call():
        with counted(any_db) as seen:
            assert client.get("/api/v1/reservations", headers=headers).status_code == 200
        return sum(sql.startswith("UPDATE api_token") for sql in seen)

    def last_used():
        return fresh().scalar(sa.select(ApiToken.last_used_at).where(ApiToken.user_id == user.id))

    assert last_used() is None
    assert call() == 1
    assert last_used() == start
    clock.advance(seconds=30)
    assert call() == 0
    clock.advance(seconds=30)  # exactly a minute: still within it
    assert call() == 0
    assert last_used() == start
    clock.advance(seconds=1)
    assert call() == 1
    assert last_used() == start + timedelta(seconds=61)


def test_a_deactivated_user_s_token_is_401(any_db, make):
    user = make.resident()
    headers = bearer_header(user)
    fresh()
    db.session.get(type(user), user.id).active = False
    db.session.commit()
    response = any_db.test_client().get("/api/v1/reservations", headers=headers)
    assert response.status_code == 401


def test_the_new_reservation_is_whole_and_unchanged_in_the_session(any_db, make):
    """The reservation is written outside the unit of work and then added as loaded: every
    column must be given (else it would be read back when shown) and nothing left to flush."""
    from marketplace.services import reservations

    seller = make.builder()
    listing_id = make.listing(seller, quantity="10", unit="pcs").id
    taker = make.resident()
    with any_db.test_request_context():
        made = reservations.reservation_create(
            user_id=taker.id, listing_id=listing_id, quantity="2"
        )
        state = sa.inspect(made)
        assert state.persistent and not state.modified
        assert not state.expired_attributes
        assert state.unloaded <= {"handovers"}, state.unloaded
        stored = db.session.get(Reservation, made.id, populate_existing=True)
        assert stored is made and made.quantity == 2 and made.cancel_reason == ""


def test_a_change_left_in_the_session_ends_the_read_transaction_as_before(any_db, make):
    """`write_transaction(relocks=True)` continues only a transaction with nothing unsaved: an
    object changed before the use case began is rolled back, not committed with it."""
    from marketplace.database import write_transaction
    from marketplace.models import User

    user_id = make.resident(display_name="Before").id
    with any_db.test_request_context():
        db.session.get(User, user_id).display_name = "Changed, never saved"
        with write_transaction(relocks=True):
            pass
        db.session.expire_all()
        assert db.session.get(User, user_id).display_name == "Before"
