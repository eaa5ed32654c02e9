"""Configuration: every setting comes from an environment variable (documented in README.md).

Integrations are off unless configured: no MEILI_URL means the embedded search engine, no
STRIPE_SECRET_KEY means the offline payment mode, no MAIL_SERVER means in-app notifications only.
"""

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from .locales import LOCALES

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_INSTANCE = PROJECT_ROOT / "instance"
DEV_SECRET_KEY = "dev-only-secret-key-do-not-use-in-production"
# The Finnish Patent and Registration Office's open data API of the Business Information System
# (YTJ), version 3, as its OpenAPI document names the server: GET {url}/companies?businessId=...
PRH_DEFAULT_API_URL = "https://avoindata.prh.fi/opendata-ytj-api/v3"


def _bool(value, default=False):
    if value is None or value == "":
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


def _int(value, default):
    return int(value) if value not in (None, "") else default


class ConfigError(RuntimeError):
    """Raised when the configuration is unsafe or incomplete for the chosen environment."""


class Config:
    """Settings read from the environment when the object is created."""

    TESTING = False

    def __init__(self, environ=None):
        env = os.environ if environ is None else environ
        self.APP_ENV = env.get("APP_ENV", "production")
        production = self.APP_ENV == "production"
        instance = Path(env.get("INSTANCE_DIR", DEFAULT_INSTANCE))
        self.INSTANCE_DIR = str(instance)

        self.SECRET_KEY = env.get("SECRET_KEY", DEV_SECRET_KEY)
        fallbacks = env.get("SECRET_KEY_FALLBACKS", "")
        self.SECRET_KEY_FALLBACKS = [k for k in fallbacks.split(",") if k]

        self.SQLALCHEMY_DATABASE_URI = _normalise_db_url(
            env.get("DATABASE_URL", f"sqlite:///{instance / 'marketplace.sqlite3'}")
        )
        self.SQLITE_BUSY_TIMEOUT_S = _int(env.get("SQLITE_BUSY_TIMEOUT_S"), 30)

        # Sessions and cookies. Production uses the __Host- prefix, which requires Secure.
        secure = _bool(env.get("SESSION_COOKIE_SECURE"), production)
        self.SESSION_COOKIE_SECURE = secure
        self.SESSION_COOKIE_NAME = "__Host-session" if secure else "session"
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.PERMANENT_SESSION_LIFETIME = timedelta(hours=_int(env.get("SESSION_HOURS"), 12))
        self.REMEMBER_COOKIE_SECURE = secure
        self.REMEMBER_COOKIE_HTTPONLY = True
        self.REMEMBER_COOKIE_SAMESITE = "Lax"
        self.REMEMBER_COOKIE_DURATION = timedelta(days=_int(env.get("REMEMBER_DAYS"), 30))
        self.SESSION_PROTECTION = "strong"
        self.PREFERRED_URL_SCHEME = "https" if secure else "http"
        self.WTF_CSRF_SSL_STRICT = secure
        # Absolute URLs (photos in the API, Stripe return URLs, e-mail links) are built on
        # PUBLIC_BASE_URL, never on the request's Host (public_url.py). Production requires it,
        # and accepts only its host unless TRUSTED_HOSTS names others (README "Hardening").
        default_base = "" if production else "http://127.0.0.1:5000"
        self.PUBLIC_BASE_URL = (env.get("PUBLIC_BASE_URL") or default_base).strip().rstrip("/")
        trusted = [h.strip() for h in env.get("TRUSTED_HOSTS", "").split(",") if h.strip()]
        if not trusted and production and self.PUBLIC_BASE_URL:
            trusted = [urlsplit(self.PUBLIC_BASE_URL).hostname or ""]
        self.TRUSTED_HOSTS = trusted or None
        self.PROXY_FIX_HOPS = _int(env.get("PROXY_FIX_HOPS"), 0)

        # Request size: photos are checked individually in services/photos.py.
        self.MAX_CONTENT_LENGTH = _int(env.get("MAX_UPLOAD_MB"), 40) * 1024 * 1024
        self.UPLOAD_DIR = env.get("UPLOAD_DIR", str(instance / "uploads"))

        self.RATELIMIT_STORAGE_URI = env.get("RATELIMIT_STORAGE_URI", "memory://")
        self.RATELIMIT_ENABLED = _bool(env.get("RATELIMIT_ENABLED"), True)
        self.RATELIMIT_HEADERS_ENABLED = True
        self.LOGIN_LIMIT_PER_IP = env.get("LOGIN_LIMIT_PER_IP", "20/minute;100/hour")
        self.LOGIN_LIMIT_PER_ACCOUNT = env.get("LOGIN_LIMIT_PER_ACCOUNT", "5/minute;30/hour")
        self.SIGNUP_LIMIT_PER_IP = env.get("SIGNUP_LIMIT_PER_IP", "20/hour;100/day")
        self.RESERVE_LIMIT = env.get("RESERVE_LIMIT", "10/minute;60/hour")
        # Messages one person may write about one reservation (page and API count together).
        self.MESSAGE_LIMIT = env.get("MESSAGE_LIMIT", "5/minute;50/day")
        # Password-reset requests (page and API count together), and e-mails an account may ask
        # for again (confirmation link, change of address): nobody can mail-bomb an address.
        self.PASSWORD_RESET_LIMIT_PER_IP = env.get("PASSWORD_RESET_LIMIT_PER_IP", "10/hour;50/day")
        self.PASSWORD_RESET_LIMIT_PER_ADDRESS = env.get(
            "PASSWORD_RESET_LIMIT_PER_ADDRESS", "3/hour;10/day"
        )
        self.ACCOUNT_MAIL_LIMIT = env.get("ACCOUNT_MAIL_LIMIT", "3/hour;10/day")

        self.BABEL_DEFAULT_LOCALE = env.get("DEFAULT_LOCALE", "fi")
        self.LANGUAGES = LOCALES
        self.BABEL_DEFAULT_TIMEZONE = "Europe/Helsinki"

        # Marketplace rules.
        self.MAX_OPEN_RESERVATIONS = _int(env.get("MAX_OPEN_RESERVATIONS"), 5)
        self.ARGON2_FAST = False  # tests only: cheaper argon2id parameters (services/passwords.py)
        self.PICKUPS_PER_SLOT = _int(env.get("PICKUPS_PER_SLOT"), 2)
        self.PICKUP_SLOT_MINUTES = _int(env.get("PICKUP_SLOT_MINUTES"), 30)
        self.PICKUP_GRACE_MINUTES = _int(env.get("PICKUP_GRACE_MINUTES"), 120)
        # Staged release: hours a new listing is open to professionals only (0 = public at once).
        self.STAGED_RELEASE_HOURS = _int(env.get("STAGED_RELEASE_HOURS"), 0)
        self.LISTINGS_PER_PAGE = 24

        # Integrations: each is off unless configured.
        self.MEILI_URL = env.get("MEILI_URL", "")
        self.MEILI_API_KEY = env.get("MEILI_API_KEY", env.get("MEILI_MASTER_KEY", ""))
        self.MEILI_INDEX = env.get("MEILI_INDEX", "listings")
        self.MEILI_TIMEOUT_S = float(env.get("MEILI_TIMEOUT_S", "3"))
        self.SEARCH_DB_PATH = env.get("SEARCH_DB_PATH", str(instance / "search.sqlite3"))

        self.STRIPE_SECRET_KEY = env.get("STRIPE_SECRET_KEY", "")
        self.STRIPE_WEBHOOK_SECRET = env.get("STRIPE_WEBHOOK_SECRET", "")
        self.STRIPE_API_BASE = env.get("STRIPE_API_BASE", "")  # tests point this at a local server
        self.STRIPE_TIMEOUT_S = float(env.get("STRIPE_TIMEOUT_S", "10"))
        self.CHECKOUT_HOLD_MINUTES = max(
            31, _int(env.get("CHECKOUT_HOLD_MINUTES"), 35)
        )  # Stripe needs ≥ 30
        self.DEPOSIT_MAX_DAYS = _int(env.get("DEPOSIT_MAX_DAYS"), 6)  # card holds last about 7 days
        self.STRIPE_PLATFORM_FEE_PERCENT = float(env.get("STRIPE_PLATFORM_FEE_PERCENT", "0"))

        self.MAIL_SERVER = env.get("MAIL_SERVER", "")
        self.MAIL_PORT = _int(env.get("MAIL_PORT"), 25)
        self.MAIL_USERNAME = env.get("MAIL_USERNAME", "")
        self.MAIL_PASSWORD = env.get("MAIL_PASSWORD", "")
        self.MAIL_USE_TLS = _bool(env.get("MAIL_USE_TLS"))
        self.MAIL_FROM = env.get("MAIL_FROM", "Kera Material Exchange <noreply@kera.example>")

        # Builders' organisations: look a web sign-up's business ID up in the Finnish Trade
        # Register's open data (PRH's YTJ API, v3) and verify a matching active company at once.
        self.PRH_LOOKUP = _bool(env.get("PRH_LOOKUP"))
        self.PRH_API_URL = (env.get("PRH_API_URL") or PRH_DEFAULT_API_URL).rstrip("/")
        self.PRH_TIMEOUT_S = float(env.get("PRH_TIMEOUT_S", "5"))

        # Address search on the site form (marketplace/places): a Nominatim-compatible geocoder
        # when GEOCODER_URL is set, else the local gazetteer that `flask places load` fills.
        self.GEOCODER_URL = (env.get("GEOCODER_URL") or "").strip().rstrip("/")
        self.GEOCODER_TIMEOUT_S = float(env.get("GEOCODER_TIMEOUT_S", "3"))
        self.PLACE_SEARCH_LIMIT = env.get("PLACE_SEARCH_LIMIT", "30/minute;300/hour")

        self.LOG_LEVEL = env.get("LOG_LEVEL", "INFO")

        # Operations (README "Operating"): logs, request ids, readiness, metrics.
        self.LOG_FORMAT = env.get("LOG_FORMAT") or ("json" if production else "text")
        self.TRUST_REQUEST_ID = _bool(
            env.get("TRUST_REQUEST_ID"), True
        )  # a well-formed X-Request-ID
        self.READY_WORKER_MAX_AGE_S = _int(env.get("READY_WORKER_MAX_AGE_S"), 120)  # else degraded
        self.READY_OUTBOX_MAX_AGE_S = _int(env.get("READY_OUTBOX_MAX_AGE_S"), 300)  # else degraded
        self.READY_SEARCH_TIMEOUT_S = float(env.get("READY_SEARCH_TIMEOUT_S", "2"))
        self.METRICS_TOKEN = env.get("METRICS_TOKEN", "")  # unset: /metrics only on loopback
        self.PROMETHEUS_MULTIPROC_DIR = env.get("PROMETHEUS_MULTIPROC_DIR", "")

    # Feature flags, derived here once ("is this integration on?"). Properties, so that a test's
    # overrides of the underlying settings are seen; Flask copies them into app.config.
    @property
    def STRIPE_ENABLED(self) -> bool:
        """Online payments: both Stripe keys are set (otherwise the offline mode)."""
        return bool(self.STRIPE_SECRET_KEY and self.STRIPE_WEBHOOK_SECRET)

    @property
    def MEILI_ENABLED(self) -> bool:
        """Meilisearch is indexed and searched beside the embedded engine."""
        return bool(self.MEILI_URL)

    @property
    def PRH_LOOKUP_ENABLED(self) -> bool:
        """A builder's sign-up is checked against the Trade Register (off unless PRH_LOOKUP=on)."""
        return bool(self.PRH_LOOKUP and self.PRH_API_URL)

    @property
    def GEOCODER_ENABLED(self) -> bool:
        """Address search asks the geocoder at GEOCODER_URL (otherwise the local gazetteer)."""
        return bool(self.GEOCODER_URL)

    @property
    def MAIL_ENABLED(self) -> bool:
        """Notifications are also sent by e-mail."""
        return bool(self.MAIL_SERVER)

    def check(self):
        """Refuse settings that are unsafe in production."""
        if self.APP_ENV == "production" and self.SECRET_KEY == DEV_SECRET_KEY:
            raise ConfigError(
                "SECRET_KEY is not set. Production refuses to start with the default key; "
                "set SECRET_KEY to a long random value (or APP_ENV=development for local use)."
            )
        if self.APP_ENV == "production" and len(self.SECRET_KEY) < 32:
            raise ConfigError("SECRET_KEY must be at least 32 characters in production.")
        if self.APP_ENV == "production" and not self.PUBLIC_BASE_URL:
            raise ConfigError(
                "PUBLIC_BASE_URL is not set. Production builds every absolute link (photo "
                "URLs, Stripe return URLs, e-mail links) from it and, unless TRUSTED_HOSTS is "
                "set, accepts only its host; set it to the site's public address, e.g. "
                "https://kera.example.fi."
            )
        base = urlsplit(self.PUBLIC_BASE_URL) if self.PUBLIC_BASE_URL else None
        if base and (
            base.scheme not in ("http", "https") or not base.hostname or base.query or base.fragment
        ):
            raise ConfigError(
                f"PUBLIC_BASE_URL must look like https://host[:port][/path], "
                f"not {self.PUBLIC_BASE_URL!r}."
            )


class TestConfig(Config):
    """Settings for the test suite: a throwaway database and no rate limits unless a test asks."""

    TESTING = True

    def __init__(self, environ=None, **overrides):
        super().__init__({"APP_ENV": "test", **(environ or {})})
        self.WTF_CSRF_ENABLED = False
        self.RATELIMIT_ENABLED = False
        self.SERVER_NAME = "localhost"
        self.PUBLIC_BASE_URL = "http://localhost"
        for key, value in overrides.items():
            setattr(self, key, value)


def _normalise_db_url(url):
    """Use the psycopg 3 driver for plain postgres:// URLs (as hosting providers print them)."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url
