"""Wanted posts in the API (contract: api-v1-additions.md, "Wanted posts (demand)")."""

from datetime import timedelta

import sqlalchemy as sa

from marketplace import clock
from marketplace.extensions import db
from marketplace.models import OutboxMessage, User, WantedPost
from tests import factories
from tests.helpers import assert_error, bearer_header, fresh


def _body(**overrides):
    body = {
        "title": "Interior doors 9x21",
        "description": "Twenty doors for a renovation",
        "category": "door",
        "quantity": "20",
        "unit": "pcs",
        "needed_from": str(clock.today() + timedelta(days=7)),
        "needed_by": str(clock.today() + timedelta(days=60)),
    }
    body.update(overrides)
    return body


def test_post_browse_read_edit_close(app, client):
    builder = factories.builder(org_name="Rakennus Kera Oy")
    headers = bearer_header(builder, "en")
    created = client.post("/api/v1/wanted", json=_body(max_price_cents=5000), headers=headers)
    assert created.status_code == 201, created.get_json()
    post = created.get_json()
    assert post["status"] == "open" and post["quantity"] == 20 and post["quantity_covered"] == 0
    assert post["radius_km"] == 5 and post["lat"] is None and post["category"] == "door"
    assert post["poster"] == "Rakennus Kera Oy"
    topics = fresh().scalars(sa.select(OutboxMessage.topic)).all()
    assert "wanted.created" in topics

    page = client.get("/api/v1/wanted", query_string={"q": "DOORS renovation"}).get_json()
    assert page["total"] == 1 and page["hits"][0]["id"] == post["id"]
    assert client.get("/api/v1/wanted", query_string={"q": "tiili"}).get_json()["total"] == 0
    assert client.get("/api/v1/wanted", query_string={"category": "brick"}).get_json()["total"] == 0

    one = client.get(f"/api/v1/wanted/{post['id']}").get_json()
    assert one["title"] == "Interior doors 9x21"

    edited = client.patch(
        f"/api/v1/wanted/{post['id']}",
        json={"quantity": "12.5", "max_price_cents": None, "lat": 60.22, "lng": 24.76},
        headers=headers,
    )
    assert edited.status_code == 200, edited.get_json()
    assert edited.get_json()["quantity"] == 12.5 and edited.get_json()["max_price_cents"] is None

    closed = client.delete(f"/api/v1/wanted/{post['id']}", headers=headers)
    assert closed.status_code == 200 and closed.get_json()["status"] == "closed"
    assert client.get("/api/v1/wanted").get_json()["total"] == 0  # only open posts are browsed


def test_public_views_never_name_a_resident(app, client):
    resident = factories.resident(display_name="Aino Virtanen", email="aino@example.com")
    created = client.post("/api/v1/wanted", json=_body(), headers=bearer_header(resident))
    assert created.status_code == 201
    for url in ("/api/v1/wanted", f"/api/v1/wanted/{created.get_json()['id']}"):
        text = client.get(url).get_data(as_text=True)
        assert "Aino" not in text and "aino@example.com" not in text and '"resident"' in text


def test_window_rules_are_422(app, client):
    headers = bearer_header(factories.resident())
    past = client.post(
        "/api/v1/wanted",
        json=_body(needed_by=str(clock.today() - timedelta(days=1))),
        headers=headers,
    )
    assert_error(past, 422, "validation_failed", fields=("needed_by",))
    reversed_ = client.post(
        "/api/v1/wanted",
        json=_body(
            needed_from=str(clock.today() + timedelta(days=9)),
            needed_by=str(clock.today() + timedelta(days=8)),
        ),
        headers=headers,
    )
    assert_error(reversed_, 422, "validation_failed", fields=("needed_by",))
    today = client.post(
        "/api/v1/wanted",
        json=_body(needed_from=None, needed_by=str(clock.today())),
        headers=headers,
    )
    assert today.status_code == 201  # needed today is not in the past
    bad = client.post(
        "/api/v1/wanted",
        json=_body(category="unobtainium", quantity="0", lat=60.2),
        headers=headers,
    )
    assert_error(bad, 422, fields=("category", "quantity", "lng"))
    assert_error(
        client.post("/api/v1/wanted", json=_body(colour="red"), headers=headers),
        422,
        "unknown_field",
    )


def test_unconfirmed_accounts_cannot_post(app, client):
    resident = factories.resident()
    db.session.get(User, resident.id).email_confirmed_at = None
    db.session.commit()
    response = client.post("/api/v1/wanted", json=_body(), headers=bearer_header(resident))
    assert_error(response, 403, "unconfirmed")
    assert fresh().scalar(sa.select(sa.func.count()).select_from(WantedPost)) == 0


