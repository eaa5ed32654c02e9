"""The wanted-post form: decimals in the reader's notation, the price ceiling in euros."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from ..helpers import unit_choices
from .listings import euros_to_cents
from .numbers import LocalDecimalField


class WantedForm(FlaskForm):
    title = StringField(_l("What do you need?"), validators=[DataRequired(), Length(max=140)])
    description = TextAreaField(
        _l("Description"), validators=[Optional(), Length(max=5000)], render_kw={"rows": 4}
    )
    category = SelectField(_l("Material"), validators=[Optional()])
    quantity = LocalDecimalField(_l("Quantity"), validators=[InputRequired()])
    unit = SelectField(_l("Unit"), validators=[DataRequired()])
    needed_from = DateField(_l("Needed from"), validators=[Optional()])
    needed_by = DateField(_l("Needed by"), validators=[InputRequired()])
    lat = LocalDecimalField(_l("Latitude"), validators=[Optional()])
    lng = LocalDecimalField(_l("Longitude"), validators=[Optional()])
    radius_km = LocalDecimalField(_l("Within (km)"), validators=[Optional()], suffix="km")
    max_price = LocalDecimalField(
        _l("Highest price per unit (€)"), validators=[Optional()], suffix="€"
    )

    def __init__(self, *args, categories=(), locale="fi", **kwargs):
        super().__init__(*args, **kwargs)
        self.category.choices = [("", _l("Any material"))] + [
            (c.slug, c.name(locale)) for c in categories
        ]
        self.unit.choices = unit_choices()

    def validate_max_price(self, field):
        if field.data is not None:
            euros_to_cents(field.data)

    def data_for_service(self) -> dict:
        """The fields as services/wanted.py takes them."""
        price = self.max_price.data
        return {
            "title": self.title.data,
            "description": self.description.data or "",
            "category": self.category.data or None,
            "quantity": self.quantity.data,
            "unit": self.unit.data,
            "needed_from": self.needed_from.data,
            "needed_by": self.needed_by.data,
            "lat": self.lat.data,
            "lng": self.lng.data,
            "radius_km": self.radius_km.data,
            "max_price_cents": None if price is None else euros_to_cents(price),
        }
