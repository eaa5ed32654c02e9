"""The form for writing a message about a reservation (the service checks the length)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField

from ...models.messages import MAX_BODY


class MessageForm(FlaskForm):
    body = TextAreaField(
        _l("Your message"),
        render_kw={"rows": 3, "maxlength": MAX_BODY, "required": True},
    )
