"""The Kera demo data (marketplace/data/demo.toml), loaded through the same services as users.

Idempotent: organisations are matched by business ID, users by e-mail, sites by organisation and
name, listings by organisation and title; whatever exists is kept. Dates are relative to today,
so the demo always looks current. Placeholder photos are drawn locally with Pillow.
"""

import io
import tomllib
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from PIL import Image, ImageDraw, ImageFont

from . import clock, demo_history
from .database import write_transaction
from .extensions import db
from .models import Listing, Organization, Role, Site, User
from .services import listings as listing_services
from .services import passwords, photos, sites

DEMO_FILE = Path(__file__).resolve().parent / "data" / "demo.toml"
DEMO_PASSWORD = "kera-demo-2026"


def load(path: Path = DEMO_FILE, with_photos: bool = True, with_history: bool = True) -> dict:
    """Create what is missing; return counts and the demo logins. `with_history` replays about
    six months of earlier lots, reservations and handovers first (marketplace/demo_history.py)."""
    with open(path, "rb") as f:
        data = tomllib.load(f)
    counts = {"created": 0, "kept": 0}
    orgs = {o["key"]: _organization(o, counts) for o in data["organization"]}
    builders = {}
    logins = []
    for u in data["user"]:
        user = _user(u, orgs, counts)
        logins.append((user.email, user.role.value))
        if user.role == Role.BUILDER:
            builders.setdefault(u["organization"], user.id)
    site_ids = {s["key"]: _site(s, orgs, builders, counts) for s in data["site"]}
    if with_history:
        demo_history.load(data, builders, site_ids, counts)
    for number, item in enumerate(data["listing"]):
        _listing(item, number, orgs, builders, site_ids, counts, with_photos)
    return {**counts, "logins": logins}


def _organization(o, counts) -> int:
    existing = db.session.scalar(
        sa.select(Organization).where(Organization.business_id == o["business_id"])
    )
    if existing:
        counts["kept"] += 1
        return existing.id
    with write_transaction() as session:
        org = Organization(
            name=o["name"],
            business_id=o["business_id"],
            website=o.get("website", ""),
            verified_at=clock.now(),
        )
        session.add(org)
    counts["created"] += 1
    return org.id


def _user(u, orgs, counts) -> User:
    existing = db.session.scalar(sa.select(User).where(User.email == u["email"]))
    if existing:
        counts["kept"] += 1
        return existing
    with write_transaction() as session:
        user = User(
            email=u["email"],
            display_name=u["display_name"],
            role=Role(u["role"]),
            organization_id=orgs.get(u.get("organization")),
            locale=u.get("locale", "fi"),
            password_hash=passwords.hash_password(DEMO_PASSWORD),
            email_confirmed_at=clock.now(),
        )  # demo accounts can reserve at once
        session.add(user)
    counts["created"] += 1
    return user


def _site(s, orgs, builders, counts) -> int:
    existing = db.session.scalar(
        sa.select(Site).where(
            Site.organization_id == orgs[s["organization"]], Site.name == s["name"]
        )
    )
    if existing:
        counts["kept"] += 1
        return existing.id
    site = sites.site_create(
        user_id=builders[s["organization"]],
        name=s["name"],
        address=s["address"],
        lat=s["lat"],
        lng=s["lng"],
        pickup_instructions=s.get("pickup_instructions", ""),
        opening_hours=s.get("opening_hours", {}),
    )
    counts["created"] += 1
    return site.id


def _listing(item, number, orgs, builders, site_ids, counts, with_photos) -> None:
    site_id = site_ids[item["site"]]
    org_id = db.session.get(Site, site_id).organization_id
    existing = db.session.scalar(
        sa.select(Listing.id).where(
            Listing.organization_id == org_id, Listing.title == item["title"]
        )
    )
    if existing:
        counts["kept"] += 1
        return
    organization_key = next(k for k, v in orgs.items() if v == org_id)
    today = clock.today()
    values = {
        key: item[key]
        for key in (
            "title",
            "description",
            "category",
            "quantity",
            "unit",
            "condition",
            "dimensions",
            "price_cents",
            "language",
        )
        if key in item
    }
    if "kg_per_unit" in item:
        values["kg_per_unit"] = item["kg_per_unit"]
    listing = listing_services.listing_create(
        user_id=builders[organization_key],
        hazard_free=True,
        site_id=site_id,
        available_from=today + timedelta(days=item["available_from_days"]),
        available_until=today + timedelta(days=item["available_until_days"]),
        **values,
    )
    counts["created"] += 1
    if with_photos:
        photos.photo_add(
            user_id=builders[organization_key],
            listing_id=listing.id,
            data=placeholder_photo(item["category"], item["title"], number),
            alt_text=f"{item['title']} (demo picture)",
        )


PALETTE = ["#9c4a2f", "#6b7a3a", "#3f6e8c", "#8c6d3f", "#5d5d6e", "#7a3f5f", "#3f7a6b", "#8a8a3f"]


def placeholder_photo(category: str, title: str, number: int) -> bytes:
    """A simple drawn picture (pattern and label) standing in for a real photo of the lot."""
    width, height = 1200, 900
    colour = PALETTE[sum(map(ord, category)) % len(PALETTE)]
    image = Image.new("RGB", (width, height), colour)
    draw = ImageDraw.Draw(image)
    shade = tuple(max(0, c - 40) for c in image.getpixel((0, 0)))
    step = 60 + (number % 4) * 15
    for row, y in enumerate(range(0, height, step)):
        offset = step if row % 2 else 0
        for x in range(-step, width, step * 2):
            draw.rectangle(
                [x + offset, y + 4, x + offset + step * 2 - 8, y + step - 4], outline=shade, width=4
            )
    draw.rectangle([0, height - 170, width, height], fill=(255, 255, 255))
    font = ImageFont.load_default(size=44)
    draw.text((40, height - 140), title[:46], fill=(27, 31, 36), font=font)
    draw.text(
        (40, height - 80),
        "Kera Material Exchange · demo",
        fill=(79, 88, 99),
        font=ImageFont.load_default(size=30),
    )
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()
