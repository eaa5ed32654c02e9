"""What every search backend offers. The embedded engine (SQLite FTS5) and Meilisearch both
implement it; marketplace/search/service.py picks one by configuration."""

from collections.abc import Iterable
from typing import Protocol

from .query import SearchQuery, SearchResult


class SearchUnavailable(RuntimeError):
    """The backend cannot answer now (server down, timeout); callers fall back or retry."""


class SearchBackend(Protocol):
    name: str

    def search(self, query: SearchQuery) -> SearchResult:
        """Ids in rank order, exact total, facets of the filtered set, highlights, distances."""

    def upsert(self, documents: list[dict]) -> None:
        """Add or fully replace documents by id (idempotent)."""

    def delete(self, ids: list[int]) -> None:
        """Remove documents by id (idempotent; unknown ids are fine)."""

    def rebuild(self, documents: Iterable[dict]) -> None:
        """Build a fresh index from `documents` and swap it in; searches never see it empty."""

    def count(self) -> int:
        """How many documents the index holds."""

    def apply_settings(self) -> None:
        """Create the index and apply its settings (idempotent)."""
