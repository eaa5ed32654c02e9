"""City staff pages: the dashboard, the printable report, the waste-class summary and the
outbox's dead letters."""

from flask import flash, redirect, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from ... import clock, outbox
from ...auth import role_required
from ...models import Role
from ...queries import demand as demand_queries
from ...queries import exports as export_queries
from ...queries import moderation as moderation_queries
from ...queries import reports
from ..forms import ButtonForm
from ..forms.staff import ScopeForm
from . import bp, period_form


@bp.get("/")
@role_required(Role.CITY)
def dashboard():
    """Diverted mass and CO2e for a period, by every grouping, with the market's health figures."""
    form = period_form()
    start, end = form.period()
    locale = str(get_locale())
    return render_template(
        "staff/index.html",
        form=form,
        start=start,
        end=end,
        demand=demand_queries.open_demand(locale),
        **reports.dashboard(start, end, locale),
    )


@bp.get("/report")
@role_required(Role.CITY)
def report():
    """The dashboard's figures as a document to print or save as PDF, with the waste classes."""
    form = period_form()
    start, end = form.period()
    locale = str(get_locale())
    return render_template(
        "staff/report.html",
        form=form,
        start=start,
        end=end,
        generated_at=clock.now(),
        report=True,
        classes=export_queries.waste_summary(locale, start, end),
        **reports.dashboard(start, end, locale),
    )


@bp.get("/waste-report")
@role_required(Role.CITY)
def waste_report():
    """Net mass per waste class (EWC code) for the Building Act 751/2023 report, by weight."""
    form = period_form(
        ScopeForm,
        organizations=moderation_queries.all_organizations(),
        sites=moderation_queries.all_sites(),
    )
    start, end = form.period()
    scope = form.scope()
    classes = export_queries.waste_summary(str(get_locale()), start, end, **scope)
    csv_args = {"from": start.isoformat(), "to": end.isoformat(), **scope}
    return render_template(
        "staff/waste_report.html",
        form=form,
        start=start,
        end=end,
        classes=classes,
        csv_args=csv_args,
    )


@bp.get("/outbox")
@role_required(Role.CITY)
def outbox_problems():
    """Side effects that failed: dead letters and messages still being retried."""
    return render_template(
        "staff/outbox.html",
        messages=outbox.troubled(),
        button=ButtonForm(),
        max_attempts=outbox.MAX_ATTEMPTS,
    )


@bp.post("/outbox/<int:message_id>/retry")
@role_required(Role.CITY)
def outbox_retry(message_id):
    """Queue a dead letter again."""
    if ButtonForm().validate_on_submit() and outbox.retry(message_id):
        flash(_("The message was queued again."), "info")
    return redirect(url_for("staff.outbox_problems"))
