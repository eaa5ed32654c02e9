"""Alerts both ways between wanted posts and listings, through the outbox: at most once per
(post, listing) pair, also when the worker replays a message; in-app and by e-mail."""

from datetime import timedelta

import sqlalchemy as sa

from marketplace import clock, outbox
from marketplace.extensions import db
from marketplace.models import Notification, OutboxMessage, OutboxStatus, WantedAlert
from marketplace.services import listings as listing_services
from marketplace.services import wanted as wanted_services
from tests import factories
from tests.helpers import deliver, fresh

from ..conftest import make_app
from .test_notifications import smtp  # noqa: F401 - the SMTP fixture


def _want(owner, **overrides):
    values = {
        "title": "Tiiliä muuriin",
        "category": "brick",
        "quantity": "100",
        "unit": "pcs",
        "needed_by": clock.today() + timedelta(days=20),
    }
    values.update(overrides)
    return wanted_services.wanted_create(user_id=owner.id, **values)


def _notes(user_id, kind):
    return (
        fresh()
        .scalars(
            sa.select(Notification).where(
                Notification.user_id == user_id, Notification.kind == kind
            )
        )
        .all()
    )


def _replay(topic):
    """What a worker that died after the handler's commit leaves: the message due again."""
    db.session.rollback()
    db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.topic == topic)
        .values(status=OutboxStatus.PENDING, locked_until=None, locked_by="")
    )
    db.session.commit()
    deliver()


def test_a_new_listing_tells_the_poster_once_even_when_replayed(any_db):
    poster = factories.resident()
    wanted = _want(poster)
    deliver()
    seller = factories.builder(org_name="Purku Oy")
    listing = factories.listing(seller, title="Punatiili MRT75")
    deliver()
    notes = _notes(poster.id, "wanted.matched")
    assert len(notes) == 1
    assert notes[0].data["listing_id"] == listing.id and notes[0].data["wanted_id"] == wanted.id
    assert notes[0].data["organization"] == "Purku Oy"
    _replay("listing.indexed")
    _replay("listing.changed")
    assert len(_notes(poster.id, "wanted.matched")) == 1
    pairs = fresh().scalar(sa.select(sa.func.count()).select_from(WantedAlert))
    assert pairs == 1


def test_a_new_post_tells_the_matching_organisations_builders_once(any_db):
    seller = factories.builder(org_name="Purku Oy")
    colleague = factories.builder(org=seller.organization)
    factories.listing(seller)
    bystander = factories.builder()  # no listing: hears nothing
    deliver()
    poster = factories.resident()
    wanted = _want(poster)
    deliver()
    for builder in (seller, colleague):
        notes = _notes(builder.id, "wanted.listing_matched")
        assert len(notes) == 1 and notes[0].data["wanted_id"] == wanted.id
    assert _notes(bystander.id, "wanted.listing_matched") == []
    _replay("wanted.created")
    assert len(_notes(seller.id, "wanted.listing_matched")) == 1
    # The pair is done: restocking the same listing does not tell the poster about it again.
    assert len(_notes(poster.id, "wanted.matched")) == 0


def test_a_restocked_listing_alerts_a_post_it_now_matches(app):
    seller = factories.builder()
    listing = factories.listing(seller, available_until=clock.today() + timedelta(days=5))
    deliver()
    poster = factories.resident()
    _want(poster, needed_from=clock.today() + timedelta(days=10))  # window after the lot's
    deliver()
    assert _notes(poster.id, "wanted.matched") == []
    listing_services.listing_update(
        user_id=seller.id,
        listing_id=listing.id,
        available_until=clock.today() + timedelta(days=15),
    )
    deliver()
    assert len(_notes(poster.id, "wanted.matched")) == 1


def test_no_alert_for_what_the_poster_may_not_see_or_did_not_ask_for(app):
    poster = factories.resident()
    _want(poster)
    deliver()
    unverified = factories.unverified_builder()
    factories.site(unverified)
    factories.listing(unverified)  # pending_review: hidden from the poster
    factories.listing(factories.builder(), category="timber", title="Lauta", unit="m3")
    deliver()
    assert _notes(poster.id, "wanted.matched") == []


def test_closed_posts_are_not_alerted(app):
    poster = factories.resident()
    wanted = _want(poster)
    wanted_services.wanted_close(user_id=poster.id, wanted_id=wanted.id)
    deliver()
    factories.listing(factories.builder())
    deliver()
    assert _notes(poster.id, "wanted.matched") == []


def test_the_alert_is_emailed_in_the_recipients_language(tmp_path, smtp):  # noqa: F811
    port, inbox = smtp
    app = make_app(tmp_path, MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    with app.app_context():
        poster = factories.resident(email="sara@example.com", locale="sv")
        _want(poster)
        outbox.run_once()  # no listing yet: nobody to tell
        factories.listing(factories.builder(), title="Tegel, röd")
        outbox.run_once()
    to_sara = [m for m in inbox.messages if m["To"] == "sara@example.com"]
    assert len(to_sara) == 1
    body = to_sara[0].get_body(("plain",)).get_content()
    assert "Tegel, röd" in body and "Hej" in body
