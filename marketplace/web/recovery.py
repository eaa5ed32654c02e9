"""Pages (on the accounts blueprint): forgot and reset the password, confirm the e-mail address
(and send the link again), change the address. The e-mails come from account_mail.py."""

from flask import current_app, flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user

from ..errors import InvalidToken, ValidationFailed
from ..extensions import limiter
from ..models import LinkPurpose
from ..models.email_links import LIFETIMES
from ..security import reset_limit_per_address, reset_limit_per_ip
from ..services import email_address, email_links, recovery
from .accounts import bp
from .feedback import show_errors
from .forms import ButtonForm
from .forms.recovery import EmailChangeForm, ForgotPasswordForm, ResetPasswordForm


def _private(response, status: int = 200):
    """A page whose URL holds a token: no Referer leaves it, and no cache keeps it."""
    response = current_app.make_response((response, status))
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


def _invalid_link():
    return _private(
        render_template("accounts/link_invalid.html", message=str(InvalidToken().message)), 400
    )


@bp.route("/password/forgot", methods=["GET", "POST"])
@reset_limit_per_ip  # POST /api/v1/password-resets counts on the same two counters
@reset_limit_per_address
def forgot_password():
    """Ask for a reset link. The answer is the same whether or not the address has an account."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        try:
            recovery.password_reset_request(email=form.email.data)
        except ValidationFailed as exc:
            show_errors(form, exc)
        else:
            minutes = int(LIFETIMES[LinkPurpose.RESET_PASSWORD].total_seconds() // 60)
            flash(
                _(
                    "If the address has an account, we have sent a link to it. The link works "
                    "once, for %(n)d minutes.",
                    n=minutes,
                ),
                "info",
            )
            return redirect(url_for("accounts.login"))
    return render_template("accounts/forgot.html", form=form), 422 if form.errors else 200


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token):
    """The page behind the reset e-mail's link: choose a new password."""
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            recovery.password_reset_confirm(token=token, password=form.password.data)
        except InvalidToken:
            return _invalid_link()
        except ValidationFailed as exc:
            show_errors(form, exc)
        else:
            logout_user()
            session.clear()
            flash(
                _(
                    "Your password was changed and every device was signed out. Sign in with "
                    "the new password."
                ),
                "success",
            )
            return redirect(url_for("accounts.login"))
    elif not email_links.is_usable(token, LinkPurpose.RESET_PASSWORD):
        return _invalid_link()
    return _private(render_template("accounts/reset.html", form=form), 422 if form.errors else 200)


@bp.route("/account/confirm/<token>", methods=["GET", "POST"])
def confirm_email(token):
    """The link in the sign-up e-mail: a button confirms (a mail scanner's GET does nothing)."""
    form = ButtonForm()
    if form.validate_on_submit():
        try:
            email_address.email_confirm(token=token)
        except InvalidToken:
            return _invalid_link()
        flash(_("Thank you, your e-mail address is confirmed."), "success")
        return redirect(
            url_for("accounts.profile" if current_user.is_authenticated else "accounts.login")
        )
    if not email_links.is_usable(token, LinkPurpose.CONFIRM_EMAIL):
        return _invalid_link()
    return _private(
        render_template(
            "accounts/confirm.html",
            form=form,
            title=_("Confirm your e-mail address"),
            action=_("Confirm my address"),
        )
    )


def _own_key() -> str:
    return f"account-mail:{current_user.get_id()}"


@bp.post("/account/confirm/resend")
@login_required
@limiter.limit(lambda: current_app.config["ACCOUNT_MAIL_LIMIT"], key_func=_own_key)
def resend_confirmation():
    """Send the confirmation link again."""
    if ButtonForm().validate_on_submit():
        if email_address.email_confirmation_resend(user_id=current_user.id):
            flash(_("We sent the link again to %(email)s.", email=current_user.email), "info")
        else:
            flash(_("Your e-mail address is confirmed already."), "info")
    return redirect(url_for("accounts.profile"))


@bp.route("/account/email", methods=["GET", "POST"])
@login_required
@limiter.limit(
    lambda: current_app.config["ACCOUNT_MAIL_LIMIT"],
    key_func=_own_key,
    methods=["POST"],
    deduct_when=lambda response: response.status_code == 302,
)
def change_email():
    """Change the address: asks the password; a link goes to the new address."""
    form = EmailChangeForm()
    if form.validate_on_submit():
        try:
            new_email = email_address.email_change_request(
                user_id=current_user.id, password=form.password.data, new_email=form.email.data
            )
        except ValidationFailed as exc:
            show_errors(form, exc)
        else:
            flash(
                _(
                    "We sent a link to %(email)s. Your address changes when you open it.",
                    email=new_email,
                ),
                "info",
            )
            return redirect(url_for("accounts.profile"))
    return render_template("accounts/email.html", form=form), 422 if form.errors else 200


@bp.route("/account/email/confirm/<token>", methods=["GET", "POST"])
def confirm_email_change(token):
    """The link sent to the new address: a button makes it the account's address."""
    form = ButtonForm()
    if form.validate_on_submit():
        try:
            user = email_address.email_change_confirm(token=token)
        except InvalidToken:
            return _invalid_link()
        except ValidationFailed as exc:
            flash(str(exc.message), "error")
            return redirect(url_for("main.index"))
        flash(_("Your e-mail address is now %(email)s.", email=user.email), "success")
        return redirect(
            url_for("accounts.profile" if current_user.is_authenticated else "accounts.login")
        )
    if not email_links.is_usable(token, LinkPurpose.CHANGE_EMAIL):
        return _invalid_link()
    return _private(
        render_template(
            "accounts/confirm.html",
            form=form,
            title=_("Confirm your new e-mail address"),
            action=_("Use this address"),
        )
    )
