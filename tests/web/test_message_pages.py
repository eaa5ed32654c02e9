"""Messages about a reservation on its page: who sees the conversation and its form, writing
through the form, plain text shown as text, refused bodies shown next to the field, the
throttle, and the notification that leads to the conversation."""

import re

import pytest
import sqlalchemy as sa

from marketplace.models import ReservationMessage
from marketplace.services import messages, reservations
from tests import factories
from tests.helpers import deliver, fresh, sign_in

from ..conftest import make_app


def _world():
    seller = factories.builder(
        email="seller@example.com", org_name="Kera Purku Oy", display_name="Mikko Laine"
    )
    listing = factories.listing(seller, title="Punatiili MRT75", quantity="100")
    reserver = factories.resident(email="aino@example.com", display_name="Aino Virtanen")
    reservation = reservations.reservation_create(
        user_id=reserver.id, listing_id=listing.id, quantity="10"
    )
    users = {
        "reserver": reserver,
        "seller": seller,
        "other_builder": factories.builder(email="other@example.com"),
        "resident": factories.resident(email="resident@example.com"),
        "city": factories.city(email="city@example.com"),
    }
    return {"users": users, "reservation": reservation}


@pytest.fixture
def world(app):
    return _world()


def _client(app, world, role):
    client = app.test_client()
    if role != "anonymous":
        assert sign_in(client, world["users"][role]).status_code == 302
    return client


def _page(world):
    return f"/reservations/{world['reservation'].id}"


def _post(world):
    return f"/reservations/{world['reservation'].id}/messages"


def _section(html: str) -> str:
    """The conversation's section of the reservation page."""
    found = re.search(r'<section id="messages".*?</section>', html, flags=re.S)
    assert found, "the reservation page has no conversation"
    return found.group(0)


# role -> (the page: status, shows the form; POST: status)
TABLE = {
    "reserver": (200, True, 302),
    "seller": (200, True, 302),
    "other_builder": (404, False, 404),
    "resident": (404, False, 404),
    "city": (200, False, 403),  # reads the conversation, for disputes; cannot write
    "anonymous": ("login", False, "login"),
}


@pytest.mark.parametrize("role", TABLE)
def test_who_sees_the_conversation_and_who_may_write(app, world, role):
    page_status, has_form, post_status = TABLE[role]
    messages.message_post(
        user_id=world["users"]["seller"].id,
        reservation_id=world["reservation"].id,
        body="Portti B on auki klo 7-16",
    )
    client = _client(app, world, role)
    page = client.get(_page(world))
    posted = client.post(_post(world), data={"body": f"Kirjoittaa: {role}"})
    for response, expected in ((page, page_status), (posted, post_status)):
        if expected == "login":
            assert response.status_code == 302 and "/login" in response.headers["Location"]
        else:
            assert response.status_code == expected
    if page_status == 200:
        section = _section(page.text)
        assert "Portti B on auki klo 7-16" in section and "Mikko Laine" in section
        assert ("<form" in section) == has_form
        assert ('name="body"' in section) == has_form
    if post_status == 302:
        assert posted.headers["Location"].endswith(f"{_page(world)}#messages")
    stored = fresh().scalars(sa.select(ReservationMessage.body).order_by("id")).all()
    written = [f"Kirjoittaa: {role}"] if post_status == 302 else []
    assert stored == ["Portti B on auki klo 7-16", *written]


def test_a_body_is_shown_as_text_with_its_line_breaks(app, world):
    client = _client(app, world, "reserver")
    body = "<script>alert('x')</script>\nToinen rivi & <b>lihavoitu</b>"
    assert client.post(_post(world), data={"body": body}).status_code == 302
    section = _section(_client(app, world, "seller").get(_page(world)).text)
    assert "<script>alert" not in section and "<b>lihavoitu" not in section
    text = re.search(r'<p class="message-body">(.*?)</p>', section, flags=re.S).group(1)
    assert text == (
        "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;\n"
        "Toinen rivi &amp; &lt;b&gt;lihavoitu&lt;/b&gt;"
    )  # escaped, the line break kept as typed (CSS white-space: pre-line), no <br> added
    assert "(taker)" in section and "Aino Virtanen" in section


@pytest.mark.parametrize(
    "body, error",
    [
        ("", "This field is required."),
        ("   \r\n  ", "This field is required."),
        ("x" * 2001, "Use at most 2000 characters."),
    ],
    ids=["empty", "whitespace", "2001"],
)
def test_a_refused_body_is_shown_next_to_the_field(app, world, body, error):
    client = _client(app, world, "seller")
    response = client.post(_post(world), data={"body": body})
    assert response.status_code == 422
    section = _section(response.text)
    assert f'<p class="error" id="body-error">{error}</p>' in section
    assert 'aria-invalid="true"' in section
    if body.strip():
        assert body in section  # what was typed is not lost
    assert fresh().scalar(sa.select(sa.func.count(ReservationMessage.id))) == 0


def test_the_longest_body_is_accepted_and_the_page_says_the_limit(app, world):
    client = _client(app, world, "reserver")
    section = _section(client.get(_page(world)).text)
    assert 'maxlength="2000"' in section and "at most 2,000 characters" in section
    assert client.post(_post(world), data={"body": "y" * 2000}).status_code == 302
    assert fresh().scalar(sa.select(ReservationMessage.body)) == "y" * 2000


def test_the_notification_leads_to_the_conversation(app, world):
    _client(app, world, "reserver").post(_post(world), data={"body": "Myöhästyn"})
    deliver()
    seller = _client(app, world, "seller")
    listed = seller.get("/notifications/").text
    link = f'href="{_page(world)}#messages"'
    assert link in listed
    assert "The taker wrote to you about the reservation of “Punatiili MRT75”." in listed
    _client(app, world, "seller").post(_post(world), data={"body": "Ei haittaa"})
    deliver()
    taker_list = _client(app, world, "reserver").get("/notifications/").text
    assert "Kera Purku Oy wrote to you about your reservation of “Punatiili MRT75”." in taker_list


def test_the_form_is_throttled(tmp_path):
    app = make_app(tmp_path, RATELIMIT_ENABLED=True, MESSAGE_LIMIT="2/minute")
    with app.app_context():
        world = _world()
        client = _client(app, world, "reserver")
        statuses = [client.post(_post(world), data={"body": f"{n}"}).status_code for n in range(3)]
        assert statuses == [302, 302, 429]
        assert "Too many attempts" in client.post(_post(world), data={"body": "x"}).text
        seller = _client(app, world, "seller")
        assert seller.post(_post(world), data={"body": "Selvä"}).status_code == 302
