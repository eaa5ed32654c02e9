"""Listing photos through the API: upload with its URLs, refused files and content types, delete."""

import io

import sqlalchemy as sa

from marketplace.models import ListingPhoto
from marketplace.services import photos
from tests.helpers import assert_error, fresh, jpeg


def test_photo_upload_returns_its_urls(client, listing, bearer):
    response = client.post(
        f"/api/v1/listings/{listing.id}/photos",
        headers=bearer,
        data={"photo": (io.BytesIO(jpeg()), "IMG_1.jpg"), "alt": "Pallet of bricks"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 201
    body = response.get_json()
    assert body["alt"] == "Pallet of bricks"
    image = client.get(body["thumb_url"])
    assert image.status_code == 200 and image.mimetype == "image/jpeg"


def test_photo_upload_of_a_text_file_is_422_on_photo(client, listing, bearer):
    response = client.post(
        f"/api/v1/listings/{listing.id}/photos",
        headers=bearer,
        data={"photo": (io.BytesIO(b"not an image" * 20), "evil.jpg")},
        content_type="multipart/form-data",
    )
    assert_error(response, 422, "validation_failed", fields=["photo"])


def test_photo_upload_as_json_is_415(client, listing, bearer):
    response = client.post(
        f"/api/v1/listings/{listing.id}/photos", headers=bearer, json={"photo": "aGVsbG8="}
    )
    assert_error(response, 415, "unsupported_media_type")


def test_photo_delete_removes_it(client, builder, listing, bearer):
    photo = photos.photo_add(user_id=builder.id, listing_id=listing.id, data=jpeg())
    photo_id, file_key = photo.id, photo.file_key
    assert client.get(f"/media/{file_key}").status_code == 200
    response = client.delete(f"/api/v1/listings/{listing.id}/photos/{photo_id}", headers=bearer)
    assert response.status_code == 204
    assert fresh().scalar(sa.select(ListingPhoto).where(ListingPhoto.id == photo_id)) is None
    assert client.get(f"/media/{file_key}").status_code == 404


def test_photo_delete_of_an_unknown_photo_is_404(client, listing, bearer):
    assert_error(
        client.delete(f"/api/v1/listings/{listing.id}/photos/99999", headers=bearer),
        404,
        "not_found",
    )
