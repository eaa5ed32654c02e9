"""The map of every search result (GET /search/sites): one entry per site from the search
backend's site counts over the whole result, the page's filters honoured, bad parameters a 400
with the API's error body; and the search page around it (filter count, examples, saving)."""

import re

import pytest
import sqlalchemy as sa

from marketplace import outbox
from marketplace.extensions import db
from marketplace.models import SavedSearch
from marketplace.search import service
from marketplace.search.query import SearchQuery

from ..conftest import AuthActions

EN = {"Accept-Language": "en"}


@pytest.fixture
def stock(app, make):
    """Three sites: five tiles at the hall (one page of two holds only them), a tile and a door
    at the station, a door at Leppävaara."""
    seller = make.builder()
    hall = make.site(seller, name="Keran hallit", lat=60.2133, lng=24.7598)
    station = make.site(seller, name="Asema", lat=60.2161, lng=24.7539)
    far = make.site(seller, name="Leppävaara", lat=60.2190, lng=24.8130)
    for n in range(5):
        make.listing(seller, site_=hall, title=f"Kattotiili {n}", category="roof-tile")
    make.listing(seller, site_=station, title="Kattotiili asemalta", category="roof-tile")
    make.listing(seller, site_=station, title="Väliovi", category="door", price_cents=500)
    make.listing(seller, site_=far, title="Ulko-ovi", category="door")
    while outbox.run_once():
        pass
    return {"hall": hall.id, "station": station.id, "far": far.id}


def _sites(client, query: str = "", **headers):
    response = client.get(f"/search/sites?{query}", headers={**EN, **headers})
    assert response.status_code == 200, response.text
    return response.get_json()


def test_every_site_of_the_whole_result_not_just_the_page(client, stock):
    page = client.get("/?q=kattotiili&per_page=2&view=map", headers=EN)
    assert page.text.count('class="card"') == 2  # the page holds two of six, both at the hall
    src = re.search(r'data-src="([^"]+)"', page.text).group(1).replace("&amp;", "&")
    data = client.get(src, headers=EN).get_json()
    assert data["total"] == 6 and data["complete"] is True
    assert [(s["site_id"], s["count"], s["label"]) for s in data["sites"]] == [
        (stock["hall"], 5, "Keran hallit"),
        (stock["station"], 1, "Asema"),
    ]
    hall = data["sites"][0]
    assert (hall["lat"], hall["lng"]) == (60.2133, 24.7598)
    assert hall["count_text"] == "5 listings"
    assert hall["url"] == f"/?q=kattotiili&site_id={stock['hall']}"  # the search, on that site


@pytest.mark.parametrize(
    "query, expected",
    [
        ("category=door", {"station": 1, "far": 1}),
        ("free=true", {"hall": 5, "station": 1, "far": 1}),
        ("q=ovi&free=true", {"far": 1}),
        ("lat=60.2133&lng=24.7598&radius_km=1", {"hall": 5, "station": 2}),
        ("q=ovi&sort=newest", {"station": 1, "far": 1}),
        ("sort=price&per_page=1", {"hall": 5, "station": 2, "far": 1}),
    ],
)
def test_the_page_filters_are_honoured(client, stock, query, expected):
    data = _sites(client, query)
    assert {s["site_id"]: s["count"] for s in data["sites"]} == {
        stock[k]: n for k, n in expected.items()
    }
    assert data["total"] == sum(expected.values())


def test_counts_agree_with_the_search_backend(app, stock):
    with app.test_request_context():
        for text in ("", "kattotiili", "ovi"):
            result = service.search(SearchQuery(text=text, facets=("site_id",)))
            assert sum(result.facets["site_id"].values()) == result.total > 0


def test_an_empty_result_is_an_empty_list(client, stock):
    assert _sites(client, "q=zzzzqqq") == {"total": 0, "sites": [], "complete": True}
    assert _sites(client, "category=no-such-thing")["sites"] == []


