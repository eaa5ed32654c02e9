"""E-mail delivery: one mail module, two transports. Without MAIL_SERVER every e-mail is written
whole to INSTANCE_DIR/mail/<UTC timestamp>-<recipient>.eml and announced in the log; with it,
the same e-mail goes out by SMTP (aiosmtpd on loopback). Account e-mails are always sent, in the
recipient's language, with links on PUBLIC_BASE_URL."""

import logging
import re

from marketplace import mail
from marketplace.extensions import db
from marketplace.services import accounts, recovery
from tests.conftest import make_app
from tests.integration.test_notifications import smtp  # noqa: F401 - the aiosmtpd fixture
from tests.mailbox import messages, run_worker, text


def test_without_mail_server_an_e_mail_is_a_file_announced_in_the_log(app, caplog):
    accounts.user_update_profile(
        user_id=_resident("aino@example.com").id, display_name="Aino", locale="sv"
    )
    recovery.password_reset_request(email="aino@example.com")
    with caplog.at_level(logging.INFO, logger="marketplace.mail"):
        run_worker()
    folder = app.config["INSTANCE_DIR"] + "/mail"
    [line] = [r.getMessage() for r in caplog.records if r.name == "marketplace.mail"]
    assert re.fullmatch(
        rf"e-mail to aino@example.com written to {re.escape(folder)}/"
        r"20261130T100000\.000000Z-aino@example\.com\.eml \(no MAIL_SERVER set\)",
        line,
    )
    [mail] = messages("aino@example.com")
    assert mail["From"] == app.config["MAIL_FROM"] and mail.is_multipart()
    assert "Hej Aino," in text(mail)  # her language
    assert "http://localhost/password/reset/" in text(mail)
    assert (
        "http://localhost/password/reset/" in mail.get_body(preferencelist=("html",)).get_content()
    )


def test_with_mail_server_account_e_mails_go_by_smtp_and_no_file_is_written(tmp_path, smtp):  # noqa: F811
    port, inbox = smtp
    app = make_app(
        tmp_path, MAIL_SERVER="127.0.0.1", MAIL_PORT=port, PUBLIC_BASE_URL="https://kera.example.fi"
    )
    with app.app_context():
        _resident("aino@example.com")
        recovery.password_reset_request(email="aino@example.com")
        accounts.user_signup(
            email="new@example.com",
            password="correct horse battery staple",
            display_name="Uusi",
            locale="fi",
        )
        run_worker()
        assert messages() == []
        db.session.remove()
        db.engine.dispose()
    by_address = {m["To"]: m for m in inbox.messages}
    assert set(by_address) == {"aino@example.com", "new@example.com"}
    reset = by_address["aino@example.com"].get_body(preferencelist=("plain",)).get_content()
    assert "https://kera.example.fi/password/reset/" in reset
    welcome = by_address["new@example.com"].get_body(preferencelist=("plain",)).get_content()
    assert "Hei Uusi," in welcome and "https://kera.example.fi/account/confirm/" in welcome


def _resident(email):
    from tests import factories

    return factories.resident(email=email)


def test_a_long_link_stays_on_one_line_in_the_written_file(tmp_path):
    """A person opening the .eml in a text editor can copy the link whole (no soft line breaks)."""
    base = "https://materiaalitori.kera.espoo.example.fi/palvelu"
    app = make_app(tmp_path, PUBLIC_BASE_URL=base)
    with app.app_context():
        _resident("aino@example.com")
        recovery.password_reset_request(email="aino@example.com")
        run_worker()
        [path] = (tmp_path / "mail").glob("*.eml")
        raw = path.read_text(encoding="utf-8")
        assert re.search(rf"^{re.escape(base)}/password/reset/[A-Za-z0-9_-]{{43}}$", raw, re.M)
        db.session.remove()
        db.engine.dispose()


def test_a_sender_name_and_subject_in_any_language_reach_the_reader_intact(tmp_path):
    """Non-ASCII words are encoded in the headers and read back whole; an address never is."""
    app = make_app(tmp_path, MAIL_FROM="Materiaalipörssi Kera <noreply@kera.example>")
    with app.app_context():
        message = mail.compose(
            to="aino@example.com",
            subject="Varaus vahvistettu – Tegel, röd",
            text="Hei Aino,\n",
            html="<p>Hei Aino,</p>\n",
            key="n7",
        )
        mail.send(message)
        [written] = messages()
        raw = next((tmp_path / "mail").glob("*.eml")).read_bytes()
        db.session.remove()
        db.engine.dispose()
    assert written["From"] == "Materiaalipörssi Kera <noreply@kera.example>"
    assert written["Subject"] == "Varaus vahvistettu – Tegel, röd"
    assert written["To"] == "aino@example.com" and ".n7@" in written["Message-ID"]
    assert b"<noreply@kera.example>" in raw and "Materiaalipörssi".encode() not in raw
    assert text(written) == "Hei Aino,\n"
