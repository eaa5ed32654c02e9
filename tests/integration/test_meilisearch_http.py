"""The Meilisearch backend at its HTTP boundary: the real `meilisearch` client talks to a small
local server that answers like Meilisearch and records every request (meili_fake.py).
Nothing in the client library is mocked."""

import logging
import socket
import time
from datetime import date

import pytest

from marketplace import clock, outbox
from marketplace.extensions import db
from marketplace.models.outbox import OutboxMessage, OutboxStatus
from marketplace.search.backend import SearchUnavailable
from marketplace.search.documents import day_number
from marketplace.search.meili.backend import MeiliBackend, MeiliRequestError, MeiliTaskFailed
from marketplace.search.meili.query import compare, highlight_html, number, quote
from marketplace.search.meili.settings import synonyms
from marketplace.search.query import SearchQuery

from ..conftest import make_app
from . import meili_filter_syntax as syntax
from .meili_fake import Server

KEY = "server-side-admin-key"
ESPOO = (60.2055, 24.6559)
KERA = (60.2161, 24.7539)


@pytest.fixture(scope="module")
def server():
    running = Server().start()
    yield running
    running.stop()


@pytest.fixture
def fake(server):
    server.fake.reset()
    return server.fake


@pytest.fixture
def meili(fake):
    # 5 s: a loaded CI machine can pause a request well past half a second (a full GC in the
    # serving thread); the tests of timeouts make their own backend with a short one
    return MeiliBackend(url=fake.url, api_key=KEY, index="listings", timeout=5, task_timeout=5)


@pytest.fixture
def ready(meili, fake):
    """A backend whose index exists with its settings; the log starts empty."""
    meili.apply_settings()
    fake.requests.clear()
    return meili


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def today() -> int:
    return day_number(clock.today())


def base_parsed() -> list:
    """base() as the filter syntax parser reads it."""
    return [
        ("cmp", "available_until_day", ">=", str(today())),
        ("cmp", "public_from", "<=", str(int(clock.now().timestamp()))),
    ]


def base() -> str:
    """The clauses of every query by a non-professional: window not over, open to everyone."""
    return f"available_until_day >= {today()} AND public_from <= {int(clock.now().timestamp())}"


def doc(id=1, **overrides):
    """A generic search document as documents.document() builds it."""
    values = {
        "id": id,
        "title": "Kattotiili, punainen",
        "description": "Savikattotiiliä lavoilla.",
        "language": "fi",
        "category": "roof-tile",
        "category_names": ["Kattotiilet", "Takpannor", "Roof tiles"],
        "category_synonyms": ["kattotiili", "roof tile", "takpanna"],
        "condition": "good",
        "site_id": 3,
        "site_name": "Kera",
        "organization_id": 7,
        "price_cents": 0,
        "free": True,
        "quantity_available": 40.0,
        "unit": "pcs",
        "available_from": "2026-11-30",
        "available_until": "2026-12-30",
        "available_from_day": today(),
        "available_until_day": today() + 30,
        "created_ts": 1_795_000_000 + id,
        "_geo": {"lat": KERA[0], "lng": KERA[1]},
    }
    values.update(overrides)
    return values


def search_body(fake) -> dict:
    (request,) = fake.sent("POST", r"indexes/listings/search")
    return request["body"]


def run_search(meili, fake, **fields):
    fake.requests.clear()
    result = meili.search(SearchQuery(**fields))
    return result, search_body(fake)


# -- settings ----------------------------------------------------------------------------------


