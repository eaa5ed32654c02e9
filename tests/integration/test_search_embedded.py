"""The embedded engine's own promises beyond the shared contract: the index file is rebuilt and
swapped atomically, readers and writers share it from several threads, explicit sorts are
strict, and the caps and bounds it relies on hold."""

import math
import os
import random
import threading
import time

import pytest

from marketplace import outbox
from marketplace.search.embedded import places
from marketplace.search.embedded.backend import EmbeddedBackend
from marketplace.search.embedded.geo import KM_PER_DEGREE, flat_error, haversine
from marketplace.search.embedded.terms import (
    ONE_TYPO_CAP,
    TWO_TYPO_CAP,
    Lexicon,
    ParsedQuery,
    parse_query,
)
from marketplace.search.query import SearchQuery
from tests.search_corpus import KERA, corpus, document


@pytest.fixture
def engine(tmp_path):
    backend = EmbeddedBackend(str(tmp_path / "index" / "search.sqlite3"))
    backend.apply_settings()
    backend.upsert(corpus())
    return backend


def ids(backend, **kwargs):
    return [hit.id for hit in backend.search(SearchQuery(**{"per_page": 100, **kwargs})).hits]


def generations(backend) -> list[str]:
    folder = os.path.dirname(backend.store.path)
    return [n for n in os.listdir(folder) if ".g" in n and not n.endswith(("-wal", "-shm"))]


def test_a_missing_index_is_created_on_first_use(tmp_path):
    backend = EmbeddedBackend(str(tmp_path / "new" / "search.sqlite3"))
    assert backend.search(SearchQuery(text="tiili")).total == 0
    assert os.path.islink(backend.store.path) and backend.count() == 0
    backend.apply_settings()  # idempotent
    assert backend.count() == 0


def test_rebuild_swaps_in_a_new_file_that_open_connections_follow(engine):
    assert 1 in ids(engine, text="tiili ")
    other_process = EmbeddedBackend(engine.store.path)
    other_process.rebuild(
        [document(100, "Kipsilevy uusi", "gypsum"), document(101, "Uusi tiili", "brick")]
    )
    assert ids(engine, text="tiili ") == [101]
    assert ids(engine, text="kipsilevy") == [100] and engine.count() == 2
    engine.upsert([document(102, "Kolmas tiili", "brick")])  # writes follow the swap too
    assert ids(other_process, text="tiili ") == [102, 101]
    other_process.rebuild([document(103, "Neljäs", "brick")])
    assert len(generations(engine)) <= 2  # the live one and the one before


def test_upsert_replaces_the_whole_document_and_delete_removes(engine):
    before = engine.count()
    engine.upsert([document(1, "Betonilaatta harmaa", "concrete-element", condition="new")])
    assert 1 not in ids(engine, text="punatiili ") and ids(engine, text="betonilaatta") == [1]
    assert engine.count() == before
    facets = engine.search(SearchQuery(categories=("concrete-element",))).facets
    assert facets["condition"]["new"] == 1
    engine.delete([1, 999_999])
    assert engine.count() == before - 1 and not ids(engine, text="betonilaatta")


def test_readers_and_writers_in_several_threads(engine):
    errors, totals, stop = [], [], threading.Event()

    def read():
        queries = [
            SearchQuery(text="tiili"),
            SearchQuery(text="ovi", lat=KERA[0], lng=KERA[1], radius_km=2.0, sort="distance"),
            SearchQuery(categories=("brick",)),
        ]
        while not stop.is_set():
            try:
                for query in queries:
                    result = engine.search(query)
                    if query.text == "tiili":
                        totals.append(result.total)
            except Exception as exc:  # noqa: BLE001 - collected and reported by the test
                errors.append(exc)

    def write():
        try:
            for i in range(30):
                engine.upsert([document(200 + i, f"Tiili erä {i}", "brick")])
                if i % 3 == 0:
                    engine.delete([200 + i - 1])
            EmbeddedBackend(engine.store.path).rebuild(corpus())
            for i in range(10):
                engine.upsert([document(300 + i, f"Uusi tiili {i}", "brick")])
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    readers = [threading.Thread(target=read) for _ in range(3)]
    writer = threading.Thread(target=write)
    for thread in readers + [writer]:
        thread.start()
    writer.join(timeout=60)
    time.sleep(0.05)
    stop.set()
    for thread in readers:
        thread.join(timeout=10)
    assert not errors
    assert totals and min(totals) > 0  # never an empty index, even during the rebuild
    assert set(range(300, 310)) <= set(ids(engine, text="tiili "))


