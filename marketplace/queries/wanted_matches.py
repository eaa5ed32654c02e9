"""What the wanted post's page and `GET /api/v1/wanted/{id}/matches` show: the matches, the
proposed bundles with their organisations and pickup sites, and the map's points. Also who may
see them, and the posts a listing could serve for its organisation."""

from dataclasses import dataclass, field
from decimal import Decimal

from ..errors import NotFound
from ..extensions import db
from ..models import Listing, WantedPost
from .bundles import Bundle, bundles_for
from .matching import MAX_MATCHES, candidates, wanted_for_listing, with_listings
from .matching_rules import Candidate


@dataclass
class BundleView:
    """A proposed bundle with what its items' listings say (names, sites)."""

    bundle: Bundle
    number: int
    organizations: list[str] = field(default_factory=list)
    sites: list[dict] = field(default_factory=list)  # {id, name, address, lat, lng, distance_km}


@dataclass
class MatchesView:
    wanted: WantedPost
    needed: Decimal
    matches: list[Candidate]
    bundles: list[BundleView]

    @property
    def map_points(self) -> list[dict]:
        """The pickups of the proposed bundles (for the map): one point per site, with the
        numbers of the bundles that stop there."""
        points: dict[int, dict] = {}
        for view in self.bundles:
            for site in view.sites:
                point = points.setdefault(site["id"], {**site, "bundles": []})
                point["bundles"].append(view.number)
        return list(points.values())


def post_for_matches(user, wanted_id: int) -> WantedPost:
    """The post when `user` is its owner or city staff; 404 for anyone else (no enumeration)."""
    wanted = db.session.get(WantedPost, wanted_id)
    if wanted is None or not (wanted.can_manage(user) or getattr(user, "is_city", False)):
        raise NotFound()
    return wanted


def matches_view(wanted: WantedPost) -> MatchesView:
    """The matches (best MAX_MATCHES) and up to five bundles, listings loaded in one query."""
    found = candidates(wanted)
    needed = wanted.quantity_needed
    bundles = bundles_for(found, needed) if wanted.is_open else []
    in_bundles = {c.listing_id: c for b in bundles for c, _ in b.items}
    shown = found[:MAX_MATCHES]
    shown_ids = {c.listing_id for c in shown}
    with_listings(shown + [c for i, c in in_bundles.items() if i not in shown_ids])
    views = [_bundle_view(b, n) for n, b in enumerate(bundles, start=1)]
    return MatchesView(wanted, needed, shown, views)


@dataclass
class BundlesPage:
    """The page's bundles section: the bundles, and the map's need point and pickup sites."""

    views: list[BundleView]
    map_data: dict


def bundles_page(wanted: WantedPost) -> BundlesPage:
    """The bundles proposed for an open post, with the data of their map."""
    view = matches_view(wanted)
    return BundlesPage(view.bundles, {"need": list(wanted.point), "sites": view.map_points})


def _bundle_view(bundle: Bundle, number: int) -> BundleView:
    view = BundleView(bundle, number)
    seen = set()
    for candidate, _ in bundle.items:
        listing = candidate.listing
        if listing.organization.name not in view.organizations:
            view.organizations.append(listing.organization.name)
        if listing.site_id not in seen:
            seen.add(listing.site_id)
            view.sites.append(
                {
                    "id": listing.site_id,
                    "name": listing.site.name,
                    "address": listing.site.address,
                    "lat": listing.site.lat,
                    "lng": listing.site.lng,
                    "distance_km": candidate.distance_km,
                }
            )
    return view


def wanted_for_organization(user, listing_id: int) -> list[WantedPost]:
    """The open posts a listing could serve, for its own organisation (404 for anyone else)."""
    listing = db.session.get(Listing, listing_id)
    if listing is None or not listing.can_manage(user):
        raise NotFound()
    return wanted_for_listing(listing)
