"""A small stand-in for the Meilisearch HTTP API on 127.0.0.1, for tests without a server.

It answers with the documented response shapes (summarised tasks on writes, GET /tasks/{uid},
/settings, /stats, /search in page mode, /swap-indexes), keeps indexes, settings and documents
in memory, and records every request. It does not rank or filter: relevance is the engine's
job; the tests check what we send. It does check what a real server would reject: filter
syntax and attributes that are not filterable/sortable (400), and bad `_geo` (failed task).

Bounded: the serving loop stops after MAX_REQUESTS requests or MAX_LIFETIME_S seconds, and an
injected delay never exceeds MAX_DELAY_S.
"""

import copy
import json
import math
import re
import threading
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from . import meili_filter_syntax as syntax

MAX_REQUESTS = 2000
MAX_LIFETIME_S = 300.0
MAX_DELAY_S = 3.0
DEFAULT_SETTINGS = {
    "displayedAttributes": ["*"],
    "searchableAttributes": ["*"],
    "filterableAttributes": [],
    "sortableAttributes": [],
    "stopWords": [],
    "nonSeparatorTokens": [],
    "separatorTokens": [],
    "dictionary": [],
    "synonyms": {},
    "distinctAttribute": None,
    "proximityPrecision": "byWord",
    "rankingRules": [
        "words",
        "typo",
        "proximity",
        "attributeRank",
        "sort",
        "wordPosition",
        "exactness",
    ],
    "typoTolerance": {
        "enabled": True,
        "minWordSizeForTypos": {"oneTypo": 5, "twoTypos": 9},
        "disableOnWords": [],
        "disableOnAttributes": [],
        "disableOnNumbers": False,
    },
    "faceting": {"maxValuesPerFacet": 100, "sortFacetValuesBy": {"*": "alpha"}},
    "pagination": {"maxTotalHits": 1000},
    "embedders": {},
    "searchCutoffMs": None,
    "localizedAttributes": None,
    "facetSearch": True,
    "prefixSearch": "indexingTime",
}
SORTED_SETTINGS = ("filterableAttributes", "sortableAttributes")  # the engine returns these sorted


class Failure(Exception):
    def __init__(self, code: str, message: str, status: int = 400):
        super().__init__(message)
        self.code, self.message, self.status = code, message, status

    def body(self):
        return {
            "message": self.message,
            "code": self.code,
            "type": "invalid_request",
            "link": f"https://docs.meilisearch.com/errors#{self.code}",
        }


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _check_geo(doc):
    geo = doc.get("_geo")
    if geo is None:
        return
    ok = isinstance(geo, dict) and all(
        isinstance(geo.get(k), (int, float)) and not isinstance(geo.get(k), bool)
        for k in ("lat", "lng")
    )
    if not ok or not (-90 <= geo["lat"] <= 90 and -180 <= geo["lng"] <= 180):
        raise Failure(
            "invalid_document_geo_field",
            f"The `_geo` field in the document with the id: `{doc.get('id')}` is invalid.",
        )


SEARCHABLE_PREFIXES = (
    "title_",
    "description_",
    "category_name_",
    "category_synonyms",
    "compound_terms",
)