def test_apply_settings_creates_the_index_with_id_and_sends_every_setting(meili, fake):
    meili.apply_settings()

    (create,) = fake.sent("POST", "indexes")
    assert create["body"] == {"uid": "listings", "primaryKey": "id"}
    (patch,) = fake.sent("PATCH", r"indexes/listings/settings")
    sent = patch["body"]
    assert sent["searchableAttributes"] == [
        "title_fi",
        "title_sv",
        "title_en",
        "category_name_fi",
        "category_name_sv",
        "category_name_en",
        "category_synonyms",
        "compound_terms",
        "description_fi",
        "description_sv",
        "description_en",
    ]
    assert set(sent["filterableAttributes"]) >= {
        "category",
        "condition",
        "site_id",
        "free",
        "price_cents",
        "available_from_day",
        "available_until_day",
        "organization_id",
        "public_from",
        "_geo",
    }
    assert set(sent["sortableAttributes"]) == {"created_ts", "price_cents", "_geo"}
    groups = sent["synonyms"]
    assert {"brick", "tegel"} <= set(groups["tiili"])
    assert {"tiili", "tegel"} <= set(groups["brick"])
    assert {"tiili", "brick"} <= set(groups["tegel"])
    assert all(term == term.lower() for term in groups)
    assert sent["localizedAttributes"] == [
        {
            "attributePatterns": ["title_fi", "description_fi", "category_name_fi"],
            "locales": ["fin"],
        },
        {
            "attributePatterns": ["title_sv", "description_sv", "category_name_sv"],
            "locales": ["fin"],
        },  # folds å/ä/ö
        {
            "attributePatterns": ["title_en", "description_en", "category_name_en"],
            "locales": ["eng"],
        },
    ]
    assert sent["pagination"] == {"maxTotalHits": 10_000}
    assert sent["faceting"] == {"maxValuesPerFacet": 1000}  # every site of a result on the map
    assert "rankingRules" not in sent  # the server's default is kept
    # Already the server's defaults, so not sent, but what the index ends up with:
    held = fake.indexes["listings"]["settings"]
    assert held["typoTolerance"]["minWordSizeForTypos"] == {"oneTypo": 5, "twoTypos": 9}
    assert all(r["authorization"] == f"Bearer {KEY}" for r in fake.requests)
    assert fake.sent("GET", r"tasks/\d+")  # every write was waited for


def test_second_apply_settings_sends_nothing(meili, fake):
    meili.apply_settings()
    fake.requests.clear()

    meili.apply_settings()

    assert fake.writes() == []
    assert [r["path"] for r in fake.requests] == ["indexes/listings", "indexes/listings/settings"]


def test_apply_settings_resends_only_what_drifted(meili, fake):
    meili.apply_settings()
    settings = fake.indexes["listings"]["settings"]
    settings["sortableAttributes"] = ["created_ts"]
    settings["rankingRules"] = ["sort", "words"]
    settings["pagination"] = {"maxTotalHits": 1000}
    fake.requests.clear()

    meili.apply_settings()

    (patch,) = fake.sent("PATCH", r"indexes/listings/settings")
    assert patch["body"] == {
        "sortableAttributes": ["created_ts", "price_cents", "_geo"],
        "pagination": {"maxTotalHits": 10_000},
        "rankingRules": None,
    }


def test_an_index_with_another_primary_key_is_refused(meili, fake):
    fake.indexes["listings"] = {"primaryKey": "uuid", "createdAt": "", "settings": {}, "docs": {}}
    with pytest.raises(MeiliRequestError, match="primary key"):
        meili.apply_settings()


def test_synonym_groups_are_capped_at_the_engine_limits(caplog):
    many = [f"word{i}" for i in range(70)]
    category = {
        "name": {"fi": "Tiilet", "sv": "Tegel", "en": "Bricks"},
        "synonyms": {"en": many + ["one two three four"]},
    }
    with caplog.at_level(logging.WARNING, logger="marketplace"):  # an app may have raised its level
        found = synonyms([category])

    assert len(found["tiilet"]) == 50
    assert {"tegel", "bricks"} <= set(found["tiilet"])  # names are kept first
    assert "one two three four" not in found  # never used as a key
    assert "capped" in caplog.text


# -- documents -----------------------------------------------------------------------------------


