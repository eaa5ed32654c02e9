"""Issue 15, "no enumeration": sign-up answers the same for a taken address (whose owner is told
instead), sign-up is throttled per address, and every way of signing in shares one counter per
account (and one per IP)."""

import re

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from marketplace import notifications
from marketplace.extensions import db
from marketplace.models import Notification, OutboxMessage, User
from marketplace.services import accounts, passwords
from tests import factories
from tests.conftest import make_app
from tests.factories import PASSWORD


def english(app):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def signup_form(email, **overrides):
    form = {
        "display_name": "Someone",
        "email": email,
        "password": PASSWORD,
        "password_confirm": PASSWORD,
        "locale": "en",
    }
    form.update(overrides)
    return form


def flashes(page: str) -> list[str]:
    found = re.findall(r'class="flash[^"]*"[^>]*>(.*?)</', page, re.DOTALL)
    return [re.sub(r"\s+", " ", m).strip() for m in found]


@pytest.fixture
def owner(any_db):
    return factories.resident(email="owner@example.com")


# --- sign-up -----------------------------------------------------------------------------------


def test_signup_answers_the_same_for_a_taken_and_a_new_address(any_db, owner):
    """F14 `POST /signup` with an address that has an account (422 "An account with this e-mail
    already exists" before): the same redirect and the same message as for a new address."""
    answers = []
    for email in ("owner@example.com", "newcomer@example.com"):
        client = english(any_db)
        response = client.post("/signup", data=signup_form(email))
        page = client.get(response.headers["Location"])
        answers.append(
            (
                response.status_code,
                response.headers["Location"],
                page.status_code,
                flashes(page.text),
            )
        )
    assert answers[0] == answers[1]
    status, location, _page_status, messages = answers[0]
    assert (
        (status, location) == (302, "/login")
        and messages
        and "already exists" not in " ".join(messages)
    )


def test_the_owner_of_a_taken_address_is_told_and_nothing_changes(any_db, owner):
    before = db.session.get(User, owner.id).password_hash
    english(any_db).post("/signup", data=signup_form("OWNER@example.com", display_name="Mallory"))
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1
    assert db.session.get(User, owner.id).password_hash == before
    told = db.session.scalars(sa.select(Notification).where(Notification.user_id == owner.id)).all()
    assert [n.kind for n in told] == [accounts.SIGNUP_ATTEMPT_KIND]
    with force_locale("en"):
        title = str(notifications.KINDS[accounts.SIGNUP_ATTEMPT_KIND])
    assert title == "Someone tried to sign up with your address"
    client = english(any_db)
    client.post("/login", data={"email": "owner@example.com", "password": PASSWORD})
    assert (
        "Someone tried to create a new account with your e-mail address"
        in client.get("/notifications/").text
    )


def test_the_owner_is_e_mailed_through_the_outbox_when_mail_is_on(tmp_path):
    """The owner is e-mailed through the outbox: an account e-mail of its own (always sent, by
    SMTP or as a file; issue 9), not a second copy of the in-app notification."""
    app = make_app(tmp_path, MAIL_SERVER="127.0.0.1", MAIL_PORT=1)
    with app.app_context():
        factories.resident(email="owner@example.com")
        english(app).post("/signup", data=signup_form("owner@example.com"))
        db.session.rollback()
        topics = db.session.scalars(sa.select(OutboxMessage.topic)).all()
        assert "account.signup_attempted" in topics and "notification.created" not in topics
        db.session.remove()
        db.engine.dispose()


def test_both_answers_do_the_same_expensive_work(app, monkeypatch):
    """Timing tells nothing either: both paths hash the password once (argon2id dominates)."""
    factories.resident(email="owner@example.com")
    calls = []
    real = passwords.hash_password
    monkeypatch.setattr(
        passwords, "hash_password", lambda password: calls.append(1) or real(password)
    )
    for email in ("owner@example.com", "newcomer@example.com"):
        calls.clear()
        english(app).post("/signup", data=signup_form(email))
        assert len(calls) == 1, email


def test_signup_is_throttled_per_address(tmp_path):
    """F15 un-throttled sign-up: SIGNUP_LIMIT_PER_IP, the form page itself stays readable."""
    app = make_app(tmp_path, RATELIMIT_ENABLED=True, SIGNUP_LIMIT_PER_IP="3/hour")
    with app.app_context():
        client = english(app)
        statuses = [
            client.post("/signup", data=signup_form(f"n{i}@example.com")).status_code
            for i in range(4)
        ]
        assert statuses == [302, 302, 302, 429]
        assert client.get("/signup").status_code == 200
        other = english(app)
        other.environ_base["REMOTE_ADDR"] = "10.0.0.9"
        assert other.post("/signup", data=signup_form("n9@example.com")).status_code == 302
        db.session.remove()
        db.engine.dispose()


# --- one sign-in counter -----------------------------------------------------------------------


@pytest.fixture
def limited(tmp_path):
    app = make_app(
        tmp_path,
        RATELIMIT_ENABLED=True,
        LOGIN_LIMIT_PER_ACCOUNT="5/minute",
        LOGIN_LIMIT_PER_IP="100/minute",
    )
    with app.app_context():
        factories.resident(email="target@example.com")
        factories.resident(email="bystander@example.com")
        yield app
        db.session.remove()
        db.engine.dispose()


def page_attempt(app, email="target@example.com", password="guess guess guess"):
    return english(app).post("/login", data={"email": email, "password": password}).status_code


def api_attempt(app, email="target@example.com", password="guess guess guess"):
    return (
        app.test_client()
        .post("/api/v1/tokens", json={"email": email, "password": password})
        .status_code
    )


@pytest.mark.parametrize("sixth", [page_attempt, api_attempt], ids=["page", "api"])
def test_page_and_api_failures_count_on_one_counter_per_account(limited, sixth):
    """F16 3 failed page logins + 3 failed token requests for one account, limit 5 a minute
    (10 guesses before: each door counted its own 5): the 6th is 429 whichever way it comes."""
    assert [page_attempt(limited) for _ in range(3)] == [401] * 3
    assert [api_attempt(limited) for _ in range(2)] == [401] * 2
    assert sixth(limited) == 429
    other = api_attempt if sixth is page_attempt else page_attempt
    assert other(limited) == 429
    assert page_attempt(limited, "bystander@example.com") == 401  # other accounts unaffected
    assert api_attempt(limited, "bystander@example.com", PASSWORD) == 201


def test_the_account_key_is_the_address_however_it_is_written(limited):
    for email in ("target@example.com", " TARGET@example.com", "Target@Example.com "):
        page_attempt(limited, email)
        api_attempt(limited, email)
    assert api_attempt(limited) == 429 and page_attempt(limited) == 429


def test_successful_sign_ins_do_not_count_against_the_account(limited):
    for _ in range(6):
        assert page_attempt(limited, password=PASSWORD) == 302
        assert api_attempt(limited, password=PASSWORD) == 201


def test_page_and_api_attempts_share_the_per_ip_counter(tmp_path):
    app = make_app(tmp_path, RATELIMIT_ENABLED=True, LOGIN_LIMIT_PER_IP="4/minute")
    with app.app_context():
        assert [page_attempt(app), api_attempt(app), page_attempt(app), api_attempt(app)] == [
            401
        ] * 4
        assert page_attempt(app) == 429 and api_attempt(app) == 429
        db.session.remove()
        db.engine.dispose()
