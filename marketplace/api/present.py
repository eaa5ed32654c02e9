"""Models to response schemas. Localised names follow the request's Accept-Language."""

from flask import url_for
from flask_babel import get_locale

from .. import clock
from ..models import UNITS, Category, Listing, Site, User
from . import schemas as s


def locale() -> str:
    return str(get_locale())


def organization(org) -> s.OrganizationOut | None:
    return s.OrganizationOut(id=org.id, name=org.name) if org else None


def organization_detail(org) -> s.OrganizationDetailOut:
    return s.OrganizationDetailOut(
        id=org.id, name=org.name, business_id=org.business_id, verified=org.is_verified
    )


def user(u: User) -> s.UserOut:
    return s.UserOut(
        id=u.id,
        email=u.email,
        display_name=u.display_name,
        role=u.role.value,
        organization=organization(u.organization),
    )


def category(c: Category) -> s.CategoryOut:
    return s.CategoryOut(
        slug=c.slug,
        name=c.names,
        ewc_code=c.ewc_code,
        default_unit=c.default_unit,
        kg_per_unit={unit: float(spec["value"]) for unit, spec in c.kg_per_unit.items()},
        kg_per_unit_range={
            unit: tuple(float(x) for x in c.plausible_kg(unit))
            for unit in UNITS
            if c.plausible_kg(unit)
        },
        listable=c.listable,
    )


def site(x: Site) -> s.SiteOut:
    return s.SiteOut(
        id=x.id,
        name=x.name,
        address=x.address,
        lat=x.lat,
        lng=x.lng,
        pickup_instructions=x.pickup_instructions,
        opening_hours=x.opening_hours or {},
        staged_release_hours=x.staged_release_hours,
        organization=organization(x.organization),
    )


def photo_urls(p) -> tuple[str, str]:
    return (
        url_for("media.photo", key=p.file_key, _external=True),
        url_for("media.photo", key=p.thumb_key, _external=True),
    )


def listing(x: Listing) -> s.ListingOut:
    photos = []
    for p in x.photos:
        full, thumb = photo_urls(p)
        photos.append(s.PhotoOut(id=p.id, url=full, thumb_url=thumb, alt=p.alt_text or x.title))
    return s.ListingOut(
        id=x.id,
        title=x.title,
        description=x.description,
        category=x.category_slug,
        category_name=x.category.name(locale()),
        ewc_code=x.category.ewc_code,
        quantity=x.quantity,
        quantity_available=x.quantity_available,
        quantity_reserved=x.quantity_reserved,
        quantity_collected=x.quantity_collected,
        unit=x.unit,
        kg_per_unit=x.kg_per_unit,
        mass_source=x.mass_source.value,
        total_kg=x.total_kg,
        condition=x.condition.value,
        dimensions=x.dimensions,
        price_cents=x.price_cents,
        deposit_cents=x.deposit_cents,
        status=x.status.value,
        site=s.SiteRef(
            id=x.site.id, name=x.site.name, address=x.site.address, lat=x.site.lat, lng=x.site.lng
        ),
        organization=organization(x.organization),
        photos=photos,
        available_from=x.available_from,
        available_until=x.available_until,
        language=x.language,
        mass_flagged=x.mass_flagged_at is not None,
        still_installed=x.is_still_installed(clock.today()),
        public_from=x.public_from,
        created_at=x.created_at,
        updated_at=x.updated_at,
    )


def handover(h) -> s.HandoverOut:
    return s.HandoverOut(
        id=h.id,
        kind=h.kind.value,
        quantity=h.quantity,
        unit=h.unit,
        mass_kg=h.mass_kg,
        mass_source=h.mass_source,
        ewc_code=h.ewc_code,
        category=h.category_slug,
        co2e_avoided_kg=h.co2e_avoided_kg,
        factor_kg_co2e_per_kg=h.factor_kg_co2e_per_kg,
        factor_source=h.factor_source,
        mass_flagged=h.mass_flagged,
        created_at=h.created_at,
    )


def payment(p) -> s.PaymentOut:
    return s.PaymentOut(
        id=p.id,
        kind=p.kind.value,
        status=p.status.value,
        amount_cents=p.amount_cents,
        refunded_cents=p.refunded_cents,
        captured_cents=p.captured_cents,
        receipt_url=p.receipt_url,
    )


def reservation(r, viewer, recorded=None, checkout_url=None) -> s.ReservationOut:
    """The pickup code is shown to the reserver and the listing's organisation only. Makes no
    queries of its own: the selectors in queries/reservations.py load payments and handovers."""
    sees_code = viewer.id == r.user_id or viewer.belongs_to(r.listing.organization_id)
    h = recorded or r.handover
    return s.ReservationOut(
        id=r.id,
        listing_id=r.listing_id,
        quantity=r.quantity,
        unit=r.listing.unit,
        status=r.status.value,
        pickup_at=r.pickup_at,
        created_at=r.created_at,
        expires_at=r.expires_at,
        message=r.message,
        code=r.code if sees_code else None,
        cancel_reason=r.cancel_reason,
        handover=handover(h) if h else None,
        payments=[payment(p) for p in r.payments],
        checkout_url=checkout_url,
    )