def test_upsert_sends_meilisearch_documents_and_waits(ready, fake):
    ready.upsert([doc(1)])

    (add,) = fake.sent("POST", r"indexes/listings/documents")
    assert add["query"] == {"primaryKey": ["id"]}
    (sent,) = add["body"]
    assert sent["id"] == 1 and sent["title_fi"] == "Kattotiili, punainen"
    assert sent["description_fi"] == "Savikattotiiliä lavoilla."
    assert "title" not in sent and "title_sv" not in sent and "title_en" not in sent
    assert (sent["category_name_fi"], sent["category_name_sv"], sent["category_name_en"]) == (
        "Kattotiilet",
        "Takpannor",
        "Roof tiles",
    )
    assert "tiili" in sent["compound_terms"]
    assert sent["_geo"] == {"lat": KERA[0], "lng": KERA[1]}
    filters = ("category", "condition", "site_id", "free", "price_cents", "organization_id")
    assert {k: sent[k] for k in filters} == {
        "category": "roof-tile",
        "condition": "good",
        "site_id": 3,
        "free": True,
        "price_cents": 0,
        "organization_id": 7,
    }
    assert sent["available_until_day"] == today() + 30 and sent["created_ts"] == 1_795_000_001
    assert fake.sent("GET", r"tasks/\d+")
    assert fake.indexes["listings"]["docs"][1]["title_fi"] == "Kattotiili, punainen"


def test_a_swedish_listing_uses_the_swedish_fields(ready, fake):
    ready.upsert([doc(2, title="Innerdörr ek", description="Tio dörrar.", language="sv")])

    (sent,) = fake.sent("POST", r"indexes/listings/documents")[0]["body"]
    assert sent["title_sv"] == "Innerdörr ek" and sent["description_sv"] == "Tio dörrar."
    assert "title_fi" not in sent
    assert "dorr" in sent["compound_terms"]


@pytest.mark.parametrize(
    "geo",
    [
        {"lat": 123.0, "lng": 24.7},
        {"lat": float("nan"), "lng": 24.7},
        {"lat": "x", "lng": 1},
        {"lat": None, "lng": None},
        None,
    ],
)
def test_a_bad_point_is_sent_as_null_so_the_batch_does_not_fail(ready, fake, geo):
    ready.upsert([doc(3, _geo=geo), doc(4)])

    sent = fake.sent("POST", r"indexes/listings/documents")[0]["body"]
    assert sent[0]["_geo"] is None and sent[1]["_geo"] == {"lat": KERA[0], "lng": KERA[1]}
    assert set(fake.indexes["listings"]["docs"]) == {3, 4}


def test_upsert_raises_when_the_task_fails(ready, fake):
    fake.fail_types["documentAdditionOrUpdate"] = "invalid_document_geo_field"
    with pytest.raises(MeiliTaskFailed, match="invalid_document_geo_field"):
        ready.upsert([doc(1)])


def test_the_first_write_creates_the_index_with_its_settings(meili, fake):
    meili.upsert([doc(1)])

    paths = [(r["method"], r["path"]) for r in fake.writes()]
    assert paths[:2] == [("POST", "indexes"), ("PATCH", "indexes/listings/settings")]
    assert paths[-1] == ("POST", "indexes/listings/documents")


def test_delete_by_id_waits_and_counts(ready, fake):
    ready.upsert([doc(1), doc(2), doc(3)])
    fake.requests.clear()

    ready.delete([3, 1, 1])

    (sent,) = fake.sent("POST", r"indexes/listings/documents/delete")
    assert sent["body"] == {"filter": "id IN [1, 3]"}
    assert fake.sent("GET", r"tasks/\d+")
    assert ready.count() == 1
    assert fake.sent("GET", r"indexes/listings/stats")


def test_count_of_a_missing_index_is_zero(meili):
    assert meili.count() == 0


