"""Kera Material Exchange: the application factory reads like a table of contents."""

from werkzeug.middleware.proxy_fix import ProxyFix

from .config import PROJECT_ROOT, Config
from .public_url import App


def create_app(config=None):
    """Build the app: config, extensions, security, languages, blueprints, CLI."""
    app = App(  # Flask, with absolute URLs built on PUBLIC_BASE_URL
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    config = config or Config()
    config.check()
    app.config.from_object(config)
    from . import client_input

    client_input.init_app(app)  # ids in range, bounded JSON: before any URL rule exists
    _ensure_directories(app)
    from . import ops

    ops.init_app(app)  # logs with request ids, /healthz, /readyz, /metrics (README "Operating")
    if app.config["PROXY_FIX_HOPS"]:
        hops = app.config["PROXY_FIX_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    from . import auth, catalog_loader, database, errorhandlers, i18n, security  # noqa: F401
    from .extensions import csrf, db, limiter, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    auth.init_app(app)
    i18n.init_app(app)
    security.init_app(app)
    errorhandlers.init_app(app)
    from .services import passwords

    passwords.configure(app)

    from . import handlers, outbox

    outbox.init_app(app, handlers.HANDLERS, handlers.CHORES)  # the one table of side effects
    from . import api, web

    web.init_app(app)
    api.init_app(app)

    from . import cli

    cli.init_app(app)
    return app


def _ensure_directories(app):
    """A fresh clone has no instance/ folder: create it (and the SQLite file's folder)."""
    from pathlib import Path

    Path(app.config["INSTANCE_DIR"]).mkdir(parents=True, exist_ok=True)
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        Path(url[len("sqlite:///") :]).parent.mkdir(parents=True, exist_ok=True)
