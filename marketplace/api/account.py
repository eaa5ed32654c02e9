"""API: password resets, "download my data" and deleting the account (contract:
api-v1-additions.md, "Accounts and e-mail"). The same services as the pages."""

from flask_babel import gettext as _

from ..models import LinkPurpose
from ..models.email_links import LIFETIMES
from ..queries import personal_data
from ..security import reset_limit_per_address, reset_limit_per_ip
from ..services import erasure, recovery
from . import account_schemas as s
from .auth import current, login_required
from .blueprint import bp
from .io import doc, parse_body, respond


@bp.post("/password-resets")
@reset_limit_per_ip  # the "Forgot your password?" page counts on the same two counters
@reset_limit_per_address
@doc(
    "Ask for a password-reset e-mail",
    body=s.PasswordResetCreate,
    response=s.MessageOut,
    status=202,
    errors=(422, 429),
)
def password_reset_create():
    """The answer is the same whether or not the address has an account (no enumeration); only
    an account's address gets the e-mail, whose link works once, for 60 minutes."""
    body = parse_body(s.PasswordResetCreate)
    recovery.password_reset_request(email=body.email)
    minutes = int(LIFETIMES[LinkPurpose.RESET_PASSWORD].total_seconds() // 60)
    return respond(
        s.MessageOut(
            message=_(
                "If the address has an account, we have sent a link to it. The link works "
                "once, for %(n)d minutes.",
                n=minutes,
            )
        ),
        202,
    )


@bp.post("/password-resets/confirm")
@doc(
    "Set a new password with a reset token",
    body=s.PasswordResetConfirm,
    response=s.MessageOut,
    errors=(400, 422),
)
def password_reset_confirm():
    """Spends the token. Every session and personal API token of the account stops working.
    An expired, spent, tampered or unknown token is 400 `invalid_token`."""
    body = parse_body(s.PasswordResetConfirm)
    recovery.password_reset_confirm(token=body.token, password=body.password)
    return respond(
        s.MessageOut(
            message=_(
                "Your password was changed and every device was signed "
                "out. Sign in with the new password."
            )
        )
    )


@bp.get("/me/export")
@login_required()
@doc("Download everything the service holds about the caller", response=s.ExportOut, errors=(401,))
def me_export():
    """Account, reservations, saved searches, notifications, API tokens (never their secret),
    wanted posts and the messages the caller wrote about reservations."""
    return respond(s.ExportOut.model_validate(personal_data.export(current().id)))


@bp.delete("/me")
@login_required()
@doc(
    "Delete the caller's account",
    body=s.AccountDelete,
    response=s.MessageOut,
    errors=(401, 409, 422),
)
def me_delete():
    """Erases the account's personal data; its tokens stop working (401), open reservations are
    cancelled, the address can sign up again. The handover ledger keeps its figures with the
    receiver shown as a deleted user. 409 `organization_has_open_listings` for the last member
    of an organisation with open listings; 422 for a wrong password."""
    body = parse_body(s.AccountDelete)
    erasure.account_delete(user_id=current().id, password=body.password)
    return respond(s.MessageOut(message=_("Your account was deleted.")))
