"""API: the materials catalogue."""

from ..queries import listings as listing_queries
from . import present, schemas
from .blueprint import bp
from .io import doc, respond


@bp.get("/categories")
@doc("Material categories", response=list[schemas.CategoryOut])
def categories():
    """All categories with names in fi/sv/en, EWC code, units and typical masses. Hazardous ones
    are listed with `listable: false` so clients can explain why they cannot be posted."""
    return respond([present.category(c) for c in listing_queries.categories()])
