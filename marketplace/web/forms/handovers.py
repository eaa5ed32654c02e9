"""The handover correction form: what changes, and why."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from .numbers import LocalDecimalField


class CorrectionForm(FlaskForm):
    mass_kg = LocalDecimalField(
        _l("Correct mass of the whole handover (kg)"), validators=[Optional()], suffix="kg"
    )
    weighed = BooleanField(_l("The mass was weighed"))
    quantity = LocalDecimalField(_l("Correct quantity"), validators=[Optional()])
    category = SelectField(_l("Material"), validators=[Optional()])
    reason = TextAreaField(
        _l("Reason for the correction"),
        validators=[DataRequired(), Length(min=3, max=500)],
        render_kw={"rows": 3},
    )

    def __init__(self, *args, categories=(), current=None, locale="fi", **kwargs):
        super().__init__(*args, **kwargs)
        self.category.choices = [(c.slug, c.name(locale)) for c in categories]
        if current is not None and not self.is_submitted():
            self.category.data = current.category_slug
