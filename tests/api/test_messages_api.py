"""Messages about a reservation through the API (contract: api-v1-additions.md, "Messages about
a reservation"): who may read and write, the body's limits, the other side's notification,
the throttle, and the account's data export and erasure."""

from datetime import datetime

import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.models import Notification, ReservationMessage, User
from marketplace.services import reservations
from tests import factories
from tests.helpers import assert_error, bearer_header, deliver, english_client, fresh

from ..conftest import NOON, make_app
from ..integration.test_notifications import smtp  # noqa: F401 - the SMTP fixture


def _world():
    """A seller's organisation with two builders, a resident's reservation on its listing, and
    everyone else of the role table."""
    seller = factories.builder(
        email="seller@example.com", org_name="Kera Purku Oy", display_name="Mikko Laine"
    )
    colleague = factories.builder(
        email="colleague@example.com", org=seller.organization, display_name="Sanna Ojala"
    )
    listing = factories.listing(seller, title="Punatiili MRT75", quantity="100")
    reserver = factories.resident(email="aino@example.com", display_name="Aino Virtanen")
    reservation = reservations.reservation_create(
        user_id=reserver.id, listing_id=listing.id, quantity="10"
    )
    users = {
        "reserver": reserver,
        "seller": seller,
        "colleague": colleague,
        "other_builder": factories.builder(email="other@example.com"),
        "resident": factories.resident(email="resident@example.com"),
        "city": factories.city(email="city@example.com"),
    }
    return {"users": users, "listing": listing, "reservation": reservation}


@pytest.fixture
def world(app):
    return _world()


@pytest.fixture
def client(app):
    return english_client(app)


def _headers(world, role):
    return {} if role == "anonymous" else bearer_header(world["users"][role])


def _url(world):
    return f"/api/v1/reservations/{world['reservation'].id}/messages"


# role -> (GET status, POST status, error code of the refusals)
TABLE = {
    "reserver": (200, 201),
    "seller": (200, 201),
    "colleague": (200, 201),  # any builder of the listing's organisation
    "other_builder": (404, 404),  # not a side: the reservation does not exist for them
    "resident": (404, 404),
    "city": (200, 403),  # city staff read, for disputes; they may not write
    "anonymous": (401, 401),
}
CODES = {401: "unauthenticated", 403: "forbidden", 404: "not_found"}


@pytest.mark.parametrize("role", TABLE)
def test_who_may_read_and_write(client, world, role):
    read, write = TABLE[role]
    posted = client.post(
        _url(world), json={"body": "Myöhästyn 10 min"}, headers=_headers(world, role)
    )
    got = client.get(_url(world), headers=_headers(world, role))
    assert (got.status_code, posted.status_code) == (read, write)
    for response in (got, posted):
        if response.status_code in CODES:
            assert_error(response, response.status_code, CODES[response.status_code])
    stored = fresh().scalars(sa.select(ReservationMessage.body)).all()
    assert stored == (["Myöhästyn 10 min"] if write == 201 else [])
    if read == 200:
        assert [m["body"] for m in got.get_json()] == stored


def test_the_thread_in_the_contracts_shape_oldest_first(client, world):
    users = world["users"]
    first = client.post(
        _url(world), json={"body": "Olen portilla klo 15"}, headers=bearer_header(users["reserver"])
    )
    assert first.status_code == 201
    assert set(first.get_json()) == {"id", "body", "author", "created_at"}
    client.post(
        _url(world), json={"body": "Hyvä, portti B on auki"}, headers=bearer_header(users["seller"])
    )
    thread = client.get(_url(world), headers=bearer_header(users["city"])).get_json()
    assert [(m["body"], m["author"]) for m in thread] == [
        (
            "Olen portilla klo 15",
            {"display_name": "Aino Virtanen", "side": "taker", "organization": None},
        ),
        (
            "Hyvä, portti B on auki",
            {"display_name": "Mikko Laine", "side": "seller", "organization": "Kera Purku Oy"},
        ),
    ]
    assert thread[0]["id"] == first.get_json()["id"] < thread[1]["id"]
    assert datetime.fromisoformat(thread[0]["created_at"]) == NOON  # UTC, ISO 8601


