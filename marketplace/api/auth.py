"""API authentication: a Bearer token, or the browser session with an X-CSRFToken header."""

from functools import wraps

from flask import g, request
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError

from ..errors import DomainError, Forbidden, Unauthenticated
from ..extensions import csrf
from ..services import accounts
from .blueprint import bp

MUTATING = {"POST", "PUT", "PATCH", "DELETE"}


class CsrfFailed(DomainError):
    code = "csrf_failed"
    status = 403


@bp.before_request
def authenticate():
    """Run before every API request: who is calling, and is the request well-formed."""
    header = request.headers.get("Authorization")
    g.bearer = bool(header)
    if header:
        scheme, _sep, raw = header.partition(" ")
        user = accounts.token_user(raw.strip()) if scheme.lower() == "bearer" else None
        if user is None:
            raise Unauthenticated(_("The API token is missing, invalid or revoked."))
        g.api_user = user
    else:
        g.api_user = current_user if current_user.is_authenticated else None
        if g.api_user is not None and request.method in MUTATING:
            try:
                csrf.protect()
            except CSRFError:
                raise CsrfFailed(
                    _("Session requests must send the CSRF token in X-CSRFToken.")
                ) from None


def current():
    """The calling user, or None for anonymous requests."""
    return g.get("api_user")


def login_required(*roles):
    """Require a caller (401), and one of `roles` when given (403)."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            user = current()
            if user is None:
                raise Unauthenticated()
            if roles and user.role not in roles:
                raise Forbidden()
            return view(*args, **kwargs)

        wrapped.openapi_security = True
        return wrapped

    return decorator
