"""API authentication: a Bearer token, or the browser session with an X-CSRFToken header."""

from datetime import timedelta
from functools import wraps

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import g, request
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError

from .. import clock
from ..database import IMMEDIATE
from ..errors import DomainError, Forbidden, Unauthenticated
from ..extensions import csrf, db
from ..models import ApiToken, User
from ..services import accounts
from .blueprint import bp

MUTATING = {"POST", "PUT", "PATCH", "DELETE"}
TOKEN_USE_EVERY = timedelta(minutes=1)  # how often a token's last use is written down


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
        user = token_user(raw.strip()) if scheme.lower() == "bearer" else None
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


def token_user(raw: str) -> User | None:
    """The active owner of a valid, unrevoked token, read with the token in one query. Its last
    use is written at most once a minute; within the minute a request writes nothing."""
    if not raw or not raw.startswith(accounts.TOKEN_PREFIX) or len(raw) > 100:
        return None
    token = db.session.scalar(
        sa.select(ApiToken)
        .join(ApiToken.user)
        .options(so.contains_eager(ApiToken.user))
        .where(
            ApiToken.token_hash == accounts._token_hash(raw),
            ApiToken.revoked_at.is_(None),
            User.active,
        )
    )
    if token is None:
        return None
    now = clock.now()
    if token.last_used_at is None or now - token.last_used_at > TOKEN_USE_EVERY:
        _record_use(token.id, now)
    return token.user


def _record_use(token_id: int, now) -> None:
    """One conditional UPDATE in a short transaction on a connection of its own (BEGIN IMMEDIATE
    on SQLite), so that the request's session keeps what it has read: the use case that follows
    need not read the user again. Of simultaneous requests, one writes."""
    with db.engine.connect() as conn:
        conn.execution_options(**{IMMEDIATE: True})
        with conn.begin():
            conn.execute(
                sa.update(ApiToken)
                .where(
                    ApiToken.id == token_id,
                    sa.or_(
                        ApiToken.last_used_at.is_(None),
                        ApiToken.last_used_at < now - TOKEN_USE_EVERY,
                    ),
                )
                .values(last_used_at=now)
            )


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
