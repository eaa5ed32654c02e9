"""Forms for reserving, cancelling and handing over."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from .numbers import LocalDecimalField


class ReserveForm(FlaskForm):
    quantity = LocalDecimalField(_l("Quantity"), validators=[InputRequired()])
    pickup_at = SelectField(_l("Pickup time"), validators=[DataRequired()])
    message = TextAreaField(
        _l("Message to the seller (optional)"),
        validators=[Optional(), Length(max=1000)],
        render_kw={"rows": 2},
    )


class CancelForm(FlaskForm):
    reason = SelectField(
        _l("Reason"),
        choices=[
            ("plans_changed", _l("Plans changed")),
            ("found_elsewhere", _l("Found elsewhere")),
            ("cannot_collect", _l("Cannot collect in time")),
            ("not_as_described", _l("Not as described")),
            ("other", _l("Other")),
        ],
    )
    details = StringField(_l("Details (optional)"), validators=[Optional(), Length(max=400)])

    def reason_text(self) -> str:
        label = dict(self.reason.choices).get(self.reason.data, "")
        return f"{label}: {self.details.data}" if self.details.data else str(label)


class CollectForm(FlaskForm):
    code = StringField(
        _l("Pickup code shown by the taker"),
        validators=[DataRequired(), Length(max=8)],
        render_kw={"autocomplete": "off", "autocapitalize": "characters"},
    )
    quantity = LocalDecimalField(_l("Quantity handed over"), validators=[Optional()])
    weighed_kg = LocalDecimalField(
        _l("Weighed mass in kg (optional)"), validators=[Optional()], suffix="kg"
    )
    confirm_unusual_mass = BooleanField(_l("The mass is unusual but right"))


class NoShowForm(FlaskForm):
    keep = LocalDecimalField(
        _l("Deposit to keep (€, empty = all of it)"), validators=[Optional()], suffix="€"
    )

    def validate_keep(self, field):
        self.capture_cents()

    def capture_cents(self) -> int | None:
        """The part of a deposit to capture in cents, or None for all of it."""
        from .listings import euros_to_cents

        return euros_to_cents(self.keep.data) if self.keep.data is not None else None


class PickupCodeForm(FlaskForm):
    """The pickup list's "enter or scan code" field: finds the reservation to hand over."""

    code = StringField(
        _l("Pickup code"),
        validators=[DataRequired(), Length(max=8)],
        render_kw={
            "autocomplete": "off",
            "autocapitalize": "characters",
            "spellcheck": "false",
            "enterkeyhint": "go",
        },
    )