def test_drop_deletes_the_index_and_a_missing_one_is_fine(ready, fake):
    ready.drop()
    assert fake.indexes == {}
    ready.drop()
    assert [r["path"] for r in fake.sent("DELETE")] == ["indexes/listings", "indexes/listings"]


def test_rebuild_fills_a_fresh_index_swaps_it_in_and_deletes_the_old_one(fake):
    meili = MeiliBackend(
        url=fake.url, api_key=KEY, index="listings", timeout=5, task_timeout=5, batch_size=2
    )
    meili.upsert([doc(99, title="Vanha")])
    fake.requests.clear()

    meili.rebuild(doc(i) for i in range(1, 6))

    writes = [(r["method"], r["path"]) for r in fake.writes()]
    build = fake.sent("POST", "indexes")[0]["body"]["uid"]
    assert build.startswith("listings_build_")
    assert writes == [
        ("POST", "indexes"),
        ("PATCH", f"indexes/{build}/settings"),
        *[("POST", f"indexes/{build}/documents")] * 3,
        ("POST", "swap-indexes"),
        ("DELETE", f"indexes/{build}"),
    ]
    assert fake.sent("POST", "swap-indexes")[0]["body"] == [{"indexes": ["listings", build]}]
    assert sorted(fake.indexes) == ["listings"]
    assert sorted(fake.indexes["listings"]["docs"]) == [1, 2, 3, 4, 5]
    assert meili.count() == 5


def test_a_failed_rebuild_keeps_the_live_index_and_removes_the_build(ready, fake):
    ready.upsert([doc(99)])
    fake.fail_types["documentAdditionOrUpdate"] = "invalid_document_id"

    with pytest.raises(MeiliTaskFailed):
        ready.rebuild([doc(1)])

    assert not fake.sent("POST", "swap-indexes")
    assert sorted(fake.indexes) == ["listings"]
    assert list(fake.indexes["listings"]["docs"]) == [99]


# -- search requests -------------------------------------------------------------------------------


def test_a_plain_query_filters_out_ended_listings_and_sorts_newest(ready, fake):
    result, body = run_search(ready, fake)

    assert body["filter"] == base()
    assert body["sort"] == ["created_ts:desc"]
    assert body["q"] == ""
    assert (body["page"], body["hitsPerPage"]) == (1, 20)
    assert "offset" not in body and "limit" not in body
    assert body["facets"] == ["category", "condition"]
    assert result.backend == "meilisearch"


def test_every_filter_of_the_query_model(ready, fake):
    on = date(2026, 12, 10)
    _, body = run_search(
        ready,
        fake,
        text="tiili",
        categories=("brick", "roof-tile"),
        conditions=("good",),
        site_id=12,
        free_only=True,
        available_on=on,
        lat=KERA[0],
        lng=KERA[1],
        radius_km=5,
        bbox=(60.1, 24.6, 60.3, 24.9),
    )
    d = day_number(on)
    assert body["filter"] == (
        f"{base()} AND available_from_day <= {d}"
        f" AND available_until_day >= {d}"
        ' AND free = true AND site_id = 12 AND (category = "brick" OR category = "roof-tile")'
        ' AND condition = "good" AND _geoRadius(60.216100, 24.753900, 5000)'
        " AND _geoBoundingBox([60.300000, 24.900000], [60.100000, 24.600000])"
    )
    assert syntax.parse(body["filter"])[0] == "and"
    assert "sort" not in body  # relevance: the engine's order
    assert body["q"] == "tiili"


HOSTILE = [
    'brick" OR category = "timber',
    '" OR status = "withdrawn',
    "trailing backslash\\",
    '\\" OR site_id > 0 OR x = \\"',
    "single' OR 'quote",
    "new\\nline and \\u{41}",
    'brick") OR (category = "x',
    "brick AND NOT free = true",
]


