"""Pages: reserving, my reservations, reservations on my listings, the pickup list, handover."""

from datetime import datetime

import segno
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup

from .. import clock, formatting
from ..auth import role_required
from ..client_input import parse_id
from ..extensions import limiter
from ..models import Role
from ..ops.outcomes import refusals
from ..queries import listings as listing_queries
from ..queries import payment_records
from ..queries import reservations as reservation_queries
from ..queries import sites as site_queries
from ..security import safe_next
from ..services import checkout, pickups
from ..services import reservations as reservation_services
from ..urls import checkout_urls
from .feedback import USER_ERRORS, show_errors
from .forms import ButtonForm
from .forms.reservations import CancelForm, CollectForm, NoShowForm, PickupCodeForm, ReserveForm
from .map_links import site_links

bp = Blueprint("reservations", __name__)


def reserve_form_for(listing) -> ReserveForm:
    """The reserve form with the listing's free pickup times as choices (sooner ones when a
    deposit's card hold must still be valid at pickup)."""
    form = ReserveForm()
    limit = (
        current_app.config["DEPOSIT_MAX_DAYS"]
        if checkout.payment_kind(listing) == "deposit"
        else None
    )
    form.pickup_at.choices = [
        (s.start.isoformat(), s.local) for s in pickups.free_slots(listing, limit_days=limit)
    ]
    return form


def _user_key() -> str:
    return (
        f"reserve:{current_user.get_id() if current_user.is_authenticated else request.remote_addr}"
    )


@bp.post("/listings/<int:listing_id>/reserve")
@login_required
@limiter.limit(lambda: current_app.config["RESERVE_LIMIT"], key_func=_user_key)
def reserve(listing_id):
    """Reserve part or all of a listing for a pickup time."""
    listing = listing_queries.listing_for(current_user, listing_id)
    if listing.can_manage(current_user):
        abort(403)  # your own organisation's material
    form = reserve_form_for(listing)
    if form.validate_on_submit():
        success, cancel = checkout_urls()
        try:
            with refusals():  # counts kera_reservations_total{outcome="refused", reason=<code>}
                reservation, checkout_url = reservation_services.reservation_book(
                    user_id=current_user.id,
                    listing_id=listing.id,
                    quantity=form.quantity.data,
                    pickup_at=datetime.fromisoformat(form.pickup_at.data),
                    message=form.message.data or "",
                    success_url=success,
                    cancel_url=cancel,
                )
        except USER_ERRORS as exc:
            show_errors(form, exc)
        else:
            if checkout_url:
                return redirect(checkout_url, 303)
            flash(
                _("Reserved. Show the pickup code %(code)s at the site.", code=reservation.code),
                "success",
            )
            return redirect(url_for("reservations.detail", reservation_id=reservation.id))
    listing = listing_queries.listing_for(current_user, listing_id)
    return render_template(
        "listings/detail.html",
        listing=listing,
        button=ButtonForm(),
        reserve_form=form,
        can_manage=False,
        payment_kind=checkout.payment_kind(listing),
    ), 422


@bp.get("/reservations")
@login_required
def mine():
    """The reservations I made."""
    return render_template(
        "reservations/mine.html", reservations=reservation_queries.of_user(current_user.id)
    )


@bp.get("/reservations/selling")
@role_required(Role.BUILDER)
def selling():
    """Reservations on my organisation's listings."""
    return render_template(
        "reservations/selling.html",
        reservations=reservation_queries.of_organization(current_user.organization_id),
    )


# The pickup list asks for the camera to scan QR codes; every other page keeps it off
# (security.py's default Permissions-Policy: camera=()).
SCAN_PERMISSIONS = "camera=(self), microphone=(), geolocation=(self)"


def _pickup_page(code_form: PickupCodeForm, status: int = 200):
    """The pickup list of the chosen site (the first by default): the code field, then the
    open reservations, today's first."""
    sites = site_queries.sites_for(current_user)
    if not sites:
        flash(_("Add a site first."), "info")
        return redirect(url_for("sites.new"))
    site_id = parse_id(request.args.get("site_id")) or sites[0].id  # out of range: the first
    site = site_queries.site_for(current_user, site_id)
    response = make_response(
        render_template(
            "reservations/pickups.html",
            sites=sites,
            site=site,
            groups=reservation_queries.pickups_by_day(site, clock.today()),
            code_form=code_form,
            collect_form=CollectForm(formdata=None),
        ),
        status,
    )
    response.headers["Permissions-Policy"] = SCAN_PERMISSIONS
    return response


