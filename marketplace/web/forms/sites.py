"""The site form: name, address, coordinates (typed or picked on the map), hours."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ...models import WEEKDAYS
from .numbers import LocalDecimalField

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
