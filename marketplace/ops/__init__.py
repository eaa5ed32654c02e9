"""Operations: health and readiness probes, Prometheus metrics, JSON logs with request ids,
the worker heartbeat and SQLite backups (README "Operating")."""


def init_app(app):
    """Wire logging, request ids, metrics and the probe routes into the app."""
    from ..extensions import csrf, limiter
    from . import health, heartbeat, logs, metrics, requests  # noqa: F401 - heartbeat: its table

    logs.configure(app)
    requests.init_app(app)
    metrics.init_app(app)
    for blueprint in (health.bp, metrics.bp):
        csrf.exempt(blueprint)  # GET only, anonymous: nothing to protect against forgery
        limiter.exempt(blueprint)  # probes and scrapes must never be throttled
        app.register_blueprint(blueprint)
