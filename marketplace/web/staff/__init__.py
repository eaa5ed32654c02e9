"""Pages for city staff, one blueprint over three modules: the dashboard, reports and the
outbox's dead letters (dashboard.py), carbon-factor versions (factors.py), and moderation and
targets (moderation.py). Every page needs the city role.

The blueprint lives here and the page modules import it; this module imports none of them.
marketplace/web/__init__.py imports the three to add their routes, then registers `bp`."""

from flask import Blueprint, request

from ..forms.staff import PeriodForm

bp = Blueprint("staff", __name__, url_prefix="/staff")


def period_form(form_class=PeriodForm, **kwargs):
    """The period (and scope) form of a staff page, read from the query string and validated."""
    form = form_class(formdata=request.args, **kwargs)
    form.validate()
    return form
