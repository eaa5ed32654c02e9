"""The Meilisearch backend (production search), through the official `meilisearch` client.

Only the Flask server talks to Meilisearch, with a server-side key; the browser never does.
Every HTTP call has the configured timeout. Connection errors, timeouts and HTTP 5xx/429 raise
SearchUnavailable (search falls back to the embedded engine; the outbox retries writes); any
other API error is a bug in the request and raises MeiliRequestError. Writes wait for their
task and raise MeiliTaskFailed when it fails, so the outbox marks a message done only on success.
"""

import logging
import threading
from collections.abc import Iterable
from contextlib import contextmanager

import meilisearch
import requests
from meilisearch.errors import (
    MeilisearchApiError,
    MeilisearchCommunicationError,
    MeilisearchTimeoutError,
)

from ... import clock
from ..backend import SearchUnavailable
from ..query import SearchQuery, SearchResult
from . import settings
from .documents import meili_document
from .query import request, result

log = logging.getLogger(__name__)
PRIMARY_KEY = "id"


class MeiliRequestError(RuntimeError):
    """Meilisearch rejected a request (4xx): a bug or a misconfiguration, not an outage."""


class MeiliTaskFailed(RuntimeError):
    """A write task ended `failed` or `canceled`; nothing of it was applied."""


@contextmanager
def translated_errors(action: str):
    """Map client errors to SearchUnavailable (retry or fall back) or MeiliRequestError (bug)."""
    try:
        yield
    except MeilisearchApiError as exc:
        if exc.status_code >= 500 or exc.status_code == 429:
            raise SearchUnavailable(
                f"Meilisearch {action}: HTTP {exc.status_code} {exc.message}"
            ) from exc
        code = f" {exc.code}" if exc.code else ""
        raise MeiliRequestError(
            f"Meilisearch {action} rejected: HTTP {exc.status_code}{code}: {exc.message}"
        ) from exc
    except (
        MeilisearchCommunicationError,
        MeilisearchTimeoutError,
        requests.RequestException,
    ) as exc:
        raise SearchUnavailable(f"Meilisearch {action}: {exc}") from exc


def _missing_index(exc: Exception) -> bool:
    return getattr(exc.__cause__, "code", None) == "index_not_found"