def test_explicit_sorts_order_strictly_by_their_key(engine):
    docs = {d["id"]: d for d in corpus()}
    relevance = engine.search(SearchQuery(text="tiili ", per_page=100))
    by_price = engine.search(SearchQuery(text="tiili ", sort="price", per_page=100))
    assert by_price.total == relevance.total and {h.id for h in by_price.hits} == {
        h.id for h in relevance.hits
    }
    prices = [(docs[h.id]["price_cents"], -h.id) for h in by_price.hits]
    assert prices == sorted(prices)
    assert ids(engine, text="tiili ", sort="newest") == sorted(
        (h.id for h in relevance.hits), reverse=True
    )
    # With several words the text filters to the documents matching the most leading words.
    assert ids(engine, text="harkko punainen ", sort="newest") == [13]
    assert ids(engine, text="harkko eioleolemassa ", sort="newest") == [15, 14, 13]


def test_only_the_first_ten_words_count_and_the_last_may_be_a_prefix():
    assert parse_query("a b c d e f g h i j k") == ParsedQuery(list("abcdefghij"), False)
    assert parse_query("a b c d e f g h i j") == ParsedQuery(list("abcdefghij"), True)
    assert parse_query("Kips") == ParsedQuery(["kips"], True)
    assert parse_query("kips ") == parse_query("kips,") == ParsedQuery(["kips"], False)
    assert parse_query(' " OR 1=1 --') == ParsedQuery(["or", "1", "1"], False)


def test_phrases_and_exclusions_are_read_as_meilisearch_reads_them():
    assert parse_query("harkko -punainen") == ParsedQuery(["harkko"], False, [], [("punainen",)])
    assert parse_query('tegel -"och betong" tiili') == ParsedQuery(
        ["tegel", "tiili"], True, [], [("och", "betong")]
    )
    assert parse_query('"Kattotiili musta" ovi') == ParsedQuery(
        ["kattotiili", "musta", "ovi"], True, [("kattotiili", "musta")], []
    )
    assert parse_query('"kattotiili mus') == ParsedQuery(
        ["kattotiili", "mus"], True
    )  # unpaired quote: words
    assert parse_query('"kattotiili"') == ParsedQuery(["kattotiili"], False, [("kattotiili",)])
    assert parse_query("ulko-ovi -") == ParsedQuery(["ulko", "ovi"], False)


def test_exclusions_alone_browse_everything_else_with_exact_totals_and_facets(engine):
    result = engine.search(SearchQuery(text="-tiili", per_page=100))
    found = {hit.id for hit in result.hits}
    assert result.total == len(found) == 14 and not found & {1, 2, 3, 8, 9, 18, 20, 22, 24}
    assert sum(result.facets["condition"].values()) == result.total
    assert (
        sum(
            engine.search(
                SearchQuery(text="-tiili", lat=KERA[0], lng=KERA[1], radius_km=50, sort="distance")
            )
            .facets["condition"]
            .values()
        )
        == 14
    )


def test_typo_variants_are_capped_per_word():
    lexicon = Lexicon()
    letters = "abcdefghijklmnopqrstuvwxyz"
    word = "kaapelit"  # 8 letters: one typo
    variants = {word[:i] + c + word[i + 1 :] for i in range(1, len(word)) for c in letters} - {word}
    long_word = "kaapeleita"  # 10 letters: two typos
    twos = {
        long_word[:i] + a + long_word[i + 1 : j] + b + long_word[j + 1 :]
        for i in range(1, 9)
        for j in range(i + 1, 10)
        for a in "xyz"
        for b in "xyz"
    }
    lexicon.vocabulary.add(sorted(variants | twos))
    one = lexicon.derive(word, False).derivations
    assert len([d for d in one if d.typos == 1]) == ONE_TYPO_CAP < len(variants)
    two = lexicon.derive(long_word, False).derivations
    assert len([d for d in two if d.typos == 2]) == TWO_TYPO_CAP


def test_the_flat_distance_stays_within_its_error_bound():
    rng = random.Random(7)
    for _ in range(20_000):
        lat, lng = rng.uniform(-80, 80), rng.uniform(-170, 170)
        radius = rng.choice([0.1, 1, 5, 30, 120, 500])
        distance = rng.uniform(0, radius)
        bearing = rng.uniform(0, 2 * math.pi)
        lat2 = lat + distance * math.cos(bearing) / KM_PER_DEGREE
        lng2 = lng + distance * math.sin(bearing) / (KM_PER_DEGREE * math.cos(math.radians(lat)))
        if abs(lat2) >= 89:
            continue
        exact = haversine(lat, lng, lat2, lng2)
        flat = math.hypot(
            (lat2 - lat) * KM_PER_DEGREE, (lng2 - lng) * KM_PER_DEGREE * math.cos(math.radians(lat))
        )
        if exact <= radius:
            assert abs(flat - exact) <= flat_error(lat, radius) * exact + 1e-9


