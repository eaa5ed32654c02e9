"""Who is asking: session users (Flask-Login) and role guards shared by pages and the API."""

from functools import wraps

import sqlalchemy as sa
from flask import abort
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from .errors import Forbidden, Unconfirmed
from .extensions import db, login_manager
from .models import Role, User


def init_app(app):
    """Configure Flask-Login: users are found by their rotating session token."""
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Please sign in to continue.")
    login_manager.login_message_category = "info"
    login_manager.user_loader(load_user)


def load_user(session_token: str) -> User | None:
    """Flask-Login loader: a rotated token (logout everywhere, new password) finds nobody."""
    return db.session.scalar(
        sa.select(User).where(User.session_token == session_token, User.active)
    )


def acting_user(session, user_id: int, role: Role, *, denied: Exception | None = None) -> User:
    """The services' role guard: the user behind a call if they hold `role` (a builder also needs
    an organisation); otherwise raise `denied` (Forbidden by default)."""
    user = session.get(User, user_id)
    if user is None or user.role != role or (role == Role.BUILDER and user.organization_id is None):
        raise denied if denied is not None else Forbidden()
    return user


def role_required(*roles: Role):
    """Page guard: sign-in required (redirect), then one of `roles` (403)."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def ensure_confirmed(user: User) -> None:
    """The rule before reserving (and, when they land, posting wanted posts): the account's
    e-mail address is confirmed. Raises Unconfirmed (403 `unconfirmed`) otherwise."""
    if not user.confirmed:
        raise Unconfirmed()