class MeiliBackend:
    """SearchBackend on one Meilisearch index (see backend.py for the contract)."""

    name = "meilisearch"

    def __init__(
        self,
        url: str,
        api_key: str,
        index: str,
        timeout: float,
        *,
        task_timeout: float = 30.0,
        rebuild_task_timeout: float = 900.0,
        batch_size: int = 10_000,
    ):
        self.url, self.api_key, self.index_uid, self.timeout = (
            url.rstrip("/"),
            api_key or None,
            index,
            timeout,
        )
        self.task_timeout, self.rebuild_task_timeout, self.batch_size = (
            task_timeout,
            rebuild_task_timeout,
            batch_size,
        )
        self._local = threading.local()
        self._ready = False

    @property
    def client(self) -> meilisearch.Client:
        """One client per thread: the client mutates its shared header dict on every request."""
        client = getattr(self._local, "client", None)
        if client is None:
            client = self._local.client = meilisearch.Client(
                self.url, self.api_key, timeout=self.timeout
            )
        return client

    def _index(self, uid: str | None = None):
        return self.client.index(uid or self.index_uid)

    def _wait(self, task_info, *, timeout: float | None = None, ok_codes: tuple[str, ...] = ()):
        """Wait for a task; MeiliTaskFailed unless it succeeded (or failed with `ok_codes`)."""
        timeout_ms = int((timeout or self.task_timeout) * 1000)
        task = self.client.wait_for_task(
            task_info.task_uid, timeout_in_ms=timeout_ms, interval_in_ms=50
        )
        error = task.error or {}
        if task.status == "succeeded" or error.get("code") in ok_codes:
            return task
        raise MeiliTaskFailed(
            f"Meilisearch task {task.uid} ({task.type}) {task.status}: "
            f"{error.get('code', '')} {error.get('message', '')}".strip()
        )

    # -- index and settings -------------------------------------------------------------------

    def _ensure_index(self, uid: str, *, check_key: bool = True) -> None:
        """Create `uid` with primary key `id` (never inferred), or check the one it has."""
        try:
            info = self.client.get_raw_index(uid)
        except MeilisearchApiError as exc:
            if exc.code != "index_not_found":
                raise
            task = self.client.create_index(uid, {"primaryKey": PRIMARY_KEY})
            self._wait(task, ok_codes=("index_already_exists",))
            return
        key = info.get("primaryKey")
        if not check_key:
            return
        if key is None:
            self._wait(self._index(uid).update(primary_key=PRIMARY_KEY))
        elif key != PRIMARY_KEY:
            raise MeiliRequestError(
                f"index {uid!r} has primary key {key!r}, not {PRIMARY_KEY!r}; "
                "drop it and run `flask search reindex`"
            )

    def _sync_settings(self, uid: str) -> dict:
        """Send only the settings that differ from what the index has; wait for them."""
        index = self._index(uid)
        diff = settings.changes(index.get_settings())
        if diff:
            log.info("updating Meilisearch settings of %s: %s", uid, ", ".join(sorted(diff)))
            self._wait(index.update_settings(diff), timeout=self.rebuild_task_timeout)
        return diff

    def apply_settings(self) -> None:
        """Create the index with primary key `id` and bring its settings up to date (idempotent)."""
        with translated_errors("apply settings"):
            self._ensure_index(self.index_uid)
            self._sync_settings(self.index_uid)
        self._ready = True

    def _ensure_ready(self) -> None:
        # A write must never create the index implicitly (no settings, inferred key).
        if not self._ready:
            self.apply_settings()

    # -- search ---------------------------------------------------------------------------------

    def search(self, query: SearchQuery) -> SearchResult:
        """Run `query`; SearchUnavailable when the server cannot answer (or has no index)."""
        params = request(query)
        try:
            with translated_errors("search"):
                response = self._index().search(query.text, params)
        except MeiliRequestError as exc:
            if _missing_index(exc):
                raise SearchUnavailable(
                    f"Meilisearch index {self.index_uid!r} does not exist yet; "
                    "run `flask search reindex`"
                ) from exc
            raise
        return result(response, query)

    # -- writes ---------------------------------------------------------------------------------

    def upsert(self, documents: list[dict]) -> None:
        """Add or fully replace documents by id; returns once the task has succeeded."""
        payload = [meili_document(d) for d in documents]
        if not payload:
            return
        self._ensure_ready()
        with translated_errors("upsert"):
            self._wait(self._index().add_documents(payload, primary_key=PRIMARY_KEY))

    def delete(self, ids: list[int]) -> None:
        """Remove documents by id (unknown ids and a missing index are fine)."""
        ids = sorted({int(i) for i in ids})
        if not ids:
            return
        self._ensure_ready()
        expression = f"{PRIMARY_KEY} IN [{', '.join(str(i) for i in ids)}]"
        with translated_errors("delete"):
            self._wait(
                self._index().delete_documents(filter=expression), ok_codes=("index_not_found",)
            )

    def count(self) -> int:
        """Documents in the live index (0 when it does not exist)."""
        try:
            with translated_errors("count"):
                return self._index().get_stats().number_of_documents
        except MeiliRequestError as exc:
            if _missing_index(exc):
                return 0
            raise

    def rebuild(self, documents: Iterable[dict]) -> None:
        """Fill a fresh `<index>_build_<timestamp>` with the same settings, swap it with the live
        index (created empty first if missing) and delete the old one: searches never see an
        empty or half-filled index."""
        build = f"{self.index_uid}_build_{clock.now().strftime('%Y%m%d%H%M%S%f')}"
        with translated_errors("rebuild"):
            try:
                self._ensure_index(build)
                self._sync_settings(build)
                self._load(build, documents)
                self._ensure_index(self.index_uid, check_key=False)  # the swap replaces it
                swap = self.client.swap_indexes([{"indexes": [self.index_uid, build]}])
                self._wait(swap, timeout=self.rebuild_task_timeout)
            except Exception:
                self._delete_quietly(build)
                raise
            self._ready = True
            self._delete_quietly(build)  # now holds the previous documents

    def _load(self, uid: str, documents: Iterable[dict]) -> None:
        index, tasks, batch = self._index(uid), [], []
        for doc in documents:
            batch.append(meili_document(doc))
            if len(batch) >= self.batch_size:
                tasks.append(index.add_documents(batch, primary_key=PRIMARY_KEY))
                batch = []
        if batch:
            tasks.append(index.add_documents(batch, primary_key=PRIMARY_KEY))
        for task in tasks:  # enqueued together so the engine can batch them
            self._wait(task, timeout=self.rebuild_task_timeout)

    def _delete_quietly(self, uid: str) -> None:
        try:
            with translated_errors("delete index"):
                self._wait(self.client.delete_index(uid), ok_codes=("index_not_found",))
        except Exception:  # noqa: BLE001 - a leftover build index is harmless; say so and go on
            log.warning(
                "could not delete Meilisearch index %s; delete it by hand", uid, exc_info=True
            )

    def drop(self) -> None:
        """Delete the live index (tests and `flask search` maintenance); a missing one is fine."""
        with translated_errors("drop"):
            self._wait(self.client.delete_index(self.index_uid), ok_codes=("index_not_found",))
        self._ready = False
