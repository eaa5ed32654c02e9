"""The map of every search result: the sites a result's listings are at, with how many each.

The counts come from the search backend's `site_id` facet, counted over the whole result (never
the page), so no listing is loaded; the sites' positions and names come from one query.
"""

import sqlalchemy as sa

from ..extensions import db
from ..models import Site


def result_sites(site_counts: dict[str, int]) -> list[dict]:
    """One entry per site of a `site_id` facet ({"12": 3, …}): id, position, name and count,
    the most listings first. A site the database no longer has is left out."""
    counts = {int(site_id): n for site_id, n in site_counts.items() if n > 0}
    if not counts:
        return []
    rows = db.session.execute(
        sa.select(Site.id, Site.name, Site.lat, Site.lng).where(Site.id.in_(counts))
    )
    found = [
        {"site_id": site_id, "lat": lat, "lng": lng, "count": counts[site_id], "label": name}
        for site_id, name, lat, lng in rows
    ]
    return sorted(found, key=lambda s: (-s["count"], s["label"], s["site_id"]))
