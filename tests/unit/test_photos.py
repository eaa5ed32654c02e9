"""services.photos via photo_add: checked, re-encoded without metadata, thumbnailed, randomly named,
stored outside static/, limited in size, pixels and count."""

import io
import re
import struct
import zlib
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_babel import force_locale
from PIL import ExifTags, Image

from marketplace.config import PROJECT_ROOT
from marketplace.errors import NotFound, ValidationFailed
from marketplace.extensions import db
from marketplace.models import ListingPhoto
from marketplace.services import photos
from tests import factories
from tests.helpers import jpeg


def jpeg_with_exif(size=(3000, 2000)) -> bytes:
    """A camera-like JPEG: maker, model and GPS position in its EXIF."""
    image = Image.new("RGB", size, (156, 74, 47))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "KameraOy"
    exif[ExifTags.Base.Model] = "Secret Phone 1"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (60.0, 12.0, 58.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (24.0, 45.0, 14.0)
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose IHDR claims `width` × `height` (valid CRCs, no pixel data)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IEND", b"")


@pytest.fixture(autouse=True)
def english(app):
    """Messages in English, so the assertions read like what an English-speaking user sees."""
    with force_locale("en"):
        yield


@pytest.fixture
def owner(app):
    return factories.builder()


@pytest.fixture
def listing(owner):
    return factories.listing(owner)


def upload_dir(app) -> Path:
    return Path(app.config["UPLOAD_DIR"])


def stored_files(app) -> list[str]:
    directory = upload_dir(app)
    return sorted(p.name for p in directory.iterdir()) if directory.exists() else []


def add(owner, listing, data, **kwargs):
    return photos.photo_add(user_id=owner.id, listing_id=listing.id, data=data, **kwargs)


def photo_message(caught) -> str:
    return str(caught.value.fields["photo"])


# --- a good photo ------------------------------------------------------------------------------


def test_test_photo_really_carries_exif_and_gps():
    original = Image.open(io.BytesIO(jpeg_with_exif()))
    assert original.getexif().get_ifd(ExifTags.IFD.GPSInfo)[ExifTags.GPS.GPSLatitudeRef] == "N"


def test_photo_is_stored_as_jpeg_without_exif_or_gps(app, owner, listing):
    photo = add(owner, listing, jpeg_with_exif())
    data = (upload_dir(app) / photo.file_key).read_bytes()
    stored = Image.open(io.BytesIO(data))
    assert stored.format == "JPEG"
    assert len(stored.getexif()) == 0 and "exif" not in stored.info
    assert b"KameraOy" not in data and b"Secret Phone" not in data


def test_photo_is_downscaled_to_at_most_2048_px(app, owner, listing):
    photo = add(owner, listing, jpeg_with_exif((3000, 2000)))
    stored = Image.open(upload_dir(app) / photo.file_key)
    assert max(stored.size) == 2048
    assert (photo.width, photo.height) == stored.size


def test_photo_gets_a_thumbnail_of_at_most_480_px_without_exif(app, owner, listing):
    photo = add(owner, listing, jpeg_with_exif((3000, 2000)))
    thumb = Image.open(upload_dir(app) / photo.thumb_key)
    assert thumb.format == "JPEG"
    assert max(thumb.size) <= 480
    assert len(thumb.getexif()) == 0


def test_png_photo_is_accepted_and_stored_as_jpeg(app, owner, listing):
    out = io.BytesIO()
    Image.new("RGBA", (800, 600), (0, 0, 255, 128)).save(out, "PNG")
    photo = add(owner, listing, out.getvalue(), alt_text="  Pallets  ")
    assert Image.open(upload_dir(app) / photo.file_key).format == "JPEG"
    assert photo.alt_text == "Pallets"


def test_photo_files_get_random_names(app, owner, listing):
    first, second = (
        add(owner, listing, jpeg((64, 48), (90, 120, 60))),
        add(owner, listing, jpeg((64, 48), (90, 120, 60))),
    )
    for photo in (first, second):
        assert re.fullmatch(r"[0-9a-f]{32}\.jpg", photo.file_key)
        assert re.fullmatch(r"[0-9a-f]{32}_t\.jpg", photo.thumb_key)
    assert first.file_key != second.file_key


def test_photo_files_are_under_upload_dir_and_not_in_static(app, owner, listing):
    photo = add(owner, listing, jpeg((64, 48), (90, 120, 60)))
    assert {photo.file_key, photo.thumb_key} <= set(stored_files(app))
    assert not upload_dir(app).resolve().is_relative_to((PROJECT_ROOT / "static").resolve())
    assert not list((PROJECT_ROOT / "static").rglob(photo.file_key))


def test_photo_is_recorded_on_the_listing_in_order(app, owner, listing):
    first, second = (
        add(owner, listing, jpeg((64, 48), (90, 120, 60))),
        add(owner, listing, jpeg((64, 48), (90, 120, 60))),
    )
    rows = db.session.scalars(
        sa.select(ListingPhoto)
        .where(ListingPhoto.listing_id == listing.id)
        .order_by(ListingPhoto.position)
    ).all()
    assert [r.id for r in rows] == [first.id, second.id]


# --- rejected uploads --------------------------------------------------------------------------


def test_text_file_named_jpg_is_rejected_with_a_clear_message(app, owner, listing):
    with pytest.raises(ValidationFailed) as caught:
        add(owner, listing, b"Hello, I am not a picture at all.\n" * 10)
    assert "not a photo we can read" in photo_message(caught)
    assert stored_files(app) == []


def test_empty_file_is_rejected(app, owner, listing):
    with pytest.raises(ValidationFailed) as caught:
        add(owner, listing, b"")
    assert "empty" in photo_message(caught)


def test_file_over_10_mb_is_rejected(app, owner, listing):
    too_big = jpeg((64, 48), (90, 120, 60)) + b"\0" * (10 * 1024 * 1024)
    with pytest.raises(ValidationFailed) as caught:
        add(owner, listing, too_big)
    assert "10 MB" in photo_message(caught)
    assert stored_files(app) == []


def test_png_claiming_20000_by_20000_pixels_is_rejected_with_the_pixel_message(app, owner, listing):
    with pytest.raises(ValidationFailed) as caught:
        add(owner, listing, png_header_only(20000, 20000))
    assert "too many pixels" in photo_message(caught)
    assert stored_files(app) == []


def test_png_just_over_40_megapixels_is_rejected_with_the_pixel_message(app, owner, listing):
    with pytest.raises(ValidationFailed) as caught:
        add(owner, listing, png_header_only(8000, 5001))
    assert "too many pixels" in photo_message(caught)


def test_truncated_jpeg_is_rejected_as_damaged(app, owner, listing):
    data = jpeg_with_exif((800, 600))
    with pytest.raises(ValidationFailed) as caught:
        add(owner, listing, data[: len(data) // 2])
    assert "damaged" in photo_message(caught)


def test_gif_is_rejected(app, owner, listing):
    out = io.BytesIO()
    Image.new("P", (40, 40)).save(out, "GIF")
    with pytest.raises(ValidationFailed) as caught:
        add(owner, listing, out.getvalue())
    assert "Only JPEG, PNG and WebP" in photo_message(caught)
    assert stored_files(app) == []


def test_ninth_photo_is_rejected_and_leaves_no_files(app, owner, listing):
    for _ in range(8):
        add(owner, listing, jpeg((64, 48), (90, 120, 60)))
    with pytest.raises(ValidationFailed) as caught:
        add(owner, listing, jpeg((64, 48), (90, 120, 60)))
    assert "at most 8 photos" in photo_message(caught)
    assert len(stored_files(app)) == 16
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ListingPhoto)) == 8


def test_photo_for_another_organisations_listing_is_not_found(app, listing):
    stranger = factories.builder()
    with pytest.raises(NotFound):
        photos.photo_add(
            user_id=stranger.id, listing_id=listing.id, data=jpeg((64, 48), (90, 120, 60))
        )
    assert stored_files(app) == []


def test_resident_cannot_add_a_photo(app, listing):
    resident = factories.resident()
    with pytest.raises(NotFound):
        photos.photo_add(
            user_id=resident.id, listing_id=listing.id, data=jpeg((64, 48), (90, 120, 60))
        )


# --- delete ------------------------------------------------------------------------------------


def test_deleting_a_photo_removes_its_files_and_row(app, owner, listing):
    keep = add(owner, listing, jpeg((64, 48), (90, 120, 60)))
    gone = add(owner, listing, jpeg((64, 48), (90, 120, 60)))
    photos.photo_delete(user_id=owner.id, listing_id=listing.id, photo_id=gone.id)
    assert stored_files(app) == sorted([keep.file_key, keep.thumb_key])
    assert db.session.scalars(sa.select(ListingPhoto.id)).all() == [keep.id]


def test_deleting_the_first_photo_moves_the_next_one_first(app, owner, listing):
    first, second = (
        add(owner, listing, jpeg((64, 48), (90, 120, 60))),
        add(owner, listing, jpeg((64, 48), (90, 120, 60))),
    )
    photos.photo_delete(user_id=owner.id, listing_id=listing.id, photo_id=first.id)
    assert db.session.get(ListingPhoto, second.id).position == 0


def test_another_organisation_cannot_delete_a_photo(app, owner, listing):
    photo = add(owner, listing, jpeg((64, 48), (90, 120, 60)))
    stranger = factories.builder()
    with pytest.raises(NotFound):
        photos.photo_delete(user_id=stranger.id, listing_id=listing.id, photo_id=photo.id)
    assert (upload_dir(app) / photo.file_key).exists()