@pytest.mark.parametrize("share", [0.0, 1.0])
def test_radius_results_are_the_same_with_or_without_cell_narrowing(engine, monkeypatch, share):
    monkeypatch.setattr("marketplace.search.embedded.backend.CELL_SHARE", share)
    docs = {d["id"]: d for d in corpus()}
    expected = sorted(
        (
            i
            for i, d in docs.items()
            if i != 21 and haversine(*KERA, d["_geo"]["lat"], d["_geo"]["lng"]) <= 0.3
        ),
        key=lambda i: haversine(*KERA, docs[i]["_geo"]["lat"], docs[i]["_geo"]["lng"]),
    )
    assert ids(engine, lat=KERA[0], lng=KERA[1], radius_km=0.3, sort="distance") == expected
    assert set(ids(engine, text="tiili", lat=KERA[0], lng=KERA[1], radius_km=0.3)) == {1, 20}


def test_many_stale_days_fall_back_to_the_table(engine, monkeypatch):
    monkeypatch.setattr("marketplace.search.embedded.sql.MAX_STALE_DAYS", 0)
    assert 21 not in ids(engine, text="punatiili ") and 21 not in ids(engine)


def test_more_categories_than_the_key_has_room_for(tmp_path):
    backend = EmbeddedBackend(str(tmp_path / "many" / "search.sqlite3"))
    docs = []
    for i in range(40):
        doc = document(i + 1, f"Tavara {i} tiili", "brick", condition=("new", "good")[i % 2])
        doc.update(
            category=f"kind-{i:02d}",
            category_names=[f"Laji {i}", f"Sort {i}", f"Kind {i}"],
            category_synonyms=[f"laji{i}"],
        )
        docs.append(doc)
    backend.upsert(docs)
    result = backend.search(SearchQuery(text="tiili", per_page=100))
    assert result.total == 40 and result.facets["category"] == {
        f"kind-{i:02d}": 1 for i in range(40)
    }
    assert result.facets["condition"] == {"new": 20, "good": 20}
    assert ids(backend, categories=("kind-35", "kind-03")) == [36, 4]
    assert ids(backend, text="laji37")[0] == 38  # then the typo and prefix neighbours
    assert backend.search(SearchQuery(conditions=("new",))).facets["category"]["kind-38"] == 1


def test_ids_must_fit_in_the_key(engine):
    with pytest.raises(ValueError):
        engine.upsert([document(1 << 24, "Liian suuri", "brick")])


def test_the_benchmark_still_runs_on_a_small_index(tmp_path):
    from benchmarks import search as benchmark

    result = benchmark.run(
        500, rounds=1, repeat=1, folder=str(tmp_path), baseline_rounds=1, log=lambda *_: None
    )
    assert 450 <= result["documents"] <= 500 and result["build_s"] > 0
    assert result["embedded"]["overall"]["n"] == len(benchmark.mix.queries())
    assert "overall" in benchmark.table(result)


def test_an_index_of_another_schema_version_is_replaced_not_misread(engine):
    conn, _ = engine.store.connection()
    conn.execute("UPDATE meta SET value = 'older' WHERE key = 'schema_version'")
    restarted = EmbeddedBackend(engine.store.path)  # as after a deploy
    assert restarted.search(SearchQuery(text="tiili")).total == 0 and restarted.count() == 0
    restarted.upsert([document(1, "Punatiili", "brick")])
    assert ids(restarted, text="tiili") == [1]


def test_any_text_and_filter_combination_answers(engine):
    rng = random.Random(3)
    alphabet = (
        "abcdeiklnorstuvyäöå ÄÖ\"'*-:(){}^+_§,.;!?"
        "\u0301\u02b3\u01c3\u2167\u0663\u3007\ufb01\u2603\U0001d518\u200b"
    )
    for _ in range(200):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 25)))
        extra = rng.choice(
            [
                {},
                {"categories": ("brick", 'x"y')},
                {"sort": "price"},
                {"page": 3, "per_page": 2},
                {"lat": KERA[0], "lng": KERA[1], "radius_km": 0.5, "sort": "distance"},
                {"bbox": (60.1, 179.0, 60.3, -179.0)},
                {"free_only": True, "site_id": 6},
            ]
        )
        result = engine.search(SearchQuery(text=text, **extra))
        assert result.total >= len(result.hits) and result.backend == "embedded"


