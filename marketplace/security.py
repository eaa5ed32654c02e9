"""Security headers (with a per-request CSP nonce), the sign-in and sign-up throttles and the
safe `next` redirect rule."""

import secrets
from urllib.parse import urlsplit

from flask import current_app, g, request

from .extensions import limiter

TILE_HOST = "https://tile.openstreetmap.org"


def init_app(app):
    """Add a nonce to every request and the security headers to every response."""
    app.before_request(_make_nonce)
    app.after_request(_set_headers)
    app.jinja_env.globals["csp_nonce"] = csp_nonce


def csp_nonce() -> str:
    """The nonce that inline <script> elements must carry on this request."""
    if "csp_nonce" not in g:
        _make_nonce()
    return g.csp_nonce


def _make_nonce():
    g.csp_nonce = secrets.token_urlsafe(16)


def content_security_policy() -> str:
    form_action = ["'self'"]
    if current_app.config["STRIPE_ENABLED"]:
        form_action.append("https://checkout.stripe.com")  # a reserve POST redirects to Checkout
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'", f"'nonce-{csp_nonce()}'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", TILE_HOST],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": form_action,
    }
    return "; ".join(f"{k} {' '.join(v)}" for k, v in directives.items())


def _set_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", content_security_policy())
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(self)")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if current_app.config.get("SESSION_COOKIE_SECURE"):
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if request.path.startswith("/api/") or response.mimetype == "text/html":
        # Pages and API answers carry per-user data (names, CSRF tokens): never cache them.
        headers.setdefault("Cache-Control", "no-store")
    return response


def _signing_in_as() -> str:
    """The account a sign-in attempt names, from the form (page) or the JSON body (API), read as
    services.accounts.user_authenticate reads it: one key per account however the attempt comes."""
    email = request.form.get("email")
    if email is None:
        data = request.get_json(silent=True)
        email = data.get("email") if isinstance(data, dict) else None
    return str(email or "").strip().lower()[:254]


def _failed(response) -> bool:
    return response.status_code == 401


# Every way of signing in (the sign-in page, POST /api/v1/tokens) shares these two counters: a
# shared limit counts in its scope, not per route, so an account gets LOGIN_LIMIT_PER_ACCOUNT
# failed guesses in all, not that many per door. Only failures count against the account.
login_limit_per_ip = limiter.shared_limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_IP"], scope="login-ip", methods=["POST"]
)
login_limit_per_account = limiter.shared_limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"],
    scope="login-account",
    key_func=_signing_in_as,
    methods=["POST"],
    deduct_when=_failed,
)
signup_limit_per_ip = limiter.limit(
    lambda: current_app.config["SIGNUP_LIMIT_PER_IP"], methods=["POST"]
)
# Password-reset requests: the page and POST /api/v1/password-resets share both counters. The
# per-address one counts every request, for an address with or without an account alike.
reset_limit_per_ip = limiter.shared_limit(
    lambda: current_app.config["PASSWORD_RESET_LIMIT_PER_IP"], scope="reset-ip", methods=["POST"]
)
reset_limit_per_address = limiter.shared_limit(
    lambda: current_app.config["PASSWORD_RESET_LIMIT_PER_ADDRESS"],
    scope="reset-address",
    key_func=_signing_in_as,
    methods=["POST"],
)


def safe_next(target: str | None, default: str) -> str:
    """`target` if it is a local path on this site, else `default` (no open redirects)."""
    if not target or not isinstance(target, str):
        return default
    if any(ord(c) < 32 or c == "\\" for c in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target
