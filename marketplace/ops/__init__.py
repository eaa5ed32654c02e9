"""Operations: health and readiness probes, Prometheus metrics, JSON logs with request ids,
the worker heartbeat and SQLite backups (README "Operating")."""


def init_app(app):
    """Wire logging, request ids, metrics and the probe routes into the app."""
    from ..extensions import csrf, limiter

    # heartbeat is imported for its table
    from . import health, heartbeat, logs, metrics, outcomes, requests  # noqa: F401

    logs.configure(app)
    requests.init_app(app)
    outcomes.listen()  # count reservation outcomes from every session (pages, API, worker)
    for blueprint in (health.bp, metrics.bp):
        csrf.exempt(blueprint)  # GET only, anonymous: nothing to protect against forgery
        limiter.exempt(blueprint)  # probes and scrapes must never be throttled
        app.register_blueprint(blueprint)
