"""Languages: Finnish, Swedish and English, chosen by the user, remembered, or from the browser."""

from flask import current_app, has_request_context, request, session
from flask_babel import get_locale
from flask_login import current_user

from . import formatting
from .extensions import babel
from .locales import LANGUAGE_NAMES


def init_app(app):
    """Wire Flask-Babel, the language helpers and the filters for figures and dates."""
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.globals.update(
        current_locale=lambda: str(get_locale()),
        language_names=LANGUAGE_NAMES,
    )
    formatting.init_app(app)  # number, kg, tonnes, money, percent, date, datetime, time_local


def select_locale() -> str:
    """The API uses Accept-Language only; pages prefer the remembered choice."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI and worker: messages in the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if not request.path.startswith("/api/"):
        chosen = session.get("locale")
        if chosen in languages:
            return chosen
        if getattr(current_user, "is_authenticated", False) and current_user.locale in languages:
            return current_user.locale
    return (
        request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]
    )
