"""Forms of the city staff pages: period filters (GET, no CSRF), factor upload, hiding, targets."""

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from ... import clock
from .numbers import LocalDecimalField


class PeriodForm(FlaskForm):
    """?from=YYYY-MM-DD&to=YYYY-MM-DD; the current year so far when nothing is chosen."""

    class Meta:
        csrf = False

    start = DateField(_l("From"), name="from", validators=[Optional()])
    end = DateField(_l("To"), name="to", validators=[Optional()])

    def validate_end(self, field):
        """The period must not end before it starts."""
        if field.data and self.start.data and field.data < self.start.data:
            raise ValidationError(_l("The end of the period must not be before its start."))

    def period(self) -> tuple[date, date]:
        """The chosen dates; without them, 1 January of the end's year and today."""
        valid = not (self.start.errors or self.end.errors)
        start = self.start.data if valid else None
        end = self.end.data if valid else None
        end = end or max(clock.today(), start or clock.today())
        return start or date(end.year, 1, 1), end


class ScopeForm(PeriodForm):
    """A period, optionally narrowed to one organisation or one site (the waste-class summary)."""

    organization_id = SelectField(
        _l("Organisation"), coerce=str, validators=[Optional()], name="organization_id"
    )
    site_id = SelectField(_l("Site"), coerce=str, validators=[Optional()], name="site_id")

    def __init__(self, *args, organizations=(), sites=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.organization_id.choices = [("", _l("All organisations"))] + [
            (str(o.id), o.name) for o in organizations
        ]
        self.site_id.choices = [("", _l("All sites"))] + [(str(s.id), s.name) for s in sites]

    def scope(self) -> dict:
        """{"organization_id": int, "site_id": int} for what was chosen."""
        chosen = {}
        for name in ("organization_id", "site_id"):
            value = self[name].data
            if not self[name].errors and value and str(value).isdigit():
                chosen[name] = int(value)
        return chosen


class CompareForm(PeriodForm):
    """A period and the factor-set version to recompute it under."""

    version = SelectField(_l("Recompute under version"), validators=[Optional()], name="version")

    def __init__(self, *args, versions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.version.choices = [(v.id, f"{v.id} – {v.name}") for v in versions]


class FactorUploadForm(FlaskForm):
    """A new factor-set version: an id, a name, the method, and the CSV file."""

    version_id = StringField(
        _l("Version id"),
        validators=[DataRequired(), Length(max=40)],
        render_kw={"placeholder": "co2data-2027.1", "autocomplete": "off"},
    )
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=300)])
    rule = TextAreaField(
        _l("Method (how the factors were chosen)"),
        validators=[Optional(), Length(max=5000)],
        render_kw={"rows": 3},
    )
    file = FileField(
        _l("CSV file"), validators=[FileRequired()], render_kw={"accept": ".csv,text/csv"}
    )


class HideForm(FlaskForm):
    """Why city staff hide a listing (the organisation is told)."""

    reason = TextAreaField(
        _l("Reason (shown to the listing's organisation)"),
        validators=[DataRequired(), Length(min=3, max=500)],
        render_kw={"rows": 3},
    )


class TargetForm(FlaskForm):
    """A yearly target in tonnes diverted."""

    year = IntegerField(_l("Year"), validators=[DataRequired(), NumberRange(min=2020, max=2100)])
    tonnes = LocalDecimalField(
        _l("Target (tonnes diverted)"), validators=[DataRequired(), NumberRange(min=0)], suffix="t"
    )
    note = StringField(_l("Note"), validators=[Optional(), Length(max=500)])


class VerifyForm(FlaskForm):
    """Verifying an organisation publishes its listings: staff confirm what they checked."""

    confirm = BooleanField(
        _l(
            "I have checked the business ID in the Business Information System "
            "(YTJ) and that the people who signed up act for this organisation."
        ),
        validators=[DataRequired(_l("Tick the box to confirm."))],
    )