GOOD = [
    ("x", "x"),
    ("x" * 2000, "x" * 2000),
    ("  \n" + "y" * 2000 + "\n  ", "y" * 2000),  # 2000 once trimmed
    ("Rivi 1\r\nRivi 2\n\nRivi 4", "Rivi 1\nRivi 2\n\nRivi 4"),  # line breaks kept, as "\n"
    ("<script>alert(1)</script> & <b>", "<script>alert(1)</script> & <b>"),  # stored as typed
]


@pytest.mark.parametrize("sent, stored", GOOD, ids=["1", "2000", "trimmed", "lines", "html"])
def test_bodies_within_the_limits_are_stored_as_typed(client, world, sent, stored):
    response = client.post(
        _url(world), json={"body": sent}, headers=bearer_header(world["users"]["reserver"])
    )
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["body"] == stored
    assert fresh().scalar(sa.select(ReservationMessage.body)) == stored


BAD = [
    ({"body": ""}, 422, "validation_failed", "body"),
    ({"body": "x" * 2001}, 422, "validation_failed", "body"),
    ({"body": " \n\t \r\n "}, 422, "validation_failed", "body"),  # whitespace only
    ({"body": "bell\x07"}, 422, "validation_failed", "body"),  # control characters
    ({"body": 42}, 422, "validation_failed", "body"),  # not a string
    ({"body": ["a"]}, 422, "validation_failed", "body"),
    ({"body": None}, 422, "validation_failed", "body"),
    ({}, 422, "validation_failed", "body"),  # missing
    ({"body": "hi", "author_id": 1}, 422, "unknown_field", "author_id"),  # no mass assignment
]


@pytest.mark.parametrize("body, status, code, field", BAD)
def test_bodies_outside_the_limits_get_the_contracts_error(
    client, world, body, status, code, field
):
    response = client.post(_url(world), json=body, headers=bearer_header(world["users"]["seller"]))
    assert_error(response, status, code, fields=[field])
    assert fresh().scalar(sa.select(sa.func.count(ReservationMessage.id))) == 0


def test_unreadable_and_huge_requests_get_the_contracts_error(client, world):
    headers = bearer_header(world["users"]["seller"])
    assert_error(
        client.post(
            _url(world), data="{not json", headers={**headers, "Content-Type": "application/json"}
        ),
        400,
        "bad_request",
    )
    assert_error(client.post(_url(world), json=["body"], headers=headers), 400, "bad_request")
    assert_error(
        client.post(_url(world), data="body=hi", headers=headers), 415, "unsupported_media_type"
    )
    huge = client.post(_url(world), json={"body": "x" * 70_000}, headers=headers)
    assert_error(huge, 413, "payload_too_large")
    assert fresh().scalar(sa.select(sa.func.count(ReservationMessage.id))) == 0


@pytest.mark.parametrize("reservation_id", ["999999", "2147483648", "9223372036854775808", "0"])
def test_unknown_or_out_of_range_reservations_are_404(client, world, reservation_id):
    headers = bearer_header(world["users"]["city"])
    url = f"/api/v1/reservations/{reservation_id}/messages"
    assert_error(client.get(url, headers=headers), 404, "not_found")
    seller = bearer_header(world["users"]["seller"])
    assert_error(client.post(url, json={"body": "hi"}, headers=seller), 404, "not_found")


def test_an_unconfirmed_account_may_not_write(client, world):
    colleague = world["users"]["colleague"]
    db.session.get(User, colleague.id).email_confirmed_at = None
    db.session.commit()
    response = client.post(_url(world), json={"body": "hi"}, headers=bearer_header(colleague))
    assert_error(response, 403, "unconfirmed")


def _notes(user) -> list[Notification]:
    return fresh().scalars(sa.select(Notification).where(Notification.user_id == user.id)).all()


