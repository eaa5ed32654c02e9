"""Photo files: served from UPLOAD_DIR (outside static/) after checking the listing is visible."""

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, send_from_directory
from flask_login import current_user

from ..extensions import db
from ..models import ListingPhoto

bp = Blueprint("media", __name__, url_prefix="/media")


@bp.get("/<key>")
def photo(key):
    """A re-encoded JPEG, served so that it can never run as a page or script."""
    row = db.session.scalar(
        sa.select(ListingPhoto).where(
            sa.or_(ListingPhoto.file_key == key, ListingPhoto.thumb_key == key)
        )
    )
    if row is None or not row.listing.can_view(current_user):
        abort(404)
    response = send_from_directory(
        current_app.config["UPLOAD_DIR"], key, mimetype="image/jpeg", max_age=86400
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; sandbox"
    )
    response.headers["Content-Disposition"] = "inline"
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response
