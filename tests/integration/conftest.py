"""Fixtures shared by the integration tests: the search contract's `backend`, which both
test_search_contract.py and test_search_contract_meili_rules.py run against."""

import os
from uuid import uuid4

import pytest

from marketplace.search.embedded.backend import EmbeddedBackend
from tests.search_corpus import corpus


@pytest.fixture(params=["embedded", "meilisearch"])
def backend(request, app, tmp_path):
    """Each backend, empty and with its settings applied; the corpus loaded."""
    if request.param == "meilisearch":
        if not os.environ.get("MEILI_URL"):
            pytest.skip(
                "the Meilisearch contract run needs a server: set MEILI_URL (and MEILI_API_KEY)"
            )
        from marketplace.search.meili.backend import MeiliBackend

        chosen = MeiliBackend(
            url=os.environ["MEILI_URL"],
            api_key=os.environ.get("MEILI_API_KEY", ""),
            index=f"test_{uuid4().hex[:8]}",
            timeout=5,
        )
    else:
        chosen = EmbeddedBackend(str(tmp_path / "contract" / "search.sqlite3"))
    chosen.apply_settings()
    chosen.upsert(corpus())
    yield chosen
    if request.param == "meilisearch":
        chosen.drop()