def test_only_the_owner_edits_or_closes(app, client):
    owner, other = factories.resident(), factories.resident()
    wanted_id = client.post(
        "/api/v1/wanted", json=_body(), headers=bearer_header(owner)
    ).get_json()["id"]
    other_headers = bearer_header(other)
    assert_error(
        client.patch(
            f"/api/v1/wanted/{wanted_id}", json={"title": "Mine now"}, headers=other_headers
        ),
        403,
        "forbidden",
    )
    assert_error(client.delete(f"/api/v1/wanted/{wanted_id}", headers=other_headers), 403)
    assert_error(client.delete(f"/api/v1/wanted/{wanted_id}"), 401)
    assert_error(client.get("/api/v1/wanted/999999"), 404, "not_found")


def test_a_closed_post_cannot_be_edited(app, client):
    headers = bearer_header(factories.resident())
    wanted_id = client.post("/api/v1/wanted", json=_body(), headers=headers).get_json()["id"]
    client.delete(f"/api/v1/wanted/{wanted_id}", headers=headers)
    response = client.patch(f"/api/v1/wanted/{wanted_id}", json={"title": "Again"}, headers=headers)
    assert_error(response, 409, "invalid_transition")


def test_browse_by_distance_and_bad_parameters(app, client):
    headers = bearer_header(factories.resident())
    near = client.post("/api/v1/wanted", json=_body(title="Near Kera"), headers=headers)
    far = client.post(
        "/api/v1/wanted", json=_body(title="In Helsinki", lat=60.17, lng=24.94), headers=headers
    )
    assert near.status_code == far.status_code == 201
    page = client.get(
        "/api/v1/wanted", query_string={"lat": 60.2161, "lng": 24.7539, "radius_km": 3}
    ).get_json()
    assert [h["title"] for h in page["hits"]] == ["Near Kera"]
    assert page["hits"][0]["distance_km"] < 0.1
    assert_error(client.get("/api/v1/wanted", query_string={"lat": 60.2}), 400, fields=("lng",))
    assert_error(client.get("/api/v1/wanted", query_string={"per_page": 0}), 400)


def test_posts_expire_after_needed_by(app, client):
    from marketplace.services.chores import expire_wanted

    headers = bearer_header(factories.resident())
    wanted_id = client.post(
        "/api/v1/wanted",
        json=_body(needed_from=None, needed_by=str(clock.today())),
        headers=headers,
    ).get_json()["id"]
    assert expire_wanted() == 0
    clock.set(clock.now() + timedelta(days=1))
    assert expire_wanted() == 1
    assert client.get(f"/api/v1/wanted/{wanted_id}").get_json()["status"] == "expired"
    assert client.get("/api/v1/wanted").get_json()["total"] == 0


def test_download_my_data_holds_the_posts_and_deletion_erases_their_text(app, client):
    from marketplace.models import Notification, WantedStatus
    from tests.factories import PASSWORD
    from tests.helpers import deliver

    seller = factories.builder()
    factories.listing(seller)
    resident = factories.resident()
    headers = bearer_header(resident)
    wanted_id = client.post(
        "/api/v1/wanted",
        json=_body(title="Tiiliä Ainon grilliin", category="brick", lat=60.2, lng=24.75),
        headers=headers,
    ).get_json()["id"]
    deliver()
    export = client.get("/api/v1/me/export", headers=headers).get_json()
    assert [(w["id"], w["title"], w["quantity"], w["status"]) for w in export["wanted_posts"]] == [
        (wanted_id, "Tiiliä Ainon grilliin", 20.0, "open")
    ]
    other = client.get("/api/v1/me/export", headers=bearer_header(seller)).get_json()
    assert other["wanted_posts"] == []

    deleted = client.delete("/api/v1/me", json={"password": PASSWORD}, headers=headers)
    assert deleted.status_code == 200
    wanted = fresh().get(WantedPost, wanted_id)
    assert (wanted.status, wanted.title, wanted.description, wanted.lat) == (
        WantedStatus.CLOSED,
        "",
        "",
        None,
    )
    assert wanted.quantity == 20 and wanted.category_slug == "brick"  # the city's figures stay
    notes = (
        fresh()
        .scalars(sa.select(Notification).where(Notification.kind == "wanted.listing_matched"))
        .all()
    )
    assert notes and all(n.data["wanted_title"] == "" for n in notes)
