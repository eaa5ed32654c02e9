"""The survey upload form: a file to preview, or the previewed file to publish."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, HiddenField, SubmitField
from wtforms.validators import DataRequired


class SurveyForm(FlaskForm):
    survey = FileField(_l("Survey file (CSV or XLSX)"), render_kw={"accept": ".csv,.xlsx,text/csv"})
    kept = HiddenField()  # the previewed file, kept on the server until it is published
    preview = SubmitField(_l("Check the file"))
    publish = SubmitField(_l("Publish all rows"))


class ExtendForm(FlaskForm):
    """Keep an unclaimed lot on offer longer."""

    available_until = DateField(_l("Available until"), validators=[DataRequired()])