@pytest.fixture(scope="module")
def kera_index(tmp_path_factory):
    """2,000 generated listings at the benchmark's 240 sites around Kera."""
    from benchmarks.generate import documents

    backend = EmbeddedBackend(str(tmp_path_factory.mktemp("places") / "search.sqlite3"))
    backend.apply_settings()
    backend.rebuild(documents(2000, seed=7))
    return backend


def test_the_place_filter_and_nearest_first_paging_give_what_the_generic_path_gives(
    kera_index, monkeypatch
):
    """The place shortcuts (radius/box as place tokens, distance sort by places nearest first)
    are a speed-up only: against the generic path (a position test per match) the ids, their
    order, the total, the facets and the distances are the same, for random queries."""

    def search(query, mode):
        with monkeypatch.context() as m:
            if mode == "generic":
                m.setattr(places, "MAX_PLACES", 0)  # narrow() gives up: no places
            elif mode == "always":  # take the place filter every time
                choose = places.PlaceSet.choose
                m.setattr(
                    places.PlaceSet, "choose", lambda self, conn, _e, f: choose(self, conn, None, f)
                )
            result = kera_index.search(query)
        return (
            [(h.id, h.distance_km) for h in result.hits],
            result.total,
            {k: dict(v) for k, v in result.facets.items()},
        )

    rng = random.Random(11)
    words = [
        "",
        "tiili",
        "putki",
        "levy",
        "kipsilevu",
        "lattial",
        "punainen tiili",
        "ovi",
        "villa",
        "ikku",
        '"punainen tiili"',
        "tiili -punainen",
        "-tiili",
        'levy -"kipsilevy"',
    ]
    for _ in range(80):
        lat, lng = 60.2161 + rng.uniform(-0.01, 0.01), 24.7539 + rng.uniform(-0.02, 0.02)
        query = SearchQuery(
            text=rng.choice(words),
            lat=lat,
            lng=lng,
            radius_km=rng.choice([None, 0.2, 0.6, 1.0, 1.6]),
            bbox=rng.choice([None, None, (60.205, 24.73, 60.225, 24.77)]),
            sort=rng.choice(["", "distance", "distance", "newest", "price"]),
            free_only=rng.random() < 0.3,
            conditions=rng.choice([(), ("good", "new")]),
            categories=rng.choice([(), (), (), ("brick",), ("mixed",), ("brick", "mixed")]),
            page=rng.choice([1, 1, 2, 4]),
            per_page=rng.choice([10, 20, 50]),
        )
        generic = search(query, "generic")
        assert search(query, "default") == generic, query
        assert search(query, "always") == generic, query


@pytest.mark.parametrize("text", ["", "tiili"])
@pytest.mark.parametrize(
    "unknown",
    [{"categories": ("mixed",)}, {"conditions": ("mint",)}, {"categories": ("brick", "mixed")}],
)
def test_a_distance_sort_with_a_category_nobody_lists_finds_nothing(kera_index, text, unknown):
    """Issue 15: with a category (or condition) that no document has, filters() stops before
    the query point is set; the places shortcut then sorted places by a distance of None (a
    TypeError, once the index had more than one place)."""
    query = SearchQuery(text=text, lat=60.16, lng=24.74, sort="distance", **unknown)
    found = kera_index.search(query)
    if unknown.get("categories") == ("brick", "mixed"):  # one known value: the known one counts
        assert found.total > 0 and found.facets["category"] == {"brick": found.total}
        distances = [hit.distance_km for hit in found.hits]
        assert distances == sorted(distances)
    else:
        assert (found.total, found.hits) == (0, [])


def test_a_distance_sort_with_a_category_nobody_lists_answers_200_in_the_api_and_the_page(
    any_db, make
):
    client, owner = any_db.test_client(), make.builder()
    for i in range(3):  # several places: one place alone never compared two distances
        here = make.site(owner, name=f"Site {i}", lat=KERA[0] + i / KM_PER_DEGREE, lng=KERA[1])
        make.listing(owner, site_=here, title=f"Punatiili {i}")
    outbox.run_once()
    query = "category=mixed&sort=distance&lat=60.16&lng=24.74"
    response = client.get(f"/api/v1/listings?{query}")
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["total"] == 0 and response.get_json()["hits"] == []
    assert client.get(f"/?{query}").status_code == 200
    assert client.get(f"/?{query}", headers={"X-Requested-With": "fetch"}).status_code == 200
    brick = client.get("/api/v1/listings?category=brick&sort=distance&lat=60.16&lng=24.74")
    assert brick.get_json()["total"] == 3
