"""Account e-mails, written by the worker (topics wired in marketplace/handlers.py): confirm the
address, reset the password, change the address, and "someone tried to sign up with your
address". They are always sent, by SMTP or as files (marketplace/mail.py), in the recipient's
language, with links on PUBLIC_BASE_URL.

A link's token is minted here, when the e-mail is written, and committed before it is sent: the
outbox never holds a token, and a failed send leaves only an unused link that expires. A retry
mints a new one.
"""

from dataclasses import dataclass

import sqlalchemy as sa
from flask import render_template, url_for
from flask_babel import gettext as _

from . import mail, outbox
from .database import write_transaction
from .extensions import db
from .models import LinkPurpose, User
from .models.email_links import LIFETIMES
from .services import email_links


@dataclass
class Letter:
    """What one account e-mail says; the template lays it out as text and HTML."""

    to: str
    subject: str
    paragraphs: list[str]
    link: str = ""
    action: str = ""


def _deliver(letter: Letter, locale: str, key: str) -> None:
    with mail.rendering(locale):
        context = {"letter": letter, "locale": locale}
        text = render_template("email/account.txt", **context)
        html = render_template("email/account.html", **context)
    mail.send(mail.compose(to=letter.to, subject=letter.subject, text=text, html=html, key=key))


def _user(user_id: int) -> User | None:
    """The recipient, unless the account has been deleted or closed since."""
    user = db.session.get(User, user_id)
    return user if user is not None and user.active and user.deleted_at is None else None


def _mint(user_id: int, purpose: LinkPurpose, email: str) -> str:
    with write_transaction() as session:
        return email_links.mint(
            session, user=session.get(User, user_id), purpose=purpose, email=email
        )


def _hours(purpose: LinkPurpose) -> int:
    return int(LIFETIMES[purpose].total_seconds() // 3600)


def send_confirmation(message: outbox.Message) -> None:
    """After sign-up (or "send it again"): the link that confirms the address."""
    user = _user(message.payload["user_id"])
    if user is None or user.confirmed:
        return
    token = _mint(user.id, LinkPurpose.CONFIRM_EMAIL, user.email)
    with mail.rendering(user.locale):
        letter = Letter(
            to=user.email,
            subject=_("Confirm your e-mail address"),
            paragraphs=[
                _("Hello %(name)s,", name=user.display_name),
                _(
                    "Welcome to the Kera Material Exchange. Open the link below to confirm "
                    "that this address is yours; then you can reserve material."
                ),
                _("The link works for %(n)d days.", n=_hours(LinkPurpose.CONFIRM_EMAIL) // 24),
            ],
            link=url_for("accounts.confirm_email", token=token, _external=True),
            action=_("Confirm my address"),
        )
    _deliver(letter, user.locale, f"confirm{message.id}")


def send_password_reset(message: outbox.Message) -> None:
    """The single-use link that sets a new password (60 minutes)."""
    user = _user(message.payload["user_id"])
    if user is None or user.email != message.payload["email"]:
        return
    token = _mint(user.id, LinkPurpose.RESET_PASSWORD, user.email)
    minutes = int(LIFETIMES[LinkPurpose.RESET_PASSWORD].total_seconds() // 60)
    with mail.rendering(user.locale):
        letter = Letter(
            to=user.email,
            subject=_("Reset your password"),
            paragraphs=[
                _("Hello %(name)s,", name=user.display_name),
                _(
                    "Someone, hopefully you, asked to reset the password of your account. "
                    "Open the link below to choose a new one. It works once, for %(n)d "
                    "minutes.",
                    n=minutes,
                ),
                _(
                    "If you did not ask for this, ignore this message: your password stays "
                    "as it is."
                ),
            ],
            link=url_for("accounts.reset_password", token=token, _external=True),
            action=_("Choose a new password"),
        )
    _deliver(letter, user.locale, f"reset{message.id}")


def send_email_change(message: outbox.Message) -> None:
    """To the new address: the link that makes it the account's address, or, when another
    account has it already, a note saying so (the person asking is not told which)."""
    user = _user(message.payload["user_id"])
    if user is None:
        return
    new_email = message.payload["new_email"]
    taken = db.session.scalar(sa.select(User.id).where(User.email == new_email))
    token = None if taken else _mint(user.id, LinkPurpose.CHANGE_EMAIL, new_email)
    with mail.rendering(user.locale):
        if token is None:
            letter = Letter(
                to=new_email,
                subject=_("Change of e-mail address"),
                paragraphs=[
                    _(
                        "Someone asked to move another account of the Kera Material "
                        "Exchange to this address, but this address has an account "
                        "already, so nothing was changed. If it was not you, you can "
                        "ignore this message."
                    )
                ],
            )
        else:
            letter = Letter(
                to=new_email,
                subject=_("Confirm your new e-mail address"),
                paragraphs=[
                    _("Hello %(name)s,", name=user.display_name),
                    _(
                        "Open the link below to make this the e-mail address of your "
                        "account. The link works for %(n)d hours.",
                        n=_hours(LinkPurpose.CHANGE_EMAIL),
                    ),
                ],
                link=url_for("accounts.confirm_email_change", token=token, _external=True),
                action=_("Use this address"),
            )
    _deliver(letter, user.locale, f"change{message.id}")


def send_address_changed(message: outbox.Message) -> None:
    """To the old address, once the change is made."""
    user = _user(message.payload["user_id"])
    if user is None:
        return
    with mail.rendering(user.locale):
        letter = Letter(
            to=message.payload["old_email"],
            subject=_("Your e-mail address was changed"),
            paragraphs=[
                _("Hello %(name)s,", name=user.display_name),
                _(
                    "The e-mail address of your account was changed to %(email)s. "
                    "Messages now go there.",
                    email=message.payload["new_email"],
                ),
                _(
                    "If you did not do this, contact the Kera Material Exchange team of "
                    "the City of Espoo at once."
                ),
            ],
        )
    _deliver(letter, user.locale, f"changed{message.id}")


def send_signup_attempt(message: outbox.Message) -> None:
    """To the owner of an address someone tried to sign up with (at most one a day)."""
    user = _user(message.payload["user_id"])
    if user is None:
        return
    with mail.rendering(user.locale):
        letter = Letter(
            to=user.email,
            subject=_("Someone tried to sign up with your address"),
            paragraphs=[
                _("Hello %(name)s,", name=user.display_name),
                _(
                    "Someone tried to create a new account with your e-mail address. If "
                    "it was you: you already have an account, so sign in instead. If it "
                    "was not, you can ignore this message; nothing was changed."
                ),
            ],
            link=url_for("accounts.forgot_password", _external=True),
            action=_("Forgot your password?"),
        )
    _deliver(letter, user.locale, f"attempt{message.id}")
