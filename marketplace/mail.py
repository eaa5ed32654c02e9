"""Outgoing e-mail: one way to compose a message and two transports, chosen by config.

With MAIL_SERVER set (`MAIL_ENABLED`) a message goes out by SMTP. Without it (the `make run`
default) it is written whole as INSTANCE_DIR/mail/<UTC timestamp>-<recipient>.eml and announced
with one log line, so a person trying the app locally can open it and follow its links.
Handlers call `send`, or `send_many` (one SMTP connection for many); they run in the worker
(marketplace/handlers.py), never in a request.
"""

import logging
import re
import smtplib
from contextlib import contextmanager
from email.charset import Charset
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formataddr, make_msgid, parseaddr
from pathlib import Path

from flask import current_app
from flask_babel import force_locale

from . import clock

log = logging.getLogger(__name__)
_UNSAFE = re.compile(r"[^A-Za-z0-9@._+-]")
# 8bit, not quoted-printable: a link in a written .eml file is never broken across lines.
_UTF8_8BIT = Charset("utf-8")
_UTF8_8BIT.body_encoding = None


def compose(*, to: str, subject: str, text: str, html: str, key: str = "") -> Message:
    """A plain-text message with an HTML alternative, from MAIL_FROM."""
    # The email.mime classes, not EmailMessage: that one parses every header it is given, which
    # cost 3 ms an e-mail (most of the worker's time for a notification's copy), these 0.6 ms.
    message = MIMEMultipart("alternative")
    message["Subject"] = subject  # non-ASCII is written as an RFC 2047 encoded word
    message["From"] = _address(current_app.config["MAIL_FROM"])
    message["To"] = _address(to)
    message["Message-ID"] = make_msgid(idstring=key or None)
    message.attach(MIMEText(text, "plain", _UTF8_8BIT))
    message.attach(MIMEText(html, "html", _UTF8_8BIT))
    return message


def _address(value: str) -> str:
    """`Name <address>` with only a non-ASCII name encoded (never the address itself)."""
    return formataddr(parseaddr(value), charset="utf-8")


def send(message: Message) -> None:
    """Deliver by SMTP when MAIL_SERVER is set, else write the message to the mail folder."""
    send_many([message])


def send_many(messages: list[Message]) -> None:
    """Deliver many messages as `send` does, over one SMTP connection. Raises on the first that
    fails: the ones before it are sent (or written)."""
    if not messages:
        return
    if current_app.config["MAIL_ENABLED"]:
        _send_smtp(messages)
    else:
        _write_files(messages)


@contextmanager
def rendering(locale: str):
    """Render an e-mail outside any request: links on PUBLIC_BASE_URL, texts in `locale`."""
    base = current_app.config["PUBLIC_BASE_URL"]
    with current_app.test_request_context(base_url=base), force_locale(locale):
        yield


def mail_dir() -> Path:
    """Where e-mails are written without MAIL_SERVER."""
    return Path(current_app.config["INSTANCE_DIR"]) / "mail"


def _write_file(message: Message) -> Path:
    folder = mail_dir()
    folder.mkdir(parents=True, exist_ok=True)
    stamp = clock.now().strftime("%Y%m%dT%H%M%S.%fZ")
    recipient = _UNSAFE.sub("_", str(message["To"]))[:200]
    path = folder / f"{stamp}-{recipient}.eml"
    number = 1
    while path.exists():  # two messages in the same microsecond (a frozen test clock)
        number += 1
        path = folder / f"{stamp}-{number}-{recipient}.eml"
    path.write_bytes(message.as_bytes())
    log.info("e-mail to %s written to %s (no MAIL_SERVER set)", message["To"], path)
    return path


def _write_files(messages: list[Message]) -> None:
    for message in messages:
        _write_file(message)


def _send_smtp(messages: list[Message]) -> None:
    config = current_app.config
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=15) as smtp:
        if config["MAIL_USE_TLS"]:
            smtp.starttls()
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        for message in messages:
            smtp.send_message(message)
