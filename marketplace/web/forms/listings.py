"""The listing form. Quantities accept a decimal comma; the price is typed in euros."""

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from ..helpers import condition_choices, unit_choices
from .numbers import LocalDecimalField


def euros_to_cents(euros: Decimal | None) -> int:
    """Euros as typed (LocalDecimalField's data) in cents; 0 when left empty."""
    euros = euros or Decimal(0)
    if euros < 0 or euros != euros.quantize(Decimal("0.01")) or euros > 1_000_000:
        raise ValidationError(_l("Enter a price in euros with at most two decimals, e.g. 12,50."))
    return int(euros * 100)


class ListingForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=140)])
    description = TextAreaField(
        _l("Description"), validators=[Optional(), Length(max=5000)], render_kw={"rows": 5}
    )
    category = SelectField(_l("Material"), validators=[DataRequired()])
    quantity = LocalDecimalField(_l("Quantity"), validators=[InputRequired()])
    unit = SelectField(_l("Unit"), validators=[DataRequired()])
    kg_per_unit = LocalDecimalField(_l("Mass per unit (kg)"), validators=[Optional()], suffix="kg")
    confirm_unusual_mass = BooleanField(_l("The mass is unusual but right"))
    # No default grade: a lot posted in a hurry must not claim to be new (issue 13).
    condition = SelectField(
        _l("Condition"), validators=[DataRequired(message=_l("Choose a condition grade."))]
    )
    dimensions = StringField(
        _l("Dimensions"),
        validators=[Optional(), Length(max=120)],
        render_kw={"placeholder": "285 × 85 × 75 mm"},
    )
    site_id = SelectField(_l("Site"), coerce=int, validators=[DataRequired()])
    available_from = DateField(_l("Available from"), validators=[Optional()])
    available_until = DateField(_l("Available until"), validators=[Optional()])
    public_from = DateTimeLocalField(
        _l("Open to everyone from"), format="%Y-%m-%dT%H:%M", validators=[Optional()]
    )
    price = LocalDecimalField(
        _l("Price per unit (€)"),
        validators=[Optional()],
        suffix="€",
        render_kw={"placeholder": "0"},
    )
    late_cancel_fee_percent = IntegerField(
        _l("Kept on late cancellation (%)"),
        default=0,
        validators=[Optional(), NumberRange(min=0, max=100)],
    )
    deposit = LocalDecimalField(
        _l("No-show deposit (€)"),
        validators=[Optional()],
        suffix="€",
        render_kw={"placeholder": "0"},
    )
    hazard_free = BooleanField(
        _l(
            "I declare that this material is free of asbestos, PCB, impregnation "
            "agents and other hazardous substances"
        )
    )
    photos = MultipleFileField(
        _l("Photos (up to 8, JPEG, PNG or WebP)"),
        render_kw={"accept": "image/jpeg,image/png,image/webp"},
    )

    def __init__(self, *args, categories=(), sites=(), locale="fi", **kwargs):
        super().__init__(*args, **kwargs)
        self.category.choices = [("", _l("Choose…"))] + [
            (c.slug, c.name(locale)) for c in categories
        ]
        self.site_id.choices = [(s.id, s.name) for s in sites]
        self.unit.choices = unit_choices()
        self.condition.choices = [("", _l("Choose condition…"))] + condition_choices()

    def validate_price(self, field):
        euros_to_cents(field.data)

    def validate_deposit(self, field):
        euros_to_cents(field.data)

    def data_for_service(self) -> dict:
        """The fields as the listing services take them."""
        return {
            "title": self.title.data,
            "description": self.description.data or "",
            "category": self.category.data,
            "quantity": self.quantity.data,
            "unit": self.unit.data,
            "kg_per_unit": self.kg_per_unit.data,
            "condition": self.condition.data,
            "dimensions": self.dimensions.data or "",
            "site_id": self.site_id.data,
            "available_from": self.available_from.data,
            "available_until": self.available_until.data,
            "public_from": self.public_from.data,  # Helsinki time (services/staged_release.py)
            "price_cents": euros_to_cents(self.price.data),
            "deposit_cents": euros_to_cents(self.deposit.data) if self.deposit else 0,
            "late_cancel_fee_percent": self.late_cancel_fee_percent.data or 0,
            "confirm_unusual_mass": bool(self.confirm_unusual_mass.data),
        }


class PhotoForm(FlaskForm):
    photos = MultipleFileField(
        _l("Add photos"), render_kw={"accept": "image/jpeg,image/png,image/webp"}
    )
    alt = StringField(
        _l("Short description of the photo (for screen readers)"),
        validators=[Optional(), Length(max=200)],
    )