def test_the_other_side_is_notified(client, world):
    users = world["users"]
    deliver()  # the reservation's own notifications
    before = {role: len(_notes(u)) for role, u in users.items()}
    client.post(
        _url(world),
        json={"body": "Myöhästyn <b>10 min</b>"},
        headers=bearer_header(users["reserver"]),
    )
    deliver()
    new = {role: _notes(u)[before[role] :] for role, u in users.items()}
    assert {role: len(n) for role, n in new.items()} == {
        "reserver": 0,
        "seller": 1,
        "colleague": 1,  # every builder of the listing's organisation
        "other_builder": 0,
        "resident": 0,
        "city": 0,
    }
    note = new["seller"][0]
    assert note.kind == "message.posted"
    assert note.data["reservation_id"] == world["reservation"].id and note.data["side"] == "taker"
    assert "10 min" not in str(note.data)  # the text stays in the thread, not in notifications
    deliver()  # a replayed delivery writes nothing twice
    assert len(_notes(users["seller"])) == before["seller"] + 1

    client.post(_url(world), json={"body": "Ok"}, headers=bearer_header(users["colleague"]))
    deliver()
    assert [n.kind for n in _notes(users["reserver"])[before["reserver"] :]] == ["message.posted"]
    assert len(_notes(users["seller"])) == before["seller"] + 1  # not the writer's colleagues
    assert len(_notes(users["colleague"])) == before["colleague"] + 1  # nor the writer


