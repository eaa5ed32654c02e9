"""The JSON API at /api/v1 (contract: shared spec api-v1.md; OpenAPI at /api/v1/openapi.json)."""
from .blueprint import bp


def init_app(app):
    """Register the API blueprint with its request checks and resources."""
    from . import auth, catalog, impact, listings, openapi, payments, reservations, sites, tokens  # noqa: F401 - routes
    from . import handovers  # noqa: F401 - routes
    from . import organizations  # noqa: F401 - routes
    from . import account  # noqa: F401 - routes
    from . import wanted  # noqa: F401 - routes
    from . import wanted_matches  # noqa: F401 - routes
    from . import hand_on, imports  # noqa: F401 - routes
    from ..extensions import csrf

    csrf.exempt(bp)  # bearer requests need no CSRF; session requests are checked in auth.py
    app.register_blueprint(bp)