class FakeMeilisearch:
    """State, behaviour switches and the request log. `url` is set once serving."""

    def __init__(self):
        self.lock = threading.Lock()
        self.url = ""
        self.served = 0  # across tests: bounds the serving loop
        self.reset()

    def reset(self):
        """A fresh server for the next test."""
        with self.lock:
            self.requests: list[dict] = []
            self.indexes: dict[str, dict] = {}
            self.tasks: dict[int, dict] = {}
            self.next_uid = 0
            self.delay, self.delay_path = 0.0, ""
            self.status = None  # answer everything with this HTTP status
            self.fail_types: dict[str, str] = {}  # task type -> error code
            self.polls_before_done = 1

    # -- recording helpers ---------------------------------------------------------------------

    def sent(self, method: str, pattern: str = "") -> list[dict]:
        """Recorded requests with this method whose path matches `pattern` (a regex, fully)."""
        return [
            r
            for r in self.requests
            if r["method"] == method and re.fullmatch(pattern or ".*", r["path"])
        ]

    def writes(self) -> list[dict]:
        return [r for r in self.requests if r["method"] != "GET"]

    # -- request handling ----------------------------------------------------------------------

    def handle(self, method, raw_path, headers, raw_body):
        parts = urlsplit(raw_path)
        path = parts.path.strip("/")
        body = json.loads(raw_body) if raw_body else None
        with self.lock:
            self.served += 1
            self.requests.append(
                {
                    "method": method,
                    "path": path,
                    "query": parse_qs(parts.query),
                    "body": body,
                    "authorization": headers.get("Authorization"),
                    "content_type": headers.get("Content-Type"),
                }
            )
            delay = min(self.delay, MAX_DELAY_S) if self.delay_path in path else 0.0
            status = self.status
        if delay:
            time.sleep(delay)
        if status:
            return status, {
                "message": "injected failure",
                "code": "internal",
                "type": "internal",
                "link": "https://docs.meilisearch.com/errors#internal",
            }
        try:
            with self.lock:
                return self._route(method, path, parts.query, body)
        except Failure as exc:
            return exc.status, exc.body()

    def _route(self, method, path, query, body):
        m = re.fullmatch(r"tasks/(\d+)", path)
        if method == "GET" and m:
            return self._get_task(int(m.group(1)))
        if method == "POST" and path == "indexes":
            uid, key = body["uid"], body.get("primaryKey")
            return self._enqueue(uid, "indexCreation", lambda: self._create(uid, key))
        if method == "POST" and path == "swap-indexes":
            pairs = [p["indexes"] for p in body]
            return self._enqueue(None, "indexSwap", lambda: self._swap(pairs))
        m = re.fullmatch(r"indexes/([A-Za-z0-9_-]+)(/.*)?", path)
        if not m:
            raise Failure("not_found", f"no route {method} {path}", 404)
        uid, rest = m.group(1), (m.group(2) or "")
        if rest == "":
            if method == "GET":
                idx = self._index(uid)
                return 200, {
                    "uid": uid,
                    "primaryKey": idx["primaryKey"],
                    "createdAt": idx["createdAt"],
                    "updatedAt": idx["createdAt"],
                }
            if method == "PATCH":
                return self._enqueue(
                    uid,
                    "indexUpdate",
                    lambda: self._index(uid).update(primaryKey=body["primaryKey"]),
                )
            if method == "DELETE":
                return self._enqueue(uid, "indexDeletion", lambda: self._delete_index(uid))
        if rest == "/settings" and method == "GET":
            return 200, copy.deepcopy(self._index(uid)["settings"])
        if rest == "/settings" and method == "PATCH":
            return self._enqueue(uid, "settingsUpdate", lambda: self._update_settings(uid, body))
        if rest == "/documents" and method == "POST":
            key = parse_qs(query).get("primaryKey", [None])[0]
            return self._enqueue(uid, "documentAdditionOrUpdate", lambda: self._add(uid, body, key))
        if rest == "/documents/delete" and method == "POST":
            return self._enqueue(
                uid, "documentDeletion", lambda: self._delete_by_filter(uid, body["filter"])
            )
        if rest == "/stats" and method == "GET":
            docs = self._index(uid)["docs"]
            fields = {}
            for doc in docs.values():
                for name in doc:
                    fields[name] = fields.get(name, 0) + 1
            return 200, {
                "numberOfDocuments": len(docs),
                "rawDocumentDbSize": 0,
                "avgDocumentSize": 0,
                "isIndexing": False,
                "numberOfEmbeddings": 0,
                "numberOfEmbeddedDocuments": 0,
                "fieldDistribution": fields,
            }
        if rest == "/search" and method == "POST":
            return 200, self._search(self._index(uid), body)
        raise Failure("not_found", f"no route {method} {path}", 404)

    # -- tasks -----------------------------------------------------------------------------------

    def _enqueue(self, uid, kind, apply):
        task_uid, self.next_uid = self.next_uid, self.next_uid + 1
        error = None
        if kind in self.fail_types:
            error = Failure(self.fail_types[kind], "injected task failure").body()
        else:
            try:
                apply()
            except Failure as exc:
                error = exc.body()
        now = _now()
        self.tasks[task_uid] = {
            "uid": task_uid,
            "batchUid": task_uid,
            "indexUid": uid,
            "status": "failed" if error else "succeeded",
            "type": kind,
            "canceledBy": None,
            "details": {},
            "error": error,
            "duration": "PT0.001S",
            "enqueuedAt": now,
            "startedAt": now,
            "finishedAt": now,
            "polls": self.polls_before_done,
        }
        return 202, {
            "taskUid": task_uid,
            "indexUid": uid,
            "status": "enqueued",
            "type": kind,
            "enqueuedAt": now,
        }

    def _get_task(self, task_uid):
        if task_uid not in self.tasks:
            raise Failure("task_not_found", f"Task `{task_uid}` not found.", 404)
        task = dict(self.tasks[task_uid])
        if task.pop("polls") > 0:  # one "processing" answer exercises the polling
            self.tasks[task_uid]["polls"] -= 1
            task.update(status="processing", error=None, finishedAt=None, duration=None)
        return 200, task

    # -- index operations ----------------------------------------------------------------------

    def _index(self, uid):
        if uid not in self.indexes:
            raise Failure("index_not_found", f"Index `{uid}` not found.", 404)
        return self.indexes[uid]

    def _create(self, uid, key):
        if uid in self.indexes:
            raise Failure("index_already_exists", f"Index `{uid}` already exists.", 409)
        self.indexes[uid] = {
            "primaryKey": key,
            "createdAt": _now(),
            "settings": copy.deepcopy(DEFAULT_SETTINGS),
            "docs": {},
        }

    def _delete_index(self, uid):
        self._index(uid)
        del self.indexes[uid]

    def _swap(self, pairs):
        for a, b in pairs:
            self._index(a), self._index(b)
        for a, b in pairs:
            self.indexes[a], self.indexes[b] = self.indexes[b], self.indexes[a]

    def _update_settings(self, uid, body):
        settings = self._index(uid)["settings"]
        for key, value in body.items():
            if value is None:
                settings[key] = copy.deepcopy(DEFAULT_SETTINGS[key])
            elif isinstance(value, dict) and key != "synonyms":
                settings[key] = {**settings.get(key, {}), **value}
            else:
                settings[key] = sorted(value) if key in SORTED_SETTINGS else value

    def _add(self, uid, docs, key):
        if uid not in self.indexes:
            self._create(uid, key)  # what the real engine does: implicit creation
        idx = self.indexes[uid]
        idx["primaryKey"] = idx["primaryKey"] or key
        for doc in docs:
            if idx["primaryKey"] not in doc:
                raise Failure("missing_document_id", "Document doesn't have a primary key.")
            _check_geo(doc)
        for doc in docs:
            idx["docs"][doc[idx["primaryKey"]]] = doc

    def _delete_by_filter(self, uid, expression):
        tree = syntax.parse(expression)
        if tree[0] != "in" or tree[1] != "id":
            raise Failure("invalid_document_filter", "the fake deletes by `id IN [...]` only")
        docs = self._index(uid)["docs"]
        for value in tree[2]:
            docs.pop(int(value), None)

    # -- search ----------------------------------------------------------------------------------

    def _search(self, idx, body):
        settings = idx["settings"]
        if body.get("filter"):
            try:
                tree = syntax.parse(body["filter"])
            except (syntax.FilterSyntaxError, ValueError) as exc:
                raise Failure("invalid_search_filter", str(exc)) from None
            missing = syntax.attributes(tree) - set(settings["filterableAttributes"])
            if missing:
                raise Failure(
                    "invalid_search_filter", f"Attributes {sorted(missing)} are not filterable."
                )
        for key in body.get("sort", []):
            field = "_geo" if key.startswith("_geoPoint(") else key.split(":")[0]
            if field not in settings["sortableAttributes"]:
                raise Failure("invalid_search_sort", f"Attribute `{field}` is not sortable.")
        page, per_page = body.get("page", 1), body.get("hitsPerPage", 20)
        docs = list(idx["docs"].values())
        chosen = docs[(page - 1) * per_page : page * per_page]
        facets = {name: {} for name in body.get("facets", [])}
        for doc in docs:
            for name in facets:
                if doc.get(name) is not None:
                    facets[name][str(doc[name])] = facets[name].get(str(doc[name]), 0) + 1
        return {
            "hits": [self._hit(doc, body) for doc in chosen],
            "query": body.get("q", ""),
            "processingTimeMs": 1,
            "hitsPerPage": per_page,
            "page": page,
            "totalPages": math.ceil(len(docs) / per_page) if per_page else 0,
            "totalHits": len(docs),
            "facetDistribution": facets,
            "facetStats": {},
        }

    @staticmethod
    def _positions(doc, words):
        found = {}
        for field, value in doc.items():
            values = value if isinstance(value, list) else [value]
            for index, item in enumerate(values):
                if not isinstance(item, str) or not field.startswith(SEARCHABLE_PREFIXES):
                    continue
                for word in words:
                    for m in re.finditer(rf"(?i)\b{re.escape(word)}", item):
                        entry = {
                            "start": len(item[: m.start()].encode()),
                            "length": len(m.group().encode()),
                        }
                        if isinstance(value, list):
                            entry["indices"] = [index]
                        found.setdefault(field, []).append(entry)
        return found

    @staticmethod
    def _hit(doc, body):
        retrieve = body.get("attributesToRetrieve") or list(doc)
        hit = {k: v for k, v in doc.items() if k in retrieve or "*" in retrieve}
        pre, post = body.get("highlightPreTag", "<em>"), body.get("highlightPostTag", "</em>")
        words = list(re.findall(r"\w+", body.get("q") or ""))
        formatted = dict(hit)
        for field in body.get("attributesToHighlight", []):
            if isinstance(doc.get(field), str):
                value = doc[field]
                for word in words:  # word-prefix matches, like a prefix/exact match in the engine
                    value = re.sub(
                        rf"(?i)\b({re.escape(word)})", lambda m: pre + m.group(1) + post, value
                    )
                formatted[field] = value
        if body.get("attributesToHighlight"):
            hit["_formatted"] = formatted
        if body.get(
            "showMatchesPosition"
        ):  # byte offsets of word-prefix matches, as the engine gives
            hit["_matchesPosition"] = FakeMeilisearch._positions(doc, words)
        for key in body.get("sort", []):
            m = re.fullmatch(r"_geoPoint\(([-\d.]+),([-\d.]+)\):asc", key)
            if m and doc.get("_geo"):  # haversine on geoutils' sphere, whole meters
                point = (float(m[1]), float(m[2]), doc["_geo"]["lat"], doc["_geo"]["lng"])
                lat1, lng1, lat2, lng2 = map(math.radians, point)
                a = (
                    math.sin((lat2 - lat1) / 2) ** 2
                    + math.cos(lat1) * math.cos(lat2) * math.sin((lng2 - lng1) / 2) ** 2
                )
                hit["_geoDistance"] = round(2 * 6371e3 * math.asin(math.sqrt(a)))
        return hit


class _Handler(BaseHTTPRequestHandler):
    def _answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        status, payload = self.server.fake.handle(self.command, self.path, self.headers, raw)
        data = json.dumps(payload).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timeout tests)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _answer

    def log_message(self, *args):
        pass


class Server:
    """Serve a FakeMeilisearch on 127.0.0.1:<free port> in a daemon thread until stop()."""

    def __init__(self):
        self.fake = FakeMeilisearch()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.daemon_threads = True
        self.httpd.timeout = 0.05
        self.httpd.fake = self.fake
        self.fake.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="fake-meilisearch", daemon=True)

    def _serve(self):
        deadline = time.monotonic() + MAX_LIFETIME_S
        while (
            not self._stop.is_set() and time.monotonic() < deadline and self._count() < MAX_REQUESTS
        ):
            self.httpd.handle_request()
        self.httpd.server_close()

    def _count(self):
        return self.fake.served

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._stop.set()
        self._thread.join(timeout=5)