def test_the_notification_is_emailed_without_the_text(tmp_path, smtp):  # noqa: F811
    port, inbox = smtp
    app = make_app(tmp_path, MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    with app.app_context():
        world = _world()
        client = english_client(app)
        seller = bearer_header(world["users"]["seller"])
        assert (
            client.post(
                _url(world), json={"body": "Salainen koodi 1234"}, headers=seller
            ).status_code
            == 201
        )
        deliver()
    to_aino = [m for m in inbox.messages if m["To"] == "aino@example.com"]
    bodies = [m.get_body(("plain",)).get_content() for m in to_aino]
    about = [b for b in bodies if "wrote to you" in b]
    assert len(about) == 1
    assert "Kera Purku Oy wrote to you about your reservation of “Punatiili MRT75”" in about[0]
    assert f"/reservations/{world['reservation'].id}#messages" in about[0]
    assert "Salainen" not in about[0]


def _limited_app(tmp_path):
    return make_app(tmp_path, RATELIMIT_ENABLED=True, MESSAGE_LIMIT="3/minute")


def test_writing_is_throttled_per_writer_and_reservation(tmp_path):
    app = _limited_app(tmp_path)
    with app.app_context():
        world = _world()
        client = english_client(app)
        users = world["users"]
        taker = bearer_header(users["reserver"])
        statuses = [
            client.post(_url(world), json={"body": f"Viesti {n}"}, headers=taker).status_code
            for n in range(4)
        ]
        assert statuses == [201, 201, 201, 429]
        limited = client.post(_url(world), json={"body": "Vielä"}, headers=taker)
        assert_error(limited, 429, "rate_limited")
        assert limited.headers.get("Retry-After")
        # The other side, and the same writer about another reservation, are not held back.
        seller = bearer_header(users["seller"])
        assert client.post(_url(world), json={"body": "Selvä"}, headers=seller).status_code == 201
        other = reservations.reservation_create(
            user_id=users["reserver"].id, listing_id=world["listing"].id, quantity="1"
        )
        url = f"/api/v1/reservations/{other.id}/messages"
        assert client.post(url, json={"body": "Toinen"}, headers=taker).status_code == 201
        assert client.get(_url(world), headers=taker).status_code == 200  # reading is not limited
        assert fresh().scalar(sa.select(sa.func.count(ReservationMessage.id))) == 5


def test_the_page_and_the_api_share_one_counter(tmp_path):
    app = _limited_app(tmp_path)
    with app.app_context():
        world = _world()
        taker = world["users"]["reserver"]
        page = app.test_client()
        assert (
            page.post(
                "/login", data={"email": taker.email, "password": factories.PASSWORD}
            ).status_code
            == 302
        )
        url = f"/reservations/{world['reservation'].id}/messages"
        assert [page.post(url, data={"body": f"Sivulta {n}"}).status_code for n in range(2)] == [
            302,
            302,
        ]
        api = english_client(app)
        headers = bearer_header(taker)
        assert api.post(_url(world), json={"body": "API"}, headers=headers).status_code == 201
        assert_error(api.post(_url(world), json={"body": "API"}, headers=headers), 429)
        assert page.post(url, data={"body": "Sivulta"}).status_code == 429


def test_messages_are_in_the_export_and_go_with_the_account(client, world):
    users = world["users"]
    taker = bearer_header(users["reserver"])
    client.post(_url(world), json={"body": "Tulen huomenna"}, headers=taker)
    client.post(_url(world), json={"body": "Tervetuloa"}, headers=bearer_header(users["seller"]))
    export = client.get("/api/v1/me/export", headers=taker).get_json()
    assert [(m["reservation_id"], m["body"]) for m in export["messages"]] == [
        (world["reservation"].id, "Tulen huomenna")
    ]
    seller_export = client.get("/api/v1/me/export", headers=bearer_header(users["seller"]))
    assert [m["body"] for m in seller_export.get_json()["messages"]] == ["Tervetuloa"]
    deleted = client.delete("/api/v1/me", json={"password": factories.PASSWORD}, headers=taker)
    assert deleted.status_code == 200
    thread = client.get(_url(world), headers=bearer_header(users["seller"])).get_json()
    assert [m["body"] for m in thread] == ["Tervetuloa"]  # the seller's own words stay
    assert "Tulen huomenna" not in str(fresh().scalars(sa.select(ReservationMessage.body)).all())


def test_a_conversation_on_each_database(any_db):
    """The thread, the notification and erasure on SQLite and, with TEST_DATABASE_URL, on
    PostgreSQL."""
    world = _world()
    client = english_client(any_db)
    users = world["users"]
    taker = bearer_header(users["reserver"])
    for headers, body in ((taker, "Tulen klo 15"), (bearer_header(users["seller"]), "Selvä")):
        assert client.post(_url(world), json={"body": body}, headers=headers).status_code == 201
    deliver()
    assert [n.kind for n in _notes(users["reserver"])][-1] == "message.posted"
    thread = client.get(_url(world), headers=bearer_header(users["city"])).get_json()
    assert [(m["author"]["side"], m["body"]) for m in thread] == [
        ("taker", "Tulen klo 15"),
        ("seller", "Selvä"),
    ]
    client.delete("/api/v1/me", json={"password": factories.PASSWORD}, headers=taker)
    assert fresh().scalars(sa.select(ReservationMessage.body)).all() == ["Selvä"]


def test_reading_a_thread_costs_the_same_statements_for_1_message_as_for_40(app, client, world):
    """The selector loads the authors with the messages; the presenter queries nothing more."""
    from marketplace.services import messages as message_services

    from .test_reservations_queries import statements_for

    users = world["users"]
    short, long = (
        world["reservation"],
        reservations.reservation_create(
            user_id=users["reserver"].id, listing_id=world["listing"].id, quantity="1"
        ),
    )
    for reservation, n in ((short, 1), (long, 40)):
        for i in range(n):
            writer = users["reserver" if i % 2 else "colleague"]
            message_services.message_post(
                user_id=writer.id, reservation_id=reservation.id, body=f"Viesti {i}"
            )
    token = bearer_header(users["city"])["Authorization"].split()[1]
    statements_for(client, app, _url(world), token)  # the token's first use is written down
    counts = []
    for reservation, n in ((short, 1), (long, 40)):
        url = f"/api/v1/reservations/{reservation.id}/messages"
        count, body = statements_for(client, app, url, token)
        assert len(body) == n and {m["author"]["side"] for m in body} >= {"seller"}
        counts.append(count)
    assert counts[0] == counts[1], counts
