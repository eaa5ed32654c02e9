"""City staff pages: the organisations to verify, hiding and showing listings, yearly targets."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ... import clock, labels
from ...auth import role_required
from ...models import Role
from ...queries import listings as listing_queries
from ...queries import moderation as moderation_queries
from ...queries import organizations as organization_queries
from ...queries import reports
from ...services import moderation as moderation_services
from ...services import verification as verification_services
from ..feedback import USER_ERRORS, show_errors
from ..forms import ButtonForm
from ..forms.staff import HideForm, TargetForm, VerifyForm
from . import bp


@bp.get("/organisations")
@role_required(Role.CITY)
def organisations():
    """The verification queue (unverified organisations, longest waiting first), then the
    verified organisations with their business IDs."""
    verified = [row for row in moderation_queries.organizations() if row[0].is_verified]
    return render_template(
        "staff/organisations.html",
        rows=verified,
        button=ButtonForm(),
        queue=moderation_queries.verification_queue(),
        lookup_note=labels.lookup_note,
    )


@bp.route("/organisations/<int:organization_id>/verify", methods=["GET", "POST"])
@role_required(Role.CITY)
def organisation_verify(organization_id):
    """Show what verifying publishes and ask staff to confirm their check; then verify."""
    candidate = moderation_queries.verification_candidate(organization_id)
    if candidate is None:  # verified already (a second click), or no such organisation
        organization = organization_queries.organization(organization_id)
        flash(_("%(name)s is marked verified.", name=organization.name), "info")
        return redirect(url_for("staff.organisations"))
    form = VerifyForm()
    if form.validate_on_submit():
        organization = verification_services.organization_verify(
            user_id=current_user.id, organization_id=organization_id
        )
        flash(_("%(name)s is marked verified.", name=organization.name), "success")
        return redirect(url_for("staff.organisations"))
    return render_template(
        "staff/verify.html", row=candidate, form=form, lookup_note=labels.lookup_note
    ), 422 if form.errors else 200


@bp.post("/organisations/<int:organization_id>/unverify")
@role_required(Role.CITY)
def organisation_unverify(organization_id):
    """Withdraw the mark: the organisation's new listings wait for review again."""
    if ButtonForm().validate_on_submit():
        organization = verification_services.organization_unverify(
            user_id=current_user.id, organization_id=organization_id
        )
        flash(_("%(name)s is no longer marked verified.", name=organization.name), "success")
    return redirect(url_for("staff.organisations"))


@bp.get("/listings")
@role_required(Role.CITY)
def listings():
    """Listings to review: find one by id or title, or show the hidden ones."""
    q = request.args.get("q", "")[:100]
    hidden = request.args.get("hidden") == "1"
    return render_template(
        "staff/listings.html",
        listings=moderation_queries.listings(q, hidden),
        q=q,
        hidden=hidden,
        button=ButtonForm(),
    )


@bp.route("/listings/<int:listing_id>/hide", methods=["GET", "POST"])
@role_required(Role.CITY)
def listing_hide(listing_id):
    """Ask for the reason, then hide the listing (open reservations are cancelled, the owner
    told)."""
    listing = listing_queries.listing_for(current_user, listing_id)
    form = HideForm()
    if form.validate_on_submit():
        try:
            moderation_services.listing_hide(
                user_id=current_user.id, listing_id=listing.id, reason=form.reason.data
            )
        except USER_ERRORS as exc:
            show_errors(form, exc)
        else:
            flash(_("The listing is hidden and its organisation has been told why."), "success")
            return redirect(url_for("staff.listings", q=str(listing.id)))
    return render_template(
        "staff/hide.html", listing=listing, form=form
    ), 422 if form.errors else 200


@bp.post("/listings/<int:listing_id>/unhide")
@role_required(Role.CITY)
def listing_unhide(listing_id):
    """Show a hidden listing again."""
    if ButtonForm().validate_on_submit():
        try:
            moderation_services.listing_unhide(user_id=current_user.id, listing_id=listing_id)
        except USER_ERRORS as exc:
            flash(str(exc.message), "error")
        else:
            flash(_("The listing is visible again."), "success")
    return redirect(url_for("staff.listings", q=str(listing_id)))


@bp.route("/targets", methods=["GET", "POST"])
@role_required(Role.CITY)
def targets():
    """Yearly targets (tonnes diverted) and how each year is doing."""
    form = TargetForm()
    if not form.is_submitted():
        form.year.data = clock.today().year
    if form.validate_on_submit():
        try:
            moderation_services.target_set(
                user_id=current_user.id,
                year=form.year.data,
                tonnes=form.tonnes.data,
                note=form.note.data or "",
            )
        except USER_ERRORS as exc:
            show_errors(form, exc)
        else:
            flash(_("The target for %(year)d was saved.", year=form.year.data), "success")
            return redirect(url_for("staff.targets"))
    return render_template(
        "staff/targets.html", form=form, rows=reports.targets()
    ), 422 if form.errors else 200