@bp.get("/pickups")
@role_required(Role.BUILDER)
def pickup_list():
    """My organisation's pickups at one site: today's, then upcoming, then the rest."""
    return _pickup_page(PickupCodeForm(formdata=None))


@bp.post("/pickups")
@role_required(Role.BUILDER)
def pickup_code():
    """The code typed or scanned at the gate: the hand-over step of the reservation it opens
    (codes are checked again, by reservation_collect, when the handover is confirmed)."""
    form = PickupCodeForm()
    if form.validate_on_submit():
        found = reservation_queries.open_with_code(current_user.organization_id, form.code.data)
        if found:
            collect_form = CollectForm(formdata=None)
            collect_form.code.data = found[0].code
            return render_template(
                "reservations/handover.html",
                found=found,
                collect_form=collect_form,
                back=url_for("reservations.pickup_list", site_id=found[0].listing.site_id),
            )
        form.code.errors.append(_("No open reservation at your sites has this pickup code."))
    return _pickup_page(form, 422)


@bp.get("/reservations/<int:reservation_id>")
@login_required
def detail(reservation_id):
    """Code and QR code first, then time and place (with map links), details and the actions
    open to me."""
    reservation = reservation_queries.reservation_for(current_user, reservation_id)
    qr = Markup(
        segno.make(reservation.code, micro=False).svg_inline(
            scale=6,
            title=reservation.code,
            omitsize=True,  # a viewBox: CSS sets its size
        )
    )
    seller = current_user.belongs_to(reservation.listing.organization_id)
    site = reservation.listing.site
    return render_template(
        "reservations/detail.html",
        r=reservation,
        qr=qr,
        map_links=site_links(site.lat, site.lng, site.name),
        seller=seller,
        cancel_form=CancelForm(),
        collect_form=CollectForm(),
        button=ButtonForm(),
        no_show_form=NoShowForm(),
        payments=payment_records.of_reservation(reservation.id),
    )


@bp.post("/reservations/<int:reservation_id>/cancel")
@login_required
def cancel(reservation_id):
    """Cancel (the taker or the seller); the quantity returns to the listing."""
    if not reservation_queries.reservation_for(current_user, reservation_id).can_cancel(
        current_user
    ):
        abort(404)
    form = CancelForm()
    if form.validate_on_submit():
        try:
            reservation_services.reservation_cancel(
                user_id=current_user.id, reservation_id=reservation_id, reason=form.reason_text()
            )
            flash(_("The reservation was cancelled."), "info")
        except USER_ERRORS as exc:
            flash(str(exc.message), "error")
    return redirect(url_for("reservations.detail", reservation_id=reservation_id))


@bp.post("/reservations/<int:reservation_id>/collect")
@role_required(Role.BUILDER)
def collect(reservation_id):
    """Hand over: check the code, record the quantity (and a weighing) in the ledger."""
    reservation_queries.reservation_for(current_user, reservation_id)  # 404 for anyone else
    form = CollectForm()
    if form.validate_on_submit():
        try:
            _r, handover = reservation_services.reservation_collect(
                user_id=current_user.id,
                reservation_id=reservation_id,
                quantity=form.quantity.data,
                weighed_kg=form.weighed_kg.data,
                code=form.code.data,  # None when left empty
                confirm_unusual_mass=form.confirm_unusual_mass.data,
            )
            flash(
                _("Handed over: %(kg)s kg recorded.", kg=formatting.number(handover.mass_kg)),
                "success",
            )
        except USER_ERRORS as exc:
            flash(" ".join(str(m) for m in exc.fields.values()) or str(exc.message), "error")
    else:
        flash(_("Enter the pickup code shown by the taker."), "error")
    return redirect(
        safe_next(
            request.form.get("back"), url_for("reservations.detail", reservation_id=reservation_id)
        )
    )


@bp.post("/reservations/<int:reservation_id>/no-show")
@role_required(Role.BUILDER)
def no_show(reservation_id):
    """Mark that the taker did not come; the quantity returns to the listing (and a deposit is
    kept, in full or the amount given)."""
    reservation_queries.reservation_for(current_user, reservation_id)  # 404 for anyone else
    form = NoShowForm()
    if form.validate_on_submit():
        try:
            reservation_services.reservation_no_show(
                user_id=current_user.id,
                reservation_id=reservation_id,
                capture_cents=form.capture_cents(),
            )
            flash(_("Marked as not collected."), "info")
        except USER_ERRORS as exc:
            flash(str(exc.message), "error")
    return redirect(url_for("reservations.detail", reservation_id=reservation_id))