@pytest.mark.parametrize(
    "query, field",
    [
        ("lat=91&lng=24", "lat"),
        ("lat=60", "lng"),
        ("radius_km=5", "radius_km"),
        ("site_id=abc", "site_id"),
        ("sort=sideways", "sort"),
        ("bbox=1,2,3", "bbox"),
        ("available_on=tomorrow", "available_on"),
        ("q=" + "x" * 201, "q"),
        ("condition=broken", "condition"),
    ],
)
def test_a_bad_parameter_is_a_400_with_the_error_body(client, stock, query, field):
    response = client.get(f"/search/sites?{query}", headers=EN)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "bad_request" and set(error["fields"]) == {field}
    assert error["message"] == error["fields"][field]


def test_it_loads_no_listing(client, stock, app):
    """One statement for the sites' positions; the listings are never read from the database."""
    statements = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    with app.app_context():
        sa.event.listen(db.engine, "before_cursor_execute", record)
        try:
            _sites(client, "q=kattotiili")
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", record)
    reads = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert not [s for s in reads if re.search(r"\bFROM listing\b", s)]
    assert len([s for s in reads if re.search(r"\bFROM site\b", s)]) == 1


def test_the_filter_summary_counts_the_filters_that_are_on(client, stock):
    page = client.get("/?q=tiili", headers=EN)
    assert re.search(r"<summary data-filters-summary>\s*Filters\s*</summary>", page.text)
    page = client.get(
        "/?q=tiili&category=roof-tile&category=door&free=true&sort=newest", headers=EN
    )
    assert re.search(r"<summary data-filters-summary>\s*Filters \(3\)\s*</summary>", page.text)


def test_the_skip_link_leads_to_the_first_result(client, stock):
    page = client.get("/?q=kattotiili", headers=EN)
    skip = page.text.index('href="#results-first"')
    target = page.text.index('id="results-first"')
    assert skip < page.text.index('id="filters"') < target < page.text.index('class="card"')


def test_example_queries_on_the_page_find_something(client, app):
    from marketplace import demo

    with app.app_context():
        demo.load(with_photos=False)
        while outbox.run_once():
            pass
    page = client.get("/", headers=EN)
    examples = re.findall(r'<a href="(/\?q=[^"]+)">', page.text)
    assert examples  # the help under the words field runs its example
    for href in examples:
        found = client.get(href.replace("&amp;", "&"), headers=EN)
        assert re.search(r'class="results-count">([1-9]\d*) listings?<', found.text), href


def test_suggestions_for_an_empty_result_all_find_something(client, stock):
    page = client.get("/?q=tegel+xyz", headers=EN)
    tried = re.search(r"<p>Try: (.*?)</p>", page.text, re.S).group(1)
    hints = re.findall(r'<a href="/\?q=([^"]+)">', tried)
    assert hints  # "tiili" finds the roof tiles
    for hint in hints:
        assert "0 listings" not in client.get(f"/?q={hint}", headers=EN).text


def test_saving_is_its_own_labelled_section(client, stock, make):
    assert "Save this search" not in client.get("/?q=tiili", headers=EN).text  # signed out
    AuthActions(client).login(make.resident())
    page = client.get("/?q=tiili&category=roof-tile", headers=EN).text
    section = page[page.index('<section class="save-this-search"') :]
    assert re.search(r'<h2 id="save-search-heading">Save this search</h2>', section)
    assert '<label for="save-name">Name of this saved search</label>' in section
    assert page.index('class="card"') < page.index("save-this-search")  # after the results
    client.post("/searches/", data={"name": "Tiles", "q": "tiili", "category": "roof-tile"})
    db.session.rollback()
    saved = db.session.scalar(sa.select(SavedSearch))
    assert saved.name == "Tiles" and saved.params == {"q": ["tiili"], "category": ["roof-tile"]}


def test_a_saved_search_needs_a_name(client, stock, make):
    AuthActions(client).login(make.resident())
    response = client.post("/searches/", data={"name": "", "q": "tiili"}, follow_redirects=True)
    assert response.status_code == 200 and "This field is required." in response.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SavedSearch)) == 0
