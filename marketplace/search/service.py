"""The search entry point used by pages and the API: picks the configured backend."""
from ..queries import listings as listing_queries
from .query import SearchQuery, SearchResult


def search(query: SearchQuery) -> SearchResult:
    """Run `query` on the configured backend."""
    return listing_queries.browse(query)
