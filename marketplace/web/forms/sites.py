"""The site form: name, address, coordinates (typed or picked on the map), hours."""

from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, StringField, TextAreaField, ValidationError
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ... import formatting
from ...models import WEEKDAYS
from ...places import FINLAND
from .numbers import LocalDecimalField

# Kera station: the example a coordinate hint gives (the demo data's and wanted posts' centre).
EXAMPLE_LAT, EXAMPLE_LNG = Decimal("60.2161"), Decimal("24.7539")

WEEKDAY_LABELS = {
    "mon": _l("Monday"),
    "tue": _l("Tuesday"),
    "wed": _l("Wednesday"),
    "thu": _l("Thursday"),
    "fri": _l("Friday"),
    "sat": _l("Saturday"),
    "sun": _l("Sunday"),
}


class SiteForm(FlaskForm):
    name = StringField(_l("Site name"), validators=[DataRequired(), Length(max=120)])
    address = StringField(
        _l("Street address"),
        validators=[DataRequired(), Length(max=200)],
        render_kw={"autocomplete": "street-address"},
    )
    lat = LocalDecimalField(_l("Latitude"), validators=[InputRequired()])
    lng = LocalDecimalField(_l("Longitude"), validators=[InputRequired()])
    pickup_instructions = TextAreaField(
        _l("Pickup instructions"), validators=[Optional(), Length(max=2000)], render_kw={"rows": 3}
    )
    staged_release_hours = IntegerField(
        _l("Professionals first (hours)"),
        validators=[Optional(), NumberRange(min=0, max=720)],
        render_kw={"inputmode": "numeric"},
    )

    def validate_lat(self, field):
        """A latitude in Finland (the service itself allows any on Earth): "60,2170" read as
        602170 by some other program, or latitude and longitude swapped, is caught here."""
        lng = self.lng.data
        if field.data is None or FINLAND.lat_min <= field.data <= FINLAND.lat_max:
            return
        if lng is not None and FINLAND.lat_min <= lng <= FINLAND.lat_max:
            raise ValidationError(
                _(
                    "Latitude and longitude seem to be the wrong way round: in Finland the"
                    " latitude is the larger number (about %(lat)s) and the longitude the"
                    " smaller (about %(lng)s).",
                    lat=formatting.number(EXAMPLE_LAT, 0),
                    lng=formatting.number(EXAMPLE_LNG, 0),
                )
            )
        raise ValidationError(
            _(
                "Enter a latitude in Finland, from %(min)s to %(max)s (Kera: %(example)s).",
                min=formatting.number(FINLAND.lat_min),
                max=formatting.number(FINLAND.lat_max),
                example=formatting.number(EXAMPLE_LAT),
            )
        )

    def validate_lng(self, field):
        """A longitude in Finland (see validate_lat)."""
        lat = self.lat.data
        if field.data is None or FINLAND.lng_min <= field.data <= FINLAND.lng_max:
            return
        if lat is not None and FINLAND.lng_min <= lat <= FINLAND.lng_max:
            return  # the swap is explained once, at the latitude
        raise ValidationError(
            _(
                "Enter a longitude in Finland, from %(min)s to %(max)s (Kera: %(example)s).",
                min=formatting.number(FINLAND.lng_min),
                max=formatting.number(FINLAND.lng_max),
                example=formatting.number(EXAMPLE_LNG),
            )
        )

    def opening_hours(self) -> dict:
        """{"mon": ["07:00", "16:00"], ...} from the per-day fields (empty days are closed)."""
        hours = {}
        for day in WEEKDAYS:
            opens, closes = self[f"{day}_open"].data, self[f"{day}_close"].data
            if opens or closes:
                hours[day] = [opens or "", closes or ""]
        return hours

    def fill_hours(self, hours: dict) -> None:
        for day, (opens, closes) in (hours or {}).items():
            self[f"{day}_open"].data, self[f"{day}_close"].data = opens, closes

    def data_for_service(self) -> dict:
        return {
            "name": self.name.data,
            "address": self.address.data,
            "lat": self.lat.data,
            "lng": self.lng.data,
            "pickup_instructions": self.pickup_instructions.data or "",
            "opening_hours": self.opening_hours(),
            "staged_release_hours": self.staged_release_hours.data,
        }


for _day in WEEKDAYS:
    setattr(
        SiteForm,
        f"{_day}_open",
        StringField(
            _l("Opens"), validators=[Optional(), Length(max=5)], render_kw={"type": "time"}
        ),
    )
    setattr(
        SiteForm,
        f"{_day}_close",
        StringField(
            _l("Closes"), validators=[Optional(), Length(max=5)], render_kw={"type": "time"}
        ),
    )
