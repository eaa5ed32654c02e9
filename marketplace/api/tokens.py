"""API: personal access tokens and the caller's identity."""

from flask_babel import gettext as _

from ..errors import Unauthenticated
from ..security import login_limit_per_account, login_limit_per_ip
from ..services import accounts
from . import present, schemas
from .auth import current, login_required
from .blueprint import bp
from .io import doc, parse_body, respond


@bp.post("/tokens")
@login_limit_per_ip  # the sign-in page counts on the same two counters
@login_limit_per_account
@doc(
    "Create a personal access token",
    body=schemas.TokenCreate,
    response=schemas.TokenOut,
    status=201,
    errors=(401, 422, 429),
)
def token_create():
    """Exchange e-mail and password for a token. The token is shown once; only its hash is kept."""
    body = parse_body(schemas.TokenCreate)
    user = accounts.user_authenticate(email=body.email, password=body.password)
    if user is None:
        raise Unauthenticated(_("Wrong e-mail or password."))
    _token, raw = accounts.token_create(user_id=user.id, name=body.name or "API")
    return respond(schemas.TokenOut(token=raw, user=present.user(user)), 201)


@bp.get("/me")
@login_required()
@doc("The calling user", response=schemas.UserOut, errors=(401,))
def me():
    """Who the token or session belongs to."""
    return respond(present.user(current()))
