"""Pages: a listing, listing and editing material, photos, withdrawing, the builder's own list."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import payment_gateway
from ..auth import role_required
from ..clock import HELSINKI
from ..errors import ValidationFailed
from ..models import Role
from ..queries import listings as listing_queries
from ..queries import matching
from ..queries import sites as site_queries
from ..services import checkout
from ..services import listings as listing_services
from ..services import photos as photo_services
from .feedback import USER_ERRORS, show_errors
from .forms import ButtonForm
from .forms.listings import ListingForm, PhotoForm
from .helpers import prefill

bp = Blueprint("listings", __name__, url_prefix="/listings")


@bp.get("/<int:listing_id>")
def detail(listing_id):
    """Everything a taker needs to decide: photos, quantity left, mass, condition, site, pickup."""
    listing = listing_queries.listing_for(current_user, listing_id)
    can_manage = listing.can_manage(current_user)
    reserve_form = None
    if current_user.is_authenticated and not can_manage and listing.status == "available":
        from .reservations import reserve_form_for

        reserve_form = reserve_form_for(listing)
    return render_template(
        "listings/detail.html",
        listing=listing,
        button=ButtonForm(),
        can_manage=can_manage,
        reserve_form=reserve_form,
        payment_kind=checkout.payment_kind(listing),
        needed_by=matching.wanted_for_listing(listing) if can_manage else [],
    )


@bp.get("/<int:listing_id>/events")
@login_required
def events(listing_id):
    """The listing's append-only event log (its organisation and city staff)."""
    listing = listing_queries.listing_for(current_user, listing_id)
    if not (listing.can_manage(current_user) or current_user.is_city):
        abort(404)
    return render_template(
        "listings/events.html", listing=listing, events=listing_queries.events(listing.id)
    )


@bp.get("/mine")
@role_required(Role.BUILDER)
def mine():
    """The organisation's listings in every state."""
    return render_template(
        "listings/mine.html",
        listings=listing_queries.organisation_listings(current_user.organization_id),
    )


def _form(**kwargs) -> ListingForm:
    form = ListingForm(
        categories=listing_queries.categories(listable_only=True),
        sites=site_queries.sites_for(current_user),
        locale=str(get_locale()),
        **kwargs,
    )
    if not _payouts_ready():
        del form.deposit  # deposits need online payments and the organisation's payouts
    return form


def _payouts_ready() -> bool:
    return payment_gateway.takes_online_payments(current_user.organization)


def _add_photos(listing_id: int, files, alt: str = "") -> int:
    """Attach uploaded photos one by one; a rejected photo is reported, the others are kept."""
    added = 0
    for upload in files:
        if not upload or not upload.filename:
            continue
        try:
            photo_services.photo_add(
                user_id=current_user.id,
                listing_id=listing_id,
                data=upload.read(photo_services.MAX_BYTES + 1),
                alt_text=alt,
            )
            added += 1
        except ValidationFailed as exc:
            flash(
                _(
                    "%(file)s was not added: %(reason)s",
                    file=upload.filename[:80],
                    reason=" ".join(str(m) for m in exc.fields.values()),
                ),
                "error",
            )
    return added


@bp.route("/new", methods=["GET", "POST"])
@role_required(Role.BUILDER)
def new():
    """List material at one of the organisation's sites."""
    form = _form()
    if not form.site_id.choices:
        flash(_("Add a pickup site first; listings are collected from a site."), "info")
        return redirect(url_for("sites.new"))
    if form.validate_on_submit():
        try:
            listing = listing_services.listing_create(
                user_id=current_user.id,
                hazard_free=form.hazard_free.data,
                **form.data_for_service(),
            )
        except ValidationFailed as exc:
            show_errors(form, exc)
        else:
            _add_photos(listing.id, form.photos.data or [])
            flash(_("Your listing is published."), "success")
            return redirect(url_for("listings.detail", listing_id=listing.id))
    return render_template(
        "listings/form.html", form=form, listing=None, payouts_ready=_payouts_ready()
    ), 422 if form.errors else 200


@bp.route("/<int:listing_id>/edit", methods=["GET", "POST"])
@role_required(Role.BUILDER)
def edit(listing_id):
    """Edit an open listing and manage its photos."""
    listing = listing_queries.managed_listing(current_user, listing_id)
    form = _form(obj=prefill(listing))
    del form.hazard_free, form.photos
    if not form.is_submitted():
        form.category.data = listing.category_slug
        form.quantity.data = f"{listing.quantity.normalize():f}"
        form.kg_per_unit.data = (
            f"{listing.kg_per_unit.normalize():f}" if listing.mass_source == "declared" else ""
        )
        form.price.data = f"{listing.price_cents / 100:.2f}" if listing.price_cents else ""
        form.public_from.data = listing.public_from.astimezone(HELSINKI).replace(tzinfo=None)
        if form.deposit:
            form.deposit.data = (
                f"{listing.deposit_cents / 100:.2f}" if listing.deposit_cents else ""
            )
    if form.validate_on_submit():
        try:
            listing_services.listing_update(
                user_id=current_user.id, listing_id=listing.id, **form.data_for_service()
            )
        except USER_ERRORS as exc:
            show_errors(form, exc)
        else:
            flash(_("The listing was saved."), "success")
            return redirect(url_for("listings.detail", listing_id=listing.id))
    return render_template(
        "listings/form.html",
        form=form,
        listing=listing,
        photo_form=PhotoForm(),
        button=ButtonForm(),
        payouts_ready=_payouts_ready(),
    ), 422 if form.errors else 200


@bp.post("/<int:listing_id>/photos")
@role_required(Role.BUILDER)
def photos_add(listing_id):
    """Upload more photos to a listing."""
    listing = listing_queries.managed_listing(current_user, listing_id)
    form = PhotoForm()
    if form.validate_on_submit():
        added = _add_photos(listing.id, form.photos.data or [], form.alt.data or "")
        if added:
            flash(ngettext("%(num)d photo added.", "%(num)d photos added.", added), "success")
    return redirect(url_for("listings.edit", listing_id=listing.id) + "#photos")


@bp.post("/<int:listing_id>/photos/<int:photo_id>/delete")
@role_required(Role.BUILDER)
def photos_delete(listing_id, photo_id):
    """Remove a photo."""
    if ButtonForm().validate_on_submit():
        photo_services.photo_delete(
            user_id=current_user.id, listing_id=listing_id, photo_id=photo_id
        )
        flash(_("The photo was removed."), "info")
    return redirect(url_for("listings.edit", listing_id=listing_id) + "#photos")


@bp.route("/<int:listing_id>/withdraw", methods=["GET", "POST"])
@role_required(Role.BUILDER)
def withdraw(listing_id):
    """Confirm, then withdraw the listing (open reservations are cancelled)."""
    listing = listing_queries.managed_listing(current_user, listing_id)
    form = ButtonForm()
    if form.validate_on_submit():
        try:
            listing_services.listing_withdraw(
                user_id=current_user.id,
                listing_id=listing.id,
                reason=request.form.get("reason", "")[:500],
            )
        except USER_ERRORS as exc:
            flash(str(exc.message), "error")
        else:
            flash(_("The listing was withdrawn."), "info")
        return redirect(url_for("listings.detail", listing_id=listing.id))
    return render_template("listings/withdraw.html", listing=listing, form=form)