@pytest.mark.parametrize("value", HOSTILE)
def test_a_hostile_category_stays_one_quoted_value(ready, fake, value):
    _, body = run_search(ready, fake, categories=(value,))

    escaped = '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    assert body["filter"] == f"{base()} AND category = {escaped}"
    assert syntax.parse(body["filter"]) == (
        "and",
        [*base_parsed(), ("cmp", "category", "=", value)],
    )


def test_hostile_values_in_an_or_group_and_in_conditions(ready, fake):
    _, body = run_search(ready, fake, categories=(HOSTILE[0], "timber"), conditions=(HOSTILE[1],))

    assert syntax.parse(body["filter"]) == (
        "and",
        [
            *base_parsed(),
            ("or", [("cmp", "category", "=", HOSTILE[0]), ("cmp", "category", "=", "timber")]),
            ("cmp", "condition", "=", HOSTILE[1]),
        ],
    )


def test_staged_release_professionals_drop_the_public_from_clause(ready, fake):
    """Staged release (issue 11): everyone else's query keeps only documents open by now."""
    _, body = run_search(ready, fake, available_on=date(2026, 12, 10))
    assert syntax.parse(body["filter"])[1][1] == base_parsed()[1]
    _, body = run_search(ready, fake, available_on=date(2026, 12, 10), early_access=True)
    assert "public_from" not in body["filter"]
    d = day_number(date(2026, 12, 10))
    assert body["filter"] == (
        f"available_until_day >= {today()} AND available_from_day <= {d}"
        f" AND available_until_day >= {d}"
    )


def test_documents_carry_public_from_as_epoch_seconds(ready, fake):
    ready.upsert([doc(1, public_from=1_796_000_000), {**doc(2)}])
    (add,) = fake.sent("POST", r"indexes/listings/documents")
    sent = {d["id"]: d for d in add["body"]}
    assert sent[1]["public_from"] == 1_796_000_000
    assert sent[2]["public_from"] == 0  # made before staged release: public


def test_text_with_quotes_goes_only_into_q(ready, fake):
    text = 'tiili" OR category = "x'
    _, body = run_search(ready, fake, text=text)

    assert body["q"] == text
    assert body["filter"] == base()


def test_the_query_keeps_phrases_drops_words_from_the_end_and_explains_its_hits(ready, fake):
    _, body = run_search(ready, fake, text='punainen "kattotiili musta')

    assert body["q"] == "punainen  kattotiili musta"  # the unclosed quote never reaches the engine
    assert body["matchingStrategy"] == "last"
    assert body["locales"] == ["fin", "eng"]  # no query is read as Swedish (å/ä/ö fold)
    assert body["showMatchesPosition"] is True and body["showRankingScoreDetails"] is True
    assert {"compound_terms", "category_synonyms", "description_fi"} <= set(
        body["attributesToRetrieve"]
    )


def test_each_hit_carries_what_matched_and_how(ready, fake):
    ready.upsert([doc(1, title="Kattotiili, punainen")])

    result, _ = run_search(ready, fake, text="tiili punai")

    [hit] = result.hits
    assert [(m.word, m.found, m.how) for m in hit.matches] == [
        ("tiili", "kattotiili", "compound"),
        ("punai", "punainen", "prefix"),
    ]
    assert not hit.typo_only


def test_why_reads_typos_synonyms_and_joined_words_from_the_response():
    from marketplace.search.meili.why import matches

    hit = {
        "title_sv": "Kablar och kakel",
        "category_synonyms": ["tegel", "brick"],
        "title_fi": "Doorframe",
        "_matchesPosition": {
            "title_sv": [{"start": 0, "length": 6}],
            "category_synonyms": [{"start": 0, "length": 5, "indices": [1]}],
            "title_fi": [{"start": 0, "length": 9}],
        },
        "_rankingScoreDetails": {"typo": {"typoCount": 1, "maxTypoCount": 2}},
    }
    assert [(m.word, m.found, m.how) for m in matches(hit, "kablat tiili door frame ")] == [
        ("kablat", "kablar", "typo"),
        ("tiili", "brick", "synonym"),
        ("door", "doorframe", "concat"),
        ("frame", "doorframe", "concat"),
    ]
    hit["_rankingScoreDetails"]["typo"]["typoCount"] = 0  # no typo counted: not a typo
    assert matches(hit, "kablat ")[0].how == "synonym"
    assert matches({"_matchesPosition": {}}, "-tiili") == []


