"""The search entry point for pages and the API: the configured backend, with the embedded
engine as the fallback when Meilisearch cannot answer."""

import logging

from flask import current_app
from flask_babel import gettext as _

from ..ops.metrics import timed_search
from .backend import SearchUnavailable
from .query import SearchQuery, SearchResult

log = logging.getLogger(__name__)


def embedded():
    """The embedded SQLite FTS5 engine (always present: default backend and fallback)."""
    from .embedded.backend import EmbeddedBackend

    backend = current_app.extensions.get("search_embedded")
    if backend is None:
        backend = current_app.extensions["search_embedded"] = EmbeddedBackend(
            current_app.config["SEARCH_DB_PATH"]
        )
    return backend


def meilisearch():
    """The Meilisearch backend when MEILI_URL is set, else None."""
    if not current_app.config["MEILI_ENABLED"]:
        return None
    from .meili.backend import MeiliBackend

    backend = current_app.extensions.get("search_meili")
    if backend is None:
        config = current_app.config
        backend = current_app.extensions["search_meili"] = MeiliBackend(
            url=config["MEILI_URL"],
            api_key=config["MEILI_API_KEY"],
            index=config["MEILI_INDEX"],
            timeout=config["MEILI_TIMEOUT_S"],
        )
    return backend


def backends() -> list:
    """Every index to keep in sync: the embedded one always, Meilisearch when configured."""
    return [b for b in (embedded(), meilisearch()) if b is not None]


@timed_search  # kera_search_duration_seconds{backend}
def search(query: SearchQuery) -> SearchResult:
    """Run `query` on Meilisearch when configured, falling back to the embedded engine."""
    meili = meilisearch()
    if meili is not None:
        try:
            return meili.search(query)
        except SearchUnavailable as exc:
            log.warning("Meilisearch unavailable, using the embedded index: %s", exc)
            result = embedded().search(query)
            result.notice = _(
                "The search server is not reachable right now;"
                " results come from the built-in index."
            )
            return result
    return embedded().search(query)
