"""GET /api/v1/reservations costs the same number of SQL statements for 1 reservation as for 10:
the selector loads what the presenter shows (payments, handovers), the presenter queries nothing."""

import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.services import accounts
from marketplace.services import reservations as svc


def statements_for(client, app, path, token) -> tuple[int, list]:
    """How many SQL statements one request runs."""
    seen = []

    def count(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        response = client.get(path, headers={"Authorization": f"Bearer {token}"})
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    assert response.status_code == 200
    return len(seen), response.json


def reservations(make, taker, n):
    """n reservations of the taker on one builder's lot, every other one handed over."""
    seller = make.builder()
    listing = make.listing(seller, quantity="100", unit="pcs")
    for i in range(n):
        reservation = svc.reservation_create(user_id=taker.id, listing_id=listing.id, quantity="1")
        if i % 2 == 0:
            svc.reservation_collect(user_id=seller.id, reservation_id=reservation.id)


def test_listing_reservations_does_not_query_per_reservation(app, client, make):
    app.config["MAX_OPEN_RESERVATIONS"] = 20
    one, ten = make.resident(), make.resident()
    reservations(make, one, 1)
    reservations(make, ten, 10)
    _t, token_one = accounts.token_create(user_id=one.id)
    _t, token_ten = accounts.token_create(user_id=ten.id)
    count_one, body_one = statements_for(client, app, "/api/v1/reservations", token_one)
    count_ten, body_ten = statements_for(client, app, "/api/v1/reservations", token_ten)
    assert (len(body_one), len(body_ten)) == (1, 10)
    assert sum(1 for r in body_ten if r["handover"]) == 5  # what the presenter shows is there
    assert count_ten == count_one, (count_one, count_ten)
