"""The city's view of surveys (issue 11 item 5): per site, by EWC code, the mass the imported
surveys announced (planned) next to the net mass the ledger shows handed over (achieved).

Planned mass is quantity × kg per unit of the listings of imports that were not undone, under
the catalogue's EWC code of their category: the code the ledger records for a handover
(services/ledger.py), so the two columns compare like with like. Handed-over mass is the
ledger's net figure (corrections applied) for every handover at the site, from
queries/exports.waste_summary."""

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
import sqlalchemy.orm as so

from ..extensions import db
from ..models import Listing, Site, SurveyImport
from .exports import ewc_titles, waste_summary

COLUMNS = (
    "site_id",
    "site",
    "organization",
    "ewc_code",
    "ewc_title",
    "planned_kg",
    "handed_over_kg",
    "handed_over_share",
)


@dataclass
class SurveyTotal:
    """One site and EWC code: planned by surveys, handed over by the ledger."""

    site_id: int
    site: str
    organization: str
    ewc_code: str
    ewc_title: str
    planned_kg: Decimal
    handed_over_kg: Decimal

    @property
    def share(self) -> Decimal | None:
        """Handed over / planned, None when nothing was planned under this code."""
        return (self.handed_over_kg / self.planned_kg) if self.planned_kg else None

    def row(self) -> list:
        """The values in COLUMNS order (CSV)."""
        share = None if self.share is None else round(self.share, 3)
        return [
            self.site_id,
            self.site,
            self.organization,
            self.ewc_code,
            self.ewc_title,
            self.planned_kg,
            self.handed_over_kg,
            share,
        ]


def survey_totals(locale: str, site_id: int | None = None) -> list[SurveyTotal]:
    """Every site with a survey import (or the one given), EWC codes of either side, in order."""
    query = (
        sa.select(Listing)
        .join(SurveyImport, Listing.import_id == SurveyImport.id)
        .where(SurveyImport.undone_at.is_(None))
        .options(so.joinedload(Listing.category))
    )
    if site_id is not None:
        query = query.where(Listing.site_id == site_id)
    planned: dict[int, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for listing in db.session.scalars(query):
        if listing.total_kg is not None:
            planned[listing.site_id][listing.category.ewc_code] += listing.total_kg
    titles = ewc_titles(locale)["code"]
    totals = []
    sites = db.session.scalars(sa.select(Site).where(Site.id.in_(planned)).order_by(Site.name))
    for site in sites:
        handed = {w.ewc_code: w.mass_kg for w in waste_summary(locale, site_id=site.id)}
        for code in sorted(set(planned[site.id]) | set(handed)):
            totals.append(
                SurveyTotal(
                    site.id,
                    site.name,
                    site.organization.name,
                    code,
                    titles.get(code, ""),
                    planned[site.id].get(code, Decimal(0)),
                    handed.get(code, Decimal(0)),
                )
            )
    return totals
