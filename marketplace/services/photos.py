"""Listing photos: checked with Pillow, re-encoded (EXIF dropped), thumbnailed, randomly named,
stored outside static/ (UPLOAD_DIR) and served by media.photo with nosniff and a sandbox CSP."""

import io
import secrets
import warnings
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError

from ..database import write_transaction
from ..errors import NotFound, ValidationFailed
from ..models import Listing, ListingPhoto, User
from .listing_log import record_event

MAX_PHOTOS = 8
MAX_BYTES = 10 * 1024 * 1024  # per photo
MAX_PIXELS = 40_000_000  # 40 Mpx: any phone camera, no decompression bombs
MAX_SIDE = 2048  # stored size; the original is never kept
THUMB_SIDE = 480
ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP"}


def _reject(message):
    raise ValidationFailed(fields={"photo": message})


def decode_image(data: bytes) -> Image.Image:
    """Open, verify and fully decode an upload; ValidationFailed with a clear message otherwise."""
    if len(data) > MAX_BYTES:
        _reject(_l("The photo is larger than 10 MB. Take it at a lower resolution."))
    if not data:
        _reject(_l("The file is empty."))
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)) as probe:
                if probe.format not in ALLOWED_FORMATS:
                    _reject(_l("Only JPEG, PNG and WebP photos are accepted."))
                if probe.width * probe.height > MAX_PIXELS:
                    _reject(_l("The photo has too many pixels (at most 40 megapixels)."))
                probe.verify()
            image = Image.open(io.BytesIO(data))
            image.load()
        except ValidationFailed:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            _reject(_l("The photo has too many pixels (at most 40 megapixels)."))
        except UnidentifiedImageError:
            _reject(_l("This file is not a photo we can read. Upload a JPEG, PNG or WebP image."))
        except (OSError, SyntaxError, ValueError):
            _reject(_l("The photo file is damaged or incomplete."))
    return image


def _encode(image: Image.Image, side: int) -> bytes:
    copy = ImageOps.exif_transpose(image).convert("RGB")
    copy.thumbnail((side, side))
    out = io.BytesIO()
    copy.save(out, "JPEG", quality=85, optimize=True)  # no exif= argument: metadata is dropped
    return out.getvalue()


def upload_dir() -> Path:
    path = Path(current_app.config["UPLOAD_DIR"])
    path.mkdir(parents=True, exist_ok=True)
    return path


def photo_add(*, user_id: int, listing_id: int, data: bytes, alt_text: str = "") -> ListingPhoto:
    """Attach a photo to one of the builder's listings (at most MAX_PHOTOS)."""
    image = decode_image(data)
    full, thumb = _encode(image, MAX_SIDE), _encode(image, THUMB_SIDE)
    width, height = Image.open(io.BytesIO(full)).size
    key = secrets.token_hex(16)
    directory = upload_dir()
    (directory / f"{key}.jpg").write_bytes(full)
    (directory / f"{key}_t.jpg").write_bytes(thumb)
    try:
        with write_transaction() as session:
            listing = _owned(session, user_id, listing_id)
            if len(listing.photos) >= MAX_PHOTOS:
                _reject(_l("A listing can have at most %(n)d photos.", n=MAX_PHOTOS))
            photo = ListingPhoto(
                listing_id=listing.id,
                position=len(listing.photos),
                file_key=f"{key}.jpg",
                thumb_key=f"{key}_t.jpg",
                width=width,
                height=height,
                alt_text=(alt_text or "").strip()[:200],
            )
            session.add(photo)
            record_event(session, listing, session.get(User, user_id), "listing.photo_added", {})
    except BaseException:
        _delete_files(f"{key}.jpg", f"{key}_t.jpg")
        raise
    return photo


def photo_delete(*, user_id: int, listing_id: int, photo_id: int) -> None:
    """Remove a photo from one of the builder's listings."""
    with write_transaction() as session:
        listing = _owned(session, user_id, listing_id)
        photo = next((p for p in listing.photos if p.id == photo_id), None)
        if photo is None:
            raise NotFound()
        keys = (photo.file_key, photo.thumb_key)
        listing.photos.remove(photo)
        for position, remaining in enumerate(listing.photos):
            remaining.position = position
        record_event(session, listing, session.get(User, user_id), "listing.photo_removed", {})
    _delete_files(*keys)


def _owned(session, user_id: int, listing_id: int) -> Listing:
    user = session.get(User, user_id)
    listing = session.get(Listing, listing_id)
    if user is None or listing is None or not user.belongs_to(listing.organization_id):
        raise NotFound()
    return listing


def _delete_files(*keys: str) -> None:
    for key in keys:
        (upload_dir() / key).unlink(missing_ok=True)
