"""Pages: wanted posts (demand) — browse, post, edit, close. Any confirmed account may post."""

from decimal import Decimal
from types import SimpleNamespace

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from ..auth import ensure_confirmed, role_required
from ..errors import ValidationFailed
from ..models import Role
from ..queries import listings as listing_queries
from ..queries import matching
from ..queries import wanted as wanted_queries
from ..queries.wanted_matches import bundles_page
from ..search.parse import InvalidParameter
from ..services import wanted as wanted_services
from .feedback import show_errors
from .forms import ButtonForm
from .forms.wanted import WantedForm

bp = Blueprint("wanted", __name__, url_prefix="/wanted")
ANYONE = tuple(Role)


def _category_names() -> dict[str, str]:
    locale = str(get_locale())
    return {c.slug: c.name(locale) for c in listing_queries.categories()}


def _form(**kwargs) -> WantedForm:
    return WantedForm(
        categories=listing_queries.categories(listable_only=True),
        locale=str(get_locale()),
        **kwargs,
    )


@bp.get("/")
def index():
    """Open wanted posts: what people in Kera need, soonest first; words and material filter."""
    error = None
    try:
        query = wanted_queries.from_args(request.args)
    except InvalidParameter as exc:
        error, query = exc, wanted_queries.Browse()
    return render_template(
        "wanted/index.html",
        page=wanted_queries.browse(query),
        query=query,
        error=error,
        categories=listing_queries.categories(),
        category_names=_category_names(),
        poster_label=wanted_queries.poster_label,
    ), 400 if error else 200


@bp.get("/mine")
@role_required(*ANYONE)
def mine():
    """The signed-in person's own wanted posts, open and past."""
    return render_template(
        "wanted/mine.html",
        posts=wanted_queries.of_user(current_user.id),
        category_names=_category_names(),
        poster_label=wanted_queries.poster_label,
    )


@bp.route("/new", methods=["GET", "POST"])
@role_required(*ANYONE)
def new():
    """Post what you need (a confirmed account: else 403 with the reason)."""
    ensure_confirmed(current_user)
    form = _form()
    if form.validate_on_submit():
        try:
            wanted = wanted_services.wanted_create(
                user_id=current_user.id, **form.data_for_service()
            )
        except ValidationFailed as exc:
            show_errors(form, exc)
        else:
            flash(_("Your wanted post is up."), "success")
            return redirect(url_for("wanted.detail", wanted_id=wanted.id))
    return render_template("wanted/form.html", form=form, wanted=None), 422 if form.errors else 200


@bp.get("/<int:wanted_id>")
def detail(wanted_id):
    """A wanted post; its poster also sees the listings that could serve it."""
    wanted = wanted_queries.public(wanted_id)
    can_manage = wanted.can_manage(current_user)
    return render_template(
        "wanted/detail.html",
        wanted=wanted,
        poster=wanted_queries.poster_label(wanted),
        material_name=_category_names().get(wanted.category_slug, ""),
        can_manage=can_manage,
        matches=matching.matches_for(wanted, wanted.owner) if can_manage else [],
        bundles=bundles_page(wanted) if can_manage and wanted.is_open else None,
        button=ButtonForm(),
    )


def _prefill(wanted):
    if request.method == "POST":
        return None
    price = wanted.max_price_cents
    return SimpleNamespace(
        **wanted_services.current_values(wanted),
        max_price=None if price is None else Decimal(price) / 100,
    )


@bp.route("/<int:wanted_id>/edit", methods=["GET", "POST"])
@role_required(*ANYONE)
def edit(wanted_id):
    """Change your own wanted post."""
    wanted = wanted_queries.owned_by(current_user, wanted_id)
    form = _form(obj=_prefill(wanted))
    if form.validate_on_submit():
        try:
            wanted_services.wanted_update(
                user_id=current_user.id, wanted_id=wanted.id, **form.data_for_service()
            )
        except ValidationFailed as exc:
            show_errors(form, exc)
        else:
            flash(_("The wanted post was saved."), "success")
            return redirect(url_for("wanted.detail", wanted_id=wanted.id))
    code = 422 if form.errors else 200
    return render_template("wanted/form.html", form=form, wanted=wanted), code


@bp.post("/<int:wanted_id>/close")
@role_required(*ANYONE)
def close(wanted_id):
    """Close your own wanted post (found it, or no longer needed)."""
    wanted = wanted_queries.owned_by(current_user, wanted_id)
    if ButtonForm().validate_on_submit():
        wanted_services.wanted_close(user_id=current_user.id, wanted_id=wanted.id)
        flash(_("The wanted post was closed."), "success")
    return redirect(url_for("wanted.detail", wanted_id=wanted.id))