def test_the_quoting_recipe_itself():
    assert quote("bar'\"\\") == '"bar\'\\"\\\\"'  # as laravel/scout#958 renders it
    with pytest.raises(ValueError):
        compare("status", "=", "withdrawn")  # not a whitelisted attribute
    with pytest.raises(ValueError):
        number(float("inf"))


@pytest.mark.parametrize(
    "fields, expected",
    [
        ({"text": "tiili"}, None),
        ({"text": "tiili", "sort": "newest"}, ["created_ts:desc"]),
        ({"sort": "price"}, ["price_cents:asc"]),
        (
            {"sort": "distance", "lat": ESPOO[0], "lng": ESPOO[1]},
            ["_geoPoint(60.205500,24.655900):asc"],
        ),
    ],
)
def test_sort_parameters(ready, fake, fields, expected):
    _, body = run_search(ready, fake, **fields)
    assert body.get("sort") == expected


def test_pagination_uses_page_and_hits_per_page_for_exact_totals(ready, fake):
    ready.upsert([doc(i) for i in range(1, 8)])

    result, body = run_search(ready, fake, page=2, per_page=3)

    assert (body["page"], body["hitsPerPage"]) == (2, 3)
    assert [h.id for h in result.hits] == [4, 5, 6]
    assert result.total == 7
    assert result.facets == {"category": {"roof-tile": 7}, "condition": {"good": 7}}


# -- search responses ------------------------------------------------------------------------------


def test_highlight_is_escaped_and_marked(ready, fake):
    ready.upsert([doc(1, title='<script>alert("x")</script> Kattotiili & muuta')])

    result, body = run_search(ready, fake, text="katto")

    assert body["highlightPreTag"] == "\ue000" and body["highlightPostTag"] == "\ue001"
    assert body["attributesToHighlight"] == ["title_fi", "title_sv", "title_en"]
    assert result.hits[0].highlight == {
        "title": "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"
        " <mark>Katto</mark>tiili &amp; muuta"
    }


def test_marker_characters_in_a_title_cannot_forge_marks(ready, fake):
    ready.upsert([doc(1, title="a\ue001b\ue000c")])
    assert fake.indexes["listings"]["docs"][1]["title_fi"] == "abc"
    assert highlight_html("x\ue001y\ue000z") == "xy<mark>z</mark>"


def test_distance_comes_from_geo_distance_when_sorting_by_distance(ready, fake):
    ready.upsert([doc(1)])

    result, _ = run_search(ready, fake, sort="distance", lat=ESPOO[0], lng=ESPOO[1])

    assert result.hits[0].distance_km == pytest.approx(5.54, abs=0.01)  # Kera to Espoo centre
    assert result.hits[0].distance_km == round(result.hits[0].distance_km, 3)


def test_distance_is_computed_from_the_point_otherwise(ready, fake):
    ready.upsert([doc(1)])

    result, body = run_search(ready, fake, lat=ESPOO[0], lng=ESPOO[1], radius_km=10)
    by_engine, _ = run_search(ready, fake, sort="distance", lat=ESPOO[0], lng=ESPOO[1])

    assert body["sort"] == ["created_ts:desc"]
    assert result.hits[0].distance_km == pytest.approx(by_engine.hits[0].distance_km, abs=0.001)
    plain, _ = run_search(ready, fake)
    assert plain.hits[0].distance_km is None


# -- failures --------------------------------------------------------------------------------------


