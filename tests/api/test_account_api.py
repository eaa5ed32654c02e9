"""Issue 9 items 1–2 in the API (contract: api-v1-additions.md, "Accounts and e-mail"): password
resets, an unconfirmed account's reservation, "download my data" and deleting the account."""

from datetime import timedelta

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from marketplace import clock
from marketplace.models import Handover, Notification, OutboxMessage, Reservation, User
from marketplace.services import accounts, reservations, saved_searches
from tests import factories
from tests.conftest import NOON
from tests.factories import PASSWORD
from tests.helpers import assert_error, bearer_header, english_client, fresh, sign_in, signed_in
from tests.mailbox import last_link, messages, run_worker, token_of

NEW_PASSWORD = "a brand new passphrase 2026"


@pytest.fixture
def aino(app):
    return factories.resident(email="aino@example.com", display_name="Aino")


def reset_token(client, email="aino@example.com") -> str:
    assert client.post("/api/v1/password-resets", json={"email": email}).status_code == 202
    run_worker()
    return token_of(last_link(email, "/password/reset/"))


# --- password resets ----------------------------------------------------------------------------


def test_a_reset_answers_the_same_for_any_address_and_mails_only_an_account(client, aino):
    known = client.post("/api/v1/password-resets", json={"email": "aino@example.com"})
    unknown = client.post("/api/v1/password-resets", json={"email": "nobody@example.com"})
    assert known.status_code == unknown.status_code == 202
    assert known.get_json() == unknown.get_json() and "60 minutes" in known.get_json()["message"]
    topics = (
        fresh()
        .scalars(
            sa.select(OutboxMessage.payload).where(
                OutboxMessage.topic == "account.password_reset_requested"
            )
        )
        .all()
    )
    assert topics == [{"user_id": aino.id, "email": "aino@example.com"}]  # no token in the outbox
    run_worker()
    assert [m["To"] for m in messages()] == ["aino@example.com"]


def test_a_malformed_address_is_a_validation_error(client):
    assert_error(
        client.post("/api/v1/password-resets", json={"email": "not an address"}),
        422,
        "validation_failed",
        fields=["email"],
    )


def test_confirm_sets_the_password_once_and_kills_sessions_and_tokens(app, client, aino):
    browser = app.test_client()
    sign_in(browser, aino)
    headers = bearer_header(aino)
    token = reset_token(client)
    done = client.post(
        "/api/v1/password-resets/confirm", json={"token": token, "password": NEW_PASSWORD}
    )
    assert done.status_code == 200 and done.get_json()["message"]
    assert_error(client.get("/api/v1/me", headers=headers), 401, "unauthenticated")
    assert not signed_in(browser)
    assert (
        client.post(
            "/api/v1/tokens", json={"email": "aino@example.com", "password": PASSWORD}
        ).status_code
        == 401
    )
    assert (
        client.post(
            "/api/v1/tokens", json={"email": "aino@example.com", "password": NEW_PASSWORD}
        ).status_code
        == 201
    )
    again = client.post(
        "/api/v1/password-resets/confirm",
        json={"token": token, "password": "another long phrase 77"},
    )
    assert_error(again, 400, "invalid_token")


@pytest.mark.parametrize("spoil", ["tampered", "unknown", "expired", "empty", "long"])
def test_a_bad_token_is_invalid_token_and_changes_nothing(client, aino, spoil):
    token = reset_token(client)
    if spoil == "tampered":
        token = token[:-2] + ("xy" if token[-2:] != "xy" else "zz")
    elif spoil == "unknown":
        token = "A" * 43
    elif spoil == "expired":
        clock.set(NOON + timedelta(minutes=60, seconds=1))
    elif spoil == "empty":
        token = ""
    else:
        token = token * 5
    response = client.post(
        "/api/v1/password-resets/confirm", json={"token": token, "password": NEW_PASSWORD}
    )
    assert_error(response, 400, "invalid_token")
    assert (
        client.post(
            "/api/v1/tokens", json={"email": "aino@example.com", "password": PASSWORD}
        ).status_code
        == 201
    )


