"""Page: what to do with a lot nobody has reserved (issue 11 item 4): extend its window, open it
to everyone now, or hand it on to Materiaalitori with a file of what its offer form asks."""

from datetime import timedelta

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import clock
from ..auth import role_required
from ..errors import ValidationFailed
from ..models import Role
from ..queries import hand_off as hand_off_queries
from ..queries import listings as listing_queries
from ..services import hand_on
from ..services import listings as listing_services
from .feedback import show_errors
from .forms import ButtonForm
from .forms.imports import ExtendForm

bp = Blueprint("hand_on", __name__, url_prefix="/listings")


def _page(listing, extend, status=200):
    return render_template(
        "listings/hand_on.html",
        listing=listing,
        extend=extend,
        button=ButtonForm(),
        record=hand_off_queries.hand_off(listing),
        released=listing.is_released(clock.now()),
    ), status


@bp.get("/<int:listing_id>/hand-on")
@role_required(Role.BUILDER)
def page(listing_id):
    """The three ways on for a lot of the builder's organisation."""
    listing = listing_queries.managed_listing(current_user, listing_id)
    extend = ExtendForm(available_until=listing.available_until + timedelta(days=14))
    return _page(listing, extend)


@bp.post("/<int:listing_id>/hand-on/extend")
@role_required(Role.BUILDER)
def extend(listing_id):
    """(a) Keep it on offer longer (the listing rules check the new end)."""
    listing = listing_queries.managed_listing(current_user, listing_id)
    form = ExtendForm()
    if form.validate_on_submit():
        try:
            listing_services.listing_update(
                user_id=current_user.id,
                listing_id=listing.id,
                available_until=form.available_until.data,
            )
        except ValidationFailed as exc:
            show_errors(form, exc)
        else:
            flash(
                _(
                    "The lot is now available until %(date)s.",
                    date=form.available_until.data.strftime("%d.%m.%Y"),
                ),
                "success",
            )
            return redirect(url_for("listings.detail", listing_id=listing.id))
    return _page(listing, form, 422)


@bp.post("/<int:listing_id>/hand-on/open")
@role_required(Role.BUILDER)
def open_now(listing_id):
    """(b) Open it to everyone now: its staged release ends (public_from = now)."""
    listing = listing_queries.managed_listing(current_user, listing_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    listing_services.listing_update(
        user_id=current_user.id, listing_id=listing.id, public_from=clock.now()
    )
    flash(_("The lot is now open to everyone."), "success")
    return redirect(url_for("listings.detail", listing_id=listing.id))


@bp.post("/<int:listing_id>/hand-on/materiaalitori")
@role_required(Role.BUILDER)
def handed_on(listing_id):
    """(c) Record that the lot was offered on Materiaalitori (after downloading its file)."""
    listing = listing_queries.managed_listing(current_user, listing_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    hand_on.listing_hand_on(user_id=current_user.id, listing_id=listing.id)
    flash(_("Recorded: the lot was handed on to Materiaalitori."), "success")
    return redirect(url_for("listings.detail", listing_id=listing.id))