def test_a_slow_server_times_out_quickly(fake):
    meili = MeiliBackend(url=fake.url, api_key=KEY, index="listings", timeout=0.2, task_timeout=2)
    meili.apply_settings()
    fake.delay, fake.delay_path = 3.0, "search"

    started = time.monotonic()
    with pytest.raises(SearchUnavailable):
        meili.search(SearchQuery(text="tiili"))
    assert time.monotonic() - started < 2.5  # gave up well before the server's 3 s answer


def test_a_slow_task_poll_makes_a_write_unavailable_not_hung(ready, fake):
    meili = MeiliBackend(url=fake.url, api_key=KEY, index="listings", timeout=0.2, task_timeout=2)
    fake.delay, fake.delay_path = 3.0, "tasks/"

    started = time.monotonic()
    with pytest.raises(SearchUnavailable):
        meili.upsert([doc(1)])
    assert time.monotonic() - started < 2.5  # gave up well before the server's 3 s answer


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors_make_search_and_writes_unavailable(ready, fake, status):
    fake.status = status
    with pytest.raises(SearchUnavailable):
        ready.search(SearchQuery(text="tiili"))
    with pytest.raises(SearchUnavailable):
        ready.upsert([doc(1)])


def test_a_closed_port_is_unavailable_quickly():
    meili = MeiliBackend(
        url=f"http://127.0.0.1:{closed_port()}", api_key=KEY, index="listings", timeout=0.5
    )
    started = time.monotonic()
    with pytest.raises(SearchUnavailable):
        meili.search(SearchQuery(text="tiili"))
    with pytest.raises(SearchUnavailable):
        meili.upsert([doc(1)])
    assert time.monotonic() - started < 2.0


def test_a_rejected_request_is_a_bug_not_an_outage(ready, fake):
    fake.indexes["listings"]["settings"][
        "filterableAttributes"
    ] = []  # the server now refuses our filter
    with pytest.raises(MeiliRequestError, match="invalid_search_filter"):
        ready.search(SearchQuery(text="tiili"))


def test_a_missing_index_falls_back_instead_of_failing(meili, fake):
    with pytest.raises(SearchUnavailable, match="reindex"):
        meili.search(SearchQuery(text="tiili"))


# -- through the app -------------------------------------------------------------------------------


def test_the_api_answers_from_the_embedded_index_when_meilisearch_is_down(tmp_path, make):
    app = make_app(tmp_path, MEILI_URL=f"http://127.0.0.1:{closed_port()}", MEILI_TIMEOUT_S=0.5)
    with app.app_context():
        owner = make.builder()
        listing_id = make.listing(owner, title="Kattotiili punainen").id
        outbox.run_once()  # indexes the embedded engine; Meilisearch's row waits
        db.session.remove()

    response = app.test_client().get("/api/v1/listings?q=tiili")

    assert response.status_code == 200
    body = response.get_json()
    assert body["notice"]
    assert [hit["id"] for hit in body["hits"]] == [listing_id]


def test_the_outbox_retries_a_failed_meilisearch_task(tmp_path, make, fake):
    app = make_app(tmp_path, MEILI_URL=fake.url, MEILI_API_KEY=KEY, MEILI_TIMEOUT_S=5)
    with app.app_context():
        owner = make.builder()
        listing = make.listing(owner)
        fake.fail_types["documentAdditionOrUpdate"] = "invalid_document_geo_field"
        outbox.run_once()
        row = db.session.scalars(
            db.select(OutboxMessage).where(OutboxMessage.handler.like("%index_meilisearch"))
        ).one()
        assert (row.status, row.attempts) == (OutboxStatus.PENDING, 1)
        assert "invalid_document_geo_field" in row.last_error

        fake.fail_types.clear()
        clock.advance(minutes=1)
        outbox.run_once()
        db.session.refresh(row)
        assert row.status == OutboxStatus.DONE
        assert listing.id in fake.indexes["listings"]["docs"]
        db.session.remove()
