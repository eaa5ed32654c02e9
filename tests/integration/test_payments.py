"""Payments with Stripe, end to end: the requests we send (to a local server answering like
Stripe), webhooks with real signatures from a test secret, settlement through the outbox, and
the offline mode."""

import hashlib
import hmac
import json
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace import clock, outbox
from marketplace.database import write_transaction
from marketplace.extensions import db
from marketplace.models import Organization, Payment, Reservation

from ..conftest import NOON, AuthActions, make_app
from ..helpers import bearer_header
from .stripe_fake import FakeStripe

SECRET = "whsec_test_secret"


@pytest.fixture
def stripe_server():
    fake = FakeStripe().start()
    yield fake
    fake.stop()


@pytest.fixture
def app(tmp_path, stripe_server):
    app = make_app(
        tmp_path,
        STRIPE_SECRET_KEY="sk_test_kera",
        STRIPE_WEBHOOK_SECRET=SECRET,
        STRIPE_API_BASE=stripe_server.url,
        STRIPE_TIMEOUT_S=1,
    )
    with app.app_context():
        yield app
        db.session.remove()


def sign(payload: bytes, secret=SECRET, timestamp=None) -> str:
    t = int(timestamp if timestamp is not None else time.time())
    mac = hmac.new(secret.encode(), f"{t}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


def post_event(client, event: dict, **sign_kwargs):
    payload = json.dumps(event).encode()
    return client.post(
        "/webhooks/stripe",
        data=payload,
        content_type="application/json",
        headers={"Stripe-Signature": sign(payload, **sign_kwargs)},
    )


def event(kind: str, obj: dict, event_id=None) -> dict:
    return {
        "id": event_id or f"evt_{kind}_{obj.get('id')}",
        "object": "event",
        "type": kind,
        "livemode": False,
        "created": int(time.time()),
        "data": {"object": obj},
    }


def bearer(user):
    """A token header, messages in English."""
    return bearer_header(user, "en")


@pytest.fixture
def shop(app, make):
    """A builder whose organisation can take charges, a priced lot and a free lot with a deposit."""
    seller = make.builder()
    with write_transaction() as session:
        org = session.get(Organization, seller.organization_id)
        org.stripe_account_id, org.charges_enabled, org.payouts_enabled = "acct_builder", True, True
    priced = make.listing(
        seller,
        title="Tiilet",
        quantity="40",
        unit="m2",
        category="brick",
        price_cents=350,
        late_cancel_fee_percent=20,
        kg_per_unit="194",
    )
    deposit = make.listing(
        seller, title="Väliovet", quantity="6", unit="pcs", category="door", deposit_cents=2000
    )
    return {"seller": seller, "taker": make.resident(), "priced": priced, "deposit": deposit}


def pickup(days=1, hour=9):
    return NOON.replace(hour=hour - 2) + timedelta(days=days)


def reserve(client, shop, listing="priced", quantity="12.5", days=1):
    return client.post(
        f"/api/v1/listings/{shop[listing].id}/reservations",
        json={"quantity": quantity, "pickup_at": pickup(days).isoformat()},
        headers=bearer(shop["taker"]),
    )


def completed(session_id, reservation_id, kind="charge", pi="pi_1", payment_status="paid"):
    return event(
        "checkout.session.completed",
        {
            "id": session_id,
            "object": "checkout.session",
            "status": "complete",
            "payment_status": payment_status,
            "payment_intent": pi,
            "client_reference_id": str(reservation_id),
            "metadata": {"reservation_id": str(reservation_id), "kind": kind},
        },
    )


def state(reservation_id):
    db.session.rollback()
    reservation = db.session.get(Reservation, reservation_id)
    payment = db.session.scalar(sa.select(Payment).where(Payment.reservation_id == reservation_id))
    return reservation, payment


# --- what we send to Stripe --------------------------------------------------------------------


def test_a_paid_lot_holds_the_quantity_and_opens_checkout(client, shop, stripe_server):
    response = reserve(client, shop)
    assert response.status_code == 201
    body = response.json
    assert body["status"] == "pending_payment" and body["checkout_url"].startswith(
        "https://checkout.stripe.com/"
    )
    sent = stripe_server.calls("/v1/checkout/sessions")[0]
    p = sent["params"]
    assert p["line_items[0][price_data][unit_amount]"] == "4375"  # 12.5 m2 × 3.50 €
    assert p["line_items[0][price_data][currency]"] == "eur"
    assert p["client_reference_id"] == str(body["id"]) == p["metadata[reservation_id]"]
    assert p["payment_intent_data[transfer_data][destination]"] == "acct_builder"
    assert "payment_intent_data[capture_method]" not in p
    assert (
        int(p["expires_at"]) - time.mktime(clock.now().timetuple()) >= 30 * 60 - 5
        or int(p["expires_at"]) >= int(clock.now().timestamp()) + 30 * 60
    )
    assert sent["idempotency_key"] == f"reservation:{body['id']}:checkout:charge"
    assert sent["authorization"] == "Bearer sk_test_kera"
    listing = client.get(f"/api/v1/listings/{shop['priced'].id}").json
    assert listing["quantity_available"] == 27.5  # held while paying


@pytest.mark.parametrize(
    "language, charge, deposit",
    [
        ("fi", "Tiilet – 12,5 m²", "Varausmaksu: Väliovet"),
        ("sv", "Tiilet – 12,5 m²", "Reservationsdeposition: Väliovet"),
        ("en", "Tiilet – 12.5 m²", "No-show deposit: Väliovet"),
    ],
)
def test_stripe_shows_the_line_in_the_payers_language(
    client, shop, stripe_server, language, charge, deposit
):
    for listing, quantity, days, expected in (
        ("priced", "12.5", 1, charge),
        ("deposit", "1", 2, deposit),
    ):
        response = client.post(
            f"/api/v1/listings/{shop[listing].id}/reservations",
            json={"quantity": quantity, "pickup_at": pickup(days).isoformat()},
            headers=bearer_header(shop["taker"], language),
        )
        assert response.status_code == 201
        params = stripe_server.calls("/v1/checkout/sessions")[-1]["params"]
        assert params["line_items[0][price_data][product_data][name]"] == expected
        assert params["locale"] == language


def test_asking_for_checkout_again_reuses_the_session(client, shop, stripe_server):
    body = reserve(client, shop).json
    again = client.post(
        f"/api/v1/reservations/{body['id']}/checkout", headers=bearer(shop["taker"])
    )
    assert again.status_code == 200 and again.json["checkout_url"] == body["checkout_url"]
    assert len(stripe_server.calls("/v1/checkout/sessions")) == 1


def test_a_platform_fee_is_sent_when_configured(app, client, shop, stripe_server):
    app.config["STRIPE_PLATFORM_FEE_PERCENT"] = 5
    reserve(client, shop, quantity="10")
    params = stripe_server.calls("/v1/checkout/sessions")[0]["params"]
    assert params["payment_intent_data[application_fee_amount]"] == "175"  # 5 % of 35.00 €


def test_a_deposit_is_a_manual_capture_hold_and_needs_a_near_pickup(client, shop, stripe_server):
    too_far = reserve(client, shop, listing="deposit", quantity="1", days=8)
    assert too_far.status_code == 422 and "pickup_at" in too_far.json["error"]["fields"]
    ok = reserve(client, shop, listing="deposit", quantity="1", days=2)
    assert ok.status_code == 201 and ok.json["status"] == "pending_payment"
    params = stripe_server.calls("/v1/checkout/sessions")[-1]["params"]
    assert params["payment_intent_data[capture_method]"] == "manual"
    assert params["line_items[0][price_data][unit_amount]"] == "2000"


@pytest.mark.parametrize("failure", ["400", "500", "timeout"])
def test_stripe_failing_at_checkout_releases_the_hold_and_charges_nothing(
    client, shop, stripe_server, failure
):
    if failure == "timeout":
        stripe_server.delay = 2
    else:
        stripe_server.fail_next(
            "/v1/checkout/sessions",
            int(failure),
            kind="invalid_request_error" if failure == "400" else "api_error",
        )
    response = reserve(client, shop)
    assert response.status_code == 502
    assert "nothing was charged" in response.json["error"]["message"]
    reservation = db.session.scalar(sa.select(Reservation))
    _r, payment = state(reservation.id)
    assert _r.status == "cancelled" and payment.status == "failed"
    assert client.get(f"/api/v1/listings/{shop['priced'].id}").json["quantity_available"] == 40


# --- webhooks ----------------------------------------------------------------------------------


def test_a_signed_completed_event_confirms_the_reservation(client, shop):
    body = reserve(client, shop).json
    _r, payment = state(body["id"])
    response = post_event(client, completed(payment.checkout_session_id, body["id"]))
    assert response.status_code == 200 and response.json["result"] == "applied"
    reservation, payment = state(body["id"])
    assert (reservation.status, payment.status, payment.payment_intent_id) == (
        "confirmed",
        "paid",
        "pi_1",
    )
    assert reservation.expires_at > pickup()  # now held until pickup + grace


@pytest.mark.parametrize("tamper", ["body", "secret", "stale", "missing"])
def test_bad_signatures_are_refused_and_change_nothing(client, shop, tamper):
    body = reserve(client, shop).json
    _r, payment = state(body["id"])
    payload = json.dumps(completed(payment.checkout_session_id, body["id"])).encode()
    header = sign(
        payload,
        secret="whsec_wrong" if tamper == "secret" else SECRET,
        timestamp=time.time() - 400 if tamper == "stale" else None,
    )
    if tamper == "body":
        payload = payload.replace(b'"paid"', b'"PAID"')
    headers = {} if tamper == "missing" else {"Stripe-Signature": header}
    response = client.post(
        "/webhooks/stripe", data=payload, content_type="application/json", headers=headers
    )
    assert response.status_code == 400 and response.json["error"]["code"] == "invalid_signature"
    reservation, payment = state(body["id"])
    assert (reservation.status, payment.status) == ("pending_payment", "open")


def test_a_replayed_event_does_nothing_the_second_time(client, shop):
    body = reserve(client, shop).json
    _r, payment = state(body["id"])
    evt = completed(payment.checkout_session_id, body["id"])
    assert post_event(client, evt).json["result"] == "applied"
    assert post_event(client, evt).json["result"] == "duplicate"
    _r, payment = state(body["id"])
    assert [e.status for e in payment.history] == ["open", "paid"]


def test_expired_after_completed_changes_nothing(client, shop):
    body = reserve(client, shop).json
    _r, payment = state(body["id"])
    post_event(client, completed(payment.checkout_session_id, body["id"]))
    late = event(
        "checkout.session.expired",
        {
            "id": payment.checkout_session_id,
            "object": "checkout.session",
            "status": "expired",
            "metadata": {"reservation_id": str(body["id"])},
        },
    )
    assert post_event(client, late).status_code == 200
    reservation, payment = state(body["id"])
    assert (reservation.status, payment.status) == ("confirmed", "paid")


def test_an_expired_checkout_releases_the_quantity(client, shop):
    body = reserve(client, shop).json
    _r, payment = state(body["id"])
    post_event(
        client,
        event("checkout.session.expired", {"id": payment.checkout_session_id, "status": "expired"}),
    )
    reservation, payment = state(body["id"])
    assert (reservation.status, payment.status) == ("cancelled", "expired")
    assert client.get(f"/api/v1/listings/{shop['priced'].id}").json["quantity_available"] == 40


def test_an_async_payment_failure_cancels(client, shop):
    body = reserve(client, shop).json
    _r, payment = state(body["id"])
    post_event(client, completed(payment.checkout_session_id, body["id"], payment_status="unpaid"))
    assert state(body["id"])[0].status == "pending_payment"  # waiting for the bank
    post_event(
        client, event("checkout.session.async_payment_failed", {"id": payment.checkout_session_id})
    )
    reservation, payment = state(body["id"])
    assert (reservation.status, payment.status) == ("cancelled", "failed")


def test_unknown_event_types_are_acknowledged_and_ignored(client):
    response = post_event(client, event("customer.created", {"id": "cus_1"}))
    assert (response.status_code, response.json["result"]) == (200, "ignored")


def test_a_payment_arriving_after_the_hold_lapsed_is_refunded(client, shop, stripe_server):
    body = reserve(client, shop).json
    _r, payment = state(body["id"])
    clock.set(NOON + timedelta(minutes=40))
    outbox.run_once()  # our hold expires
    assert state(body["id"])[0].status == "expired"
    post_event(client, completed(payment.checkout_session_id, body["id"]))
    outbox.run_once()
    refund = stripe_server.calls("/v1/refunds")
    assert len(refund) == 1 and refund[0]["params"]["amount"] == "4375"
    assert state(body["id"])[1].status == "refunded"


def test_the_webhook_needs_no_csrf_token(tmp_path, stripe_server, make):
    app = make_app(
        tmp_path / "csrf",
        STRIPE_SECRET_KEY="sk_test_kera",
        STRIPE_WEBHOOK_SECRET=SECRET,
        STRIPE_API_BASE=stripe_server.url,
        WTF_CSRF_ENABLED=True,
    )
    with app.app_context():
        response = post_event(app.test_client(), event("customer.created", {"id": "cus_1"}))
        assert response.status_code == 200
        assert (
            app.test_client().post("/language", data={"locale": "sv"}).status_code == 400
        )  # others do


# --- settlement through the outbox -------------------------------------------------------------


def paid(client, shop, quantity="12.5", days=1):
    body = reserve(client, shop, quantity=quantity, days=days).json
    _r, payment = state(body["id"])
    post_event(client, completed(payment.checkout_session_id, body["id"], pi=f"pi_{body['id']}"))
    return body["id"]


def held(client, shop, days=2):
    body = reserve(client, shop, listing="deposit", quantity="1", days=days).json
    _r, payment = state(body["id"])
    post_event(
        client,
        completed(
            payment.checkout_session_id,
            body["id"],
            kind="deposit",
            pi=f"pi_d{body['id']}",
            payment_status="unpaid",
        ),
    )
    return body["id"]


def test_paid_then_collected_keeps_the_money(client, shop, stripe_server):
    reservation_id = paid(client, shop)
    response = client.post(
        f"/api/v1/reservations/{reservation_id}/collect", headers=bearer(shop["seller"])
    )
    assert (
        response.json["status"] == "collected" and response.json["payments"][0]["status"] == "paid"
    )
    outbox.run_once()
    assert stripe_server.calls("/v1/refunds") == []


def test_paid_then_cancelled_in_time_is_refunded_in_full_once(client, shop, stripe_server):
    reservation_id = paid(client, shop, days=2)
    client.post(f"/api/v1/reservations/{reservation_id}/cancel", headers=bearer(shop["taker"]))
    stripe_server.fail_next("/v1/refunds", 500)
    outbox.run_once()  # Stripe down: retried later
    assert state(reservation_id)[1].status == "paid"
    clock.advance(minutes=5)
    outbox.run_once()
    refunds = stripe_server.calls("/v1/refunds")
    assert len(refunds) == 2 and {r["idempotency_key"] for r in refunds} == {
        f"payment:{state(reservation_id)[1].id}:refund"
    }
    params = refunds[-1]["params"]
    assert (params["amount"], params["payment_intent"], params["reverse_transfer"]) == (
        "4375",
        f"pi_{reservation_id}",
        "true",
    )
    _r, payment = state(reservation_id)
    assert (payment.status, payment.refunded_cents) == ("refunded", 4375)


def test_a_late_cancellation_keeps_the_stated_share(client, shop, stripe_server):
    reservation_id = paid(client, shop, days=1)  # pickup in 21 hours
    client.post(f"/api/v1/reservations/{reservation_id}/cancel", headers=bearer(shop["taker"]))
    outbox.run_once()
    assert (
        stripe_server.calls("/v1/refunds")[0]["params"]["amount"] == "3500"
    )  # 20 % of 43.75 € kept
    assert state(reservation_id)[1].status == "partially_refunded"


def test_deposit_then_no_show_is_captured(client, shop, stripe_server):
    reservation_id = held(client, shop)
    assert state(reservation_id)[1].status == "authorized"
    clock.set(pickup(2) + timedelta(minutes=10))
    response = client.post(
        f"/api/v1/reservations/{reservation_id}/no-show", headers=bearer(shop["seller"])
    )
    assert response.status_code == 200
    outbox.run_once()
    capture = stripe_server.calls(f"/v1/payment_intents/pi_d{reservation_id}/capture")
    assert len(capture) == 1 and capture[0]["params"]["amount_to_capture"] == "2000"
    assert state(reservation_id)[1].status == "captured"


def test_deposit_then_collected_is_released(client, shop, stripe_server):
    reservation_id = held(client, shop)
    client.post(f"/api/v1/reservations/{reservation_id}/collect", headers=bearer(shop["seller"]))
    outbox.run_once()
    assert len(stripe_server.calls(f"/v1/payment_intents/pi_d{reservation_id}/cancel")) == 1
    assert state(reservation_id)[1].status == "released"


def test_a_partial_no_show_capture_from_the_page(app, client, shop, stripe_server):
    reservation_id = held(client, shop)
    clock.set(pickup(2) + timedelta(minutes=10))
    seller = app.test_client()
    AuthActions(seller).login(shop["seller"])
    seller.post(f"/reservations/{reservation_id}/no-show", data={"keep": "5,00"})
    outbox.run_once()
    assert (
        stripe_server.calls(f"/v1/payment_intents/pi_d{reservation_id}/capture")[0]["params"][
            "amount_to_capture"
        ]
        == "500"
    )


# --- Connect, pages and exports ----------------------------------------------------------------


def test_connect_onboarding_creates_one_express_account_and_links_to_it(app, make, stripe_server):
    builder = make.builder()
    client = app.test_client()
    AuthActions(client).login(builder)
    first = client.post("/account/payouts/start")
    assert first.status_code == 303 and first.headers["Location"].startswith(
        "https://connect.stripe.com/setup/"
    )
    client.post("/account/payouts/start")
    created = stripe_server.calls("/v1/accounts")
    assert len([c for c in created if c["method"] == "POST"]) == 1
    assert created[0]["params"]["type"] == "express" and created[0]["params"]["country"] == "FI"
    db.session.rollback()
    account = db.session.scalar(
        sa.select(Organization.stripe_account_id).where(Organization.id == builder.organization_id)
    )
    stripe_server.accounts[account]["charges_enabled"] = True
    client.get("/account/payouts/return")
    db.session.rollback()
    assert db.session.get(Organization, builder.organization_id).charges_enabled


def test_account_updated_turns_charges_on_and_off(client, shop):
    post_event(
        client,
        event(
            "account.updated",
            {"id": "acct_builder", "charges_enabled": False, "payouts_enabled": False},
        ),
    )
    db.session.rollback()
    assert not db.session.get(Organization, shop["seller"].organization_id).charges_enabled
    response = reserve(client, shop, quantity="1")  # now: pay at pickup
    assert response.json["status"] == "confirmed" and response.json["checkout_url"] is None


def test_the_reservation_page_shows_the_payment_and_city_can_export(app, client, shop, make):
    reservation_id = paid(client, shop)
    taker = app.test_client()
    AuthActions(taker).login(shop["taker"])
    page = taker.get(f"/reservations/{reservation_id}")
    assert "43,75" in page.text or "43.75" in page.text
    assert client.get("/api/v1/payments.csv", headers=bearer(shop["taker"])).status_code == 403
    csv_text = client.get("/api/v1/payments.csv", headers=bearer(make.city())).text
    assert "charge,paid,4375" in csv_text


def test_offline_mode_says_pay_at_pickup_and_has_no_webhook(tmp_path, make):
    app = make_app(tmp_path / "offline")
    with app.app_context():
        seller = make.builder()
        listing = make.listing(seller, price_cents=500)
        client = app.test_client()
        page = client.get(f"/listings/{listing.id}", headers={"Accept-Language": "en"})
        assert "Pay the seller at pickup" in page.text
        assert client.post("/webhooks/stripe", data=b"{}").status_code == 404
        taker = make.resident()
        response = client.post(
            f"/api/v1/listings/{listing.id}/reservations",
            json={"quantity": 1},
            headers=bearer(taker),
        )
        assert response.json["status"] == "confirmed" and response.json["payments"] == []
        from marketplace.errors import ValidationFailed
        from marketplace.services import listings as listing_services

        with pytest.raises(ValidationFailed) as error:
            listing_services.listing_update(
                user_id=seller.id, listing_id=listing.id, price_cents=0, deposit_cents=1000
            )
        assert "deposit_cents" in error.value.fields
