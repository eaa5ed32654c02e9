"""Pages: sign-up, sign-in, sign-out, profile, password, sessions and API tokens."""

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from ..errors import ValidationFailed
from ..locales import FALLBACK, LOCALES
from ..queries import accounts as account_queries
from ..security import login_limit_per_account, login_limit_per_ip, safe_next, signup_limit_per_ip
from ..services import accounts
from .feedback import show_errors
from .forms import ButtonForm
from .forms.accounts import LoginForm, PasswordForm, ProfileForm, SignupForm, TokenForm
from .helpers import prefill

bp = Blueprint("accounts", __name__)


def _start_session(user, remember=False) -> None:
    """A fresh session for the signed-in user (no fixation); the language choice survives."""
    locale = session.get("locale")
    session.clear()
    if locale:
        session["locale"] = locale
    login_user(user, remember=remember)


@bp.route("/signup", methods=["GET", "POST"])
@signup_limit_per_ip
def signup():
    """Create a resident account, or a builder account with its organisation. The answer is the
    same whether or not the address already has an account (no enumeration): on to sign-in."""
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = SignupForm()
    if request.method == "GET":
        form.locale.data = request.accept_languages.best_match(LOCALES) or FALLBACK
    if form.validate_on_submit():
        try:
            accounts.user_signup(
                email=form.email.data,
                password=form.password.data,
                display_name=form.display_name.data,
                locale=form.locale.data,
                organization_name=form.organization_name.data if form.is_builder.data else "",
                business_id=form.business_id.data if form.is_builder.data else "",
            )
        except ValidationFailed as exc:
            show_errors(form, exc)
        else:
            session["locale"] = form.locale.data
            flash(
                _(
                    "Thank you! Sign in with the address and password you chose. If the address "
                    "already had an account, we have sent a message to it instead."
                ),
                "info",
            )
            return redirect(url_for("accounts.login"))
    status = 422 if form.errors else 200
    return render_template("accounts/signup.html", form=form), status


@bp.route("/login", methods=["GET", "POST"])
@login_limit_per_ip  # POST /api/v1/tokens counts on the same two counters
@login_limit_per_account
def login():
    """Sign in; throttled per IP and per account. `next` only ever leads to a page of this site."""
    form = LoginForm()
    next_url = safe_next(request.args.get("next"), url_for("main.index"))
    if current_user.is_authenticated:
        return redirect(next_url)
    if form.validate_on_submit():
        user = accounts.user_authenticate(email=form.email.data, password=form.password.data)
        if user is not None:
            _start_session(user, remember=form.remember.data)
            flash(_("Signed in as %(name)s.", name=user.display_name), "success")
            return redirect(next_url)
        current_app.logger.info(
            "failed login for %r from %s", form.email.data[:254], request.remote_addr
        )
        form.password.errors = [_("Wrong e-mail or password.")]
        return render_template("accounts/login.html", form=form), 401
    return render_template("accounts/login.html", form=form), 422 if form.errors else 200


@bp.post("/logout")
def logout():
    """Sign out of this browser."""
    logout_user()
    session.clear()
    flash(_("You have signed out."), "info")
    return redirect(url_for("main.index"))


@bp.route("/account", methods=["GET", "POST"])
@login_required
def profile():
    """Name and language; links to password, sessions and tokens."""
    form = ProfileForm(obj=prefill(current_user))
    if form.validate_on_submit():
        try:
            accounts.user_update_profile(
                user_id=current_user.id,
                display_name=form.display_name.data,
                locale=form.locale.data,
            )
        except ValidationFailed as exc:
            show_errors(form, exc)
        else:
            session["locale"] = form.locale.data
            flash(_("Your profile was saved."), "success")
            return redirect(url_for("accounts.profile"))
    return render_template(
        "accounts/profile.html", form=form, password_form=PasswordForm(), button=ButtonForm()
    ), 422 if form.errors else 200


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def password():
    """Change the password; other sessions end, this one continues."""
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            user = accounts.user_change_password(
                user_id=current_user.id,
                current_password=form.current_password.data,
                new_password=form.new_password.data,
            )
        except ValidationFailed as exc:
            show_errors(form, exc)
        else:
            _start_session(user)
            flash(_("Your password was changed. Other devices have been signed out."), "success")
            return redirect(url_for("accounts.profile"))
    return render_template("accounts/password.html", form=form), 422 if form.errors else 200


@bp.post("/account/logout-everywhere")
@login_required
def logout_everywhere():
    """End every session of this account, this one included."""
    form = ButtonForm()
    if form.validate_on_submit():
        accounts.user_logout_everywhere(user_id=current_user.id)
        logout_user()
        session.clear()
        flash(_("You have been signed out on every device."), "info")
    return redirect(url_for("main.index"))


@bp.route("/account/tokens", methods=["GET", "POST"])
@login_required
def tokens():
    """Personal API tokens: create (shown once) and revoke."""
    form = TokenForm()
    created = None
    if form.validate_on_submit():
        _token, created = accounts.token_create(user_id=current_user.id, name=form.name.data or "")
        form = TokenForm(formdata=None)
    return render_template(
        "accounts/tokens.html",
        form=form,
        tokens=account_queries.tokens_of(current_user.id),
        created=created,
        button=ButtonForm(),
    )


@bp.post("/account/tokens/<int:token_id>/revoke")
@login_required
def token_revoke(token_id):
    """Revoke one of your tokens."""
    if ButtonForm().validate_on_submit():
        accounts.token_revoke(user_id=current_user.id, token_id=token_id)
        flash(_("The token was revoked."), "info")
    return redirect(url_for("accounts.tokens"))