def test_the_password_rules_of_sign_up_apply_and_leave_the_token_unspent(client, aino):
    token = reset_token(client)
    weak = client.post(
        "/api/v1/password-resets/confirm", json={"token": token, "password": "short"}
    )
    assert_error(weak, 422, "validation_failed", fields=["password"])
    ok = client.post(
        "/api/v1/password-resets/confirm", json={"token": token, "password": NEW_PASSWORD}
    )
    assert ok.status_code == 200


def test_a_newer_password_spends_older_reset_links(client, aino):
    token = reset_token(client)
    accounts.user_change_password(
        user_id=aino.id, current_password=PASSWORD, new_password=NEW_PASSWORD
    )
    response = client.post(
        "/api/v1/password-resets/confirm", json={"token": token, "password": "third long phrase 99"}
    )
    assert_error(response, 400, "invalid_token")


# --- unconfirmed accounts -----------------------------------------------------------------------


def test_an_unconfirmed_resident_cannot_reserve_through_the_api(client, listing):
    accounts.user_signup(email="new@example.com", password=PASSWORD, display_name="New")
    user = fresh().scalar(sa.select(User).where(User.email == "new@example.com"))
    headers = bearer_header(user)
    refused = client.post(
        f"/api/v1/listings/{listing.id}/reservations", json={"quantity": 1}, headers=headers
    )
    assert_error(refused, 403, "unconfirmed")
    assert fresh().scalar(sa.select(sa.func.count()).select_from(Reservation)) == 0
    run_worker()
    link = last_link("new@example.com", "/account/confirm/")
    client.post(link.replace("http://localhost", ""))
    ok = client.post(
        f"/api/v1/listings/{listing.id}/reservations", json={"quantity": 1}, headers=headers
    )
    assert ok.status_code == 201


# --- download my data ---------------------------------------------------------------------------


def test_export_holds_everything_about_the_caller_and_nothing_secret(client, aino, listing):
    reservations.reservation_create(
        user_id=aino.id, listing_id=listing.id, quantity="2", message="Tulen pakulla"
    )
    saved_searches.saved_search_create(
        user_id=aino.id, name="Tiles", params=MultiDict({"q": "tiili"})
    )
    run_worker()
    _token, raw = accounts.token_create(user_id=aino.id, name="laptop")
    body = client.get("/api/v1/me/export", headers={"Authorization": f"Bearer {raw}"}).get_json()
    assert set(body) == {
        "generated_at",
        "account",
        "reservations",
        "saved_searches",
        "notifications",
        "api_tokens",
        "wanted_posts",
        "messages",
    }
    assert body["account"]["email"] == "aino@example.com" and body["account"]["email_confirmed_at"]
    assert [(r["listing_title"], r["quantity"], r["message"]) for r in body["reservations"]] == [
        ("Punatiili MRT75", 2.0, "Tulen pakulla")
    ]
    assert [s["name"] for s in body["saved_searches"]] == ["Tiles"]
    assert "reservation.confirmed" in [n["kind"] for n in body["notifications"]]
    assert [t["name"] for t in body["api_tokens"]] == ["laptop"] and raw not in str(body)
    other = client.get("/api/v1/me/export", headers=bearer_header(factories.resident())).get_json()
    assert other["reservations"] == [] and other["saved_searches"] == []
    assert_error(client.get("/api/v1/me/export"), 401, "unauthenticated")


# --- deleting the account -----------------------------------------------------------------------


def impact(client) -> tuple:
    body = client.get("/api/v1/impact").get_json()
    return body["diverted_kg"], body["co2e_avoided_kg"], body["handovers"]


