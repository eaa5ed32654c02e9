"""HTML pages: one blueprint per area, forms in web/forms/, errors shown on pages in feedback.py.
Page modules never import this package: it imports them, here, to register their blueprints."""


def init_app(app):
    """Register the page blueprints (the staff blueprint's routes are in three modules)."""
    from . import (  # noqa: F401 - their routes join accounts.bp
        accounts,
        hand_on,
        handovers,
        helpers,
        impact,
        imports,
        listings,
        main,
        media,
        notifications,
        payments,
        privacy,
        recovery,
        reservation_messages,  # noqa: F401 - its routes join reservations.bp
        reservations,
        searches,
        sites,
        staff,
        wanted,
        wanted_bundles,  # noqa: F401 - its route joins wanted.bp
    )
    from .staff import dashboard, factors, mass_review, moderation, survey_totals  # noqa: F401 - their routes join staff.bp  # noqa: F401 - their routes join staff.bp

    helpers.init_app(app)
    for module in (
        main,
        accounts,
        sites,
        listings,
        media,
        reservations,
        notifications,
        impact,
        staff,
        payments,
        searches,
    ):
        app.register_blueprint(module.bp)
    app.register_blueprint(handovers.bp)
    app.register_blueprint(wanted.bp)
    app.register_blueprint(imports.bp)
    app.register_blueprint(hand_on.bp)
