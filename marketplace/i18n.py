"""Languages: Finnish, Swedish and English, chosen by the user, remembered, or from the browser."""
from decimal import Decimal

from babel.numbers import format_decimal
from flask import current_app, has_request_context, request, session
from flask_babel import format_date, format_datetime, get_locale
from flask_login import current_user

from .extensions import babel
from .locales import LANGUAGE_NAMES


def init_app(app):
    """Wire Flask-Babel and the template helpers for localised names and numbers."""
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.globals.update(
        current_locale=lambda: str(get_locale()),
        language_names=LANGUAGE_NAMES,
    )
    app.jinja_env.filters.update(
        number=format_number,
        date=lambda d: format_date(d, "medium") if d else "",
        datetime=lambda d: format_datetime(d, "medium") if d else "",
        money=format_money,
    )


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
    return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


def format_number(value, locale=None) -> str:
    """A quantity or mass in the reader's notation: 1 200,5 in Finnish, 1,200.5 in English."""
    if value is None:
        return ""
    value = Decimal(value).normalize() if isinstance(value, Decimal) else value
    return format_decimal(value, locale=locale or str(get_locale()), decimal_quantization=False)


def format_money(cents: int) -> str:
    """Euro cents as a localised amount, e.g. 12,50 €."""
    from babel.numbers import format_currency

    return format_currency(Decimal(cents) / 100, "EUR", locale=str(get_locale()))
