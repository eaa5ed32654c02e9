"""WTForms for the pages. They check shape (required, length, type); services check meaning."""

from flask_wtf import FlaskForm


class ButtonForm(FlaskForm):
    """A form with only the CSRF token, for POST buttons (sign out, withdraw, cancel)."""
