"""The JSON API at /api/v1 (contract: shared spec api-v1.md; OpenAPI at /api/v1/openapi.json)."""

from .blueprint import bp


def init_app(app):
    """Register the API blueprint with its request checks and resources."""
    from ..extensions import csrf
    from . import (  # noqa: F401 - routes  # noqa: F401 - routes
        account,  # noqa: F401 - routes
        auth,
        catalog,
        hand_on,
        handovers,  # noqa: F401 - routes
        impact,
        imports,
        listings,
        messages,
        openapi,
        organizations,  # noqa: F401 - routes
        payments,
        reservations,
        sites,
        tokens,
        wanted,  # noqa: F401 - routes
        wanted_matches,  # noqa: F401 - routes
    )

    csrf.exempt(bp)  # bearer requests need no CSRF; session requests are checked in auth.py
    app.register_blueprint(bp)
