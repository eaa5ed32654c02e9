"""Query-string parameters of the API, typed for the OpenAPI document (api/openapi.py).

The views parse them (search/parse.py, api/impact.py); the bounds here are read from the same
constants, so the document states the limits that the parsers enforce.
"""

from ..client_input import MAX_ID  # the id converter's bound: INTEGER ids (2^31-1)
from ..models import Condition
from ..queries.impact import CITY_GROUPS
from ..search import parse as search_parse
from ..search.query import MAX_PER_PAGE, SORTS
from .csvfiles import VARIANTS as csv_variants

_NUMBER = r"-?[0-9]+(\.[0-9]+)?"


def param(description: str, **schema) -> dict:
    """A query parameter: its description and JSON schema keywords."""
    return {"description": description, "schema": schema}


def _date(description: str) -> dict:
    return param(description, type="string", format="date")


_TEXT = search_parse.PARAMETERS
SEARCH = {
    "q": param(_TEXT["q"], type="string", maxLength=search_parse.MAX_TEXT),
    "category": param(
        _TEXT["category"],
        type="array",
        maxItems=search_parse.MAX_VALUES,
        items={"type": "string", "maxLength": 40},
    ),
    "condition": param(
        _TEXT["condition"],
        type="array",
        maxItems=search_parse.MAX_VALUES,
        items={"type": "string", "enum": [c.value for c in Condition]},
    ),
    "site_id": param(_TEXT["site_id"], type="integer", minimum=0, maximum=999_999_999),
    "free": param(_TEXT["free"], type="boolean"),
    "available_on": _date(_TEXT["available_on"]),
    "lat": param(_TEXT["lat"], type="number", minimum=-90, maximum=90),
    "lng": param(_TEXT["lng"], type="number", minimum=-180, maximum=180),
    "radius_km": param(
        _TEXT["radius_km"], type="number", minimum=0.001, maximum=search_parse.MAX_RADIUS_KM
    ),
    "bbox": param(_TEXT["bbox"], type="string", pattern=f"^{_NUMBER}(,{_NUMBER}){{3}}$"),
    "sort": param(_TEXT["sort"], type="string", enum=list(SORTS)),
    "page": param(_TEXT["page"], type="integer", minimum=1, maximum=10_000),
    "per_page": param(_TEXT["per_page"], type="integer", minimum=1, maximum=MAX_PER_PAGE),
}

PERIOD = {
    "from": _date("YYYY-MM-DD (inclusive, Helsinki time); not after `to`"),
    "to": _date("YYYY-MM-DD (inclusive)"),
}
SCOPE = {
    **PERIOD,
    "organization_id": param(
        "only this builder organisation", type="integer", minimum=0, maximum=MAX_ID
    ),
    "site_id": param("only this site", type="integer", minimum=0, maximum=MAX_ID),
}
IMPACT = {
    **PERIOD,
    "group_by": param(
        "category, ewc_code, site (city staff), organization (city staff), month",
        type="string",
        enum=list(CITY_GROUPS),
    ),
}
CSV_VARIANT = {
    "variant": param(
        "standard (default): `,`-separated, `.` decimals, UTF-8 without BOM; spreadsheet: for "
        "Excel or LibreOffice in Finnish or Swedish: `;`-separated, `,` decimals, UTF-8 with BOM",
        type="string",
        enum=list(csv_variants),
    )
}
RESERVATIONS = {
    "as": param(
        "seller: reservations on my organisation's listings", type="string", enum=["seller"]
    )
}
