"""The "Save this search" form: a name for the search; the search itself rides along as hidden
fields (the service checks them)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length


class SaveSearchForm(FlaskForm):
    name = StringField(
        _l("Name of this saved search"),
        validators=[DataRequired(), Length(max=100)],
        id="save-name",
    )
