"""The e-mails the app wrote to INSTANCE_DIR/mail (no MAIL_SERVER), read as a person would: who
they went to, what they say, and the links in them. Shared by the account tests."""

import email
import re
from email import policy
from pathlib import Path
from urllib.parse import urlsplit

from flask import current_app

from marketplace import outbox


def run_worker() -> None:
    """Deliver every due outbox message, as `flask worker` beside the site does."""
    outbox.run_once()


def messages(to: str | None = None) -> list[email.message.EmailMessage]:
    """The written e-mails, oldest first; only those to `to` when given."""
    folder = Path(current_app.config["INSTANCE_DIR"]) / "mail"
    found = (
        [
            email.message_from_bytes(path.read_bytes(), policy=policy.default)
            for path in sorted(folder.glob("*.eml"))
        ]
        if folder.exists()
        else []
    )
    return [m for m in found if to is None or m["To"] == to]


def text(message) -> str:
    """The plain-text part."""
    return message.get_body(preferencelist=("plain",)).get_content()


def links(message) -> list[str]:
    """The absolute links in the plain-text part."""
    return re.findall(r"https?://\S+", text(message))


def path_of(link: str) -> str:
    """The path of an absolute link, for the test client."""
    return urlsplit(link).path


def token_of(link: str) -> str:
    """The token at the end of a link's path."""
    return path_of(link).rstrip("/").rsplit("/", 1)[1]


def last_link(to: str, containing: str) -> str:
    """The newest link to `to` whose URL contains `containing`."""
    for message in reversed(messages(to)):
        for link in links(message):
            if containing in link:
                return link
    raise AssertionError(f"no e-mail to {to} with a link containing {containing!r}")