def test_deleting_keeps_the_ledger_and_erases_the_person(app, client, aino, builder, listing):
    collected = reservations.reservation_create(
        user_id=aino.id, listing_id=listing.id, quantity="3"
    )
    reservations.reservation_collect(
        user_id=builder.id, reservation_id=collected.id, weighed_kg="7.125"
    )
    still_open = reservations.reservation_create(
        user_id=aino.id, listing_id=listing.id, quantity="1", message="Soitan portilta"
    )
    saved_searches.saved_search_create(
        user_id=aino.id, name="Tiles", params=MultiDict({"q": "tiili"})
    )
    run_worker()
    headers = bearer_header(aino)
    before = impact(client)
    assert before[0] == 7.125
    wrong = client.delete("/api/v1/me", json={"password": "not the password"}, headers=headers)
    assert_error(wrong, 422, "validation_failed", fields=["password"])
    assert (
        client.delete("/api/v1/me", json={"password": PASSWORD}, headers=headers).status_code == 200
    )
    assert_error(client.get("/api/v1/me", headers=headers), 401, "unauthenticated")
    assert impact(client) == before  # to the gram
    session = fresh()
    gone = session.get(User, aino.id)
    assert (gone.display_name, gone.active, gone.email.endswith("@deleted.invalid")) == (
        "",
        False,
        True,
    )
    handover = session.scalar(sa.select(Handover).where(Handover.reservation_id == collected.id))
    assert handover.receiver_id == aino.id and str(handover.mass_kg) == "7.125"
    cancelled = session.get(Reservation, still_open.id)
    assert cancelled.status == "cancelled" and cancelled.message == ""
    assert session.scalar(sa.select(sa.func.count()).where(Notification.user_id == aino.id)) == 0
    run_worker()
    told = (
        fresh()
        .scalars(
            sa.select(Notification).where(
                Notification.user_id == builder.id, Notification.kind == "reservation.cancelled"
            )
        )
        .all()
    )
    assert len(told) == 1 and told[0].data["taker"] == ""
    assert all(n.data.get("taker") != "Aino" for n in fresh().scalars(sa.select(Notification)))
    again = accounts.user_signup(
        email="aino@example.com", password=PASSWORD, display_name="Aino again"
    )
    assert again is not None and again.id != aino.id  # the address is free again


def test_the_last_builder_of_an_organisation_with_open_listings_is_refused(
    client, builder, listing
):
    response = client.delete(
        "/api/v1/me", json={"password": PASSWORD}, headers=bearer_header(builder)
    )
    assert_error(response, 409, "organization_has_open_listings")
    assert fresh().get(User, builder.id).active
    colleague = factories.builder(org=builder.organization)
    assert (
        client.delete(
            "/api/v1/me", json={"password": PASSWORD}, headers=bearer_header(colleague)
        ).status_code
        == 200
    )


def test_reset_and_deletion_on_both_databases(any_db):
    """The row locks and bulk updates of a reset and an erasure, on SQLite and PostgreSQL."""
    client = english_client(any_db)
    seller = factories.builder()
    listing = factories.listing(seller)
    aino = factories.resident(email="aino@example.com")
    handed = reservations.reservation_create(user_id=aino.id, listing_id=listing.id, quantity="2")
    reservations.reservation_collect(user_id=seller.id, reservation_id=handed.id)
    reservations.reservation_create(user_id=aino.id, listing_id=listing.id, quantity="1")
    before = impact(client)
    token = reset_token(client)
    body = {"token": token, "password": NEW_PASSWORD}
    assert client.post("/api/v1/password-resets/confirm", json=body).status_code == 200
    assert_error(client.post("/api/v1/password-resets/confirm", json=body), 400, "invalid_token")
    headers = bearer_header(fresh().get(User, aino.id))
    deleted = client.delete("/api/v1/me", json={"password": NEW_PASSWORD}, headers=headers)
    assert deleted.status_code == 200
    assert_error(client.get("/api/v1/me", headers=headers), 401, "unauthenticated")
    assert impact(client) == before
    assert (
        fresh().scalar(
            sa.select(sa.func.count()).where(
                Reservation.status.in_(("confirmed", "pending_payment"))
            )
        )
        == 0
    )
