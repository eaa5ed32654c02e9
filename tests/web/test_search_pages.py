"""The search page: live results, the map view, hints for empty results, distance from a point,
and saved searches with alerts for new listings."""

import json
import re

import pytest
import sqlalchemy as sa

from marketplace import outbox
from marketplace.extensions import db
from marketplace.models import Notification, SavedSearch

from ..conftest import AuthActions

EN = {"Accept-Language": "en"}


@pytest.fixture
def stock(app, make):
    seller = make.builder()
    site = make.site(seller, name="Keran hallit", lat=60.2133, lng=24.7598)
    far = make.site(seller, name="Leppävaara", lat=60.2190, lng=24.8130)
    make.listing(seller, site_=site, title="Kattotiili punainen", category="roof-tile")
    make.listing(
        seller,
        site_=far,
        title="Väliovi 9×21M",
        category="door",
        description="Valkoinen, karmeineen.",
    )
    outbox.run_once()
    return seller


def test_live_results_return_only_the_results_part(client, stock):
    page = client.get("/?q=tiili", headers={**EN, "X-Requested-With": "fetch"})
    assert page.status_code == 200
    assert "<html" not in page.text and "Kattotiili" in page.text and "Väliovi" not in page.text
    assert '<form class="filters"' not in page.text


def test_the_full_page_works_without_javascript(client, stock):
    page = client.get("/?q=valiovi", headers=EN)
    assert "<html" in page.text and "Väliovi" in page.text and 'id="filters"' in page.text
    assert "<mark>" in page.text  # highlighted match


def test_the_map_view_lists_the_sites_of_the_results(client, stock):
    page = client.get("/?view=map", headers=EN)
    src = re.search(r'id="results-map"[^>]*data-src="([^"]+)"', page.text, re.S).group(1)
    data = json.loads(client.get(src.replace("&amp;", "&"), headers=EN).text)
    assert {s["label"] for s in data["sites"]} == {"Keran hallit", "Leppävaara"}
    assert 'class="cards"' in page.text  # the list stays below the map


def test_distance_from_a_chosen_point_filters_and_sorts(client, stock):
    near = "60.21611,24.75389"  # Kera station
    page = client.get(f"/?near={near}&radius_km=2&sort=distance", headers=EN)
    assert "Kattotiili" in page.text and "Väliovi" not in page.text  # Leppävaara is ~3.4 km away
    assert re.search(r"0[.,]\d km away", page.text)


def test_results_found_only_by_a_similar_spelling_come_under_their_own_heading(client, stock, make):
    make.listing(stock, title="Kouru sinkitty", category="door")
    make.listing(stock, title="Koura kaivinkoneeseen", category="door")
    outbox.run_once()
    page = client.get("/?q=kouru+", headers=EN).text
    assert (
        page.index("sinkitty")
        < page.index('id="similar-heading">Similar spellings<')
        < page.index("kaivinkone")
    )
    assert re.search(r"Matched:\s+“koura”, spelled like “kouru”", page)
    only_typos = client.get(
        "/?q=kourq+", headers=EN
    ).text  # nothing exact: no heading to set them apart
    assert (
        "sinkitty" in only_typos
        and "kaivinkone" in only_typos
        and "Similar spellings" not in only_typos
    )


def test_a_card_says_which_synonym_or_part_of_a_word_matched(client, stock, make):
    page = client.get("/?q=katto+", headers=EN).text
    assert "“kattotiili”, which contains “katto”" in page
    make.listing(stock, title="Punatiili", category="brick", description="Lavoilla.")
    outbox.run_once()
    page = client.get("/?q=tegel+", headers=EN).text
    assert "Punatiili" in page and (
        "“punatiili”, a synonym of “tegel”" in page or "“tegel”: the category" in page
    )


def test_an_empty_result_suggests_spellings_and_other_languages(client, stock, make):
    assert 'href="/?q=kipsilevy"' not in client.get("/?q=xyzzy+kipsilvey", headers=EN).text
    make.listing(stock, title="Kipsilevy 13 mm", category="gypsum", unit="m2")
    outbox.run_once()  # a suggestion is made only when it finds something
    page = client.get("/?q=xyzzy+kipsilvey", headers=EN)
    assert "Nothing matches" in page.text and 'href="/?q=kipsilevy"' in page.text
    page = client.get("/?q=tegel+xyz", headers=EN)
    assert "brick" in page.text


def test_a_saved_search_alerts_its_owner_when_a_matching_listing_appears(app, client, stock, make):
    taker = make.resident()
    AuthActions(client).login(taker)
    client.post("/searches/", data={"name": "Ovet", "q": "ovi", "category": "door"})
    db.session.rollback()
    saved = db.session.scalar(sa.select(SavedSearch))
    assert saved.params == {"q": ["ovi"], "category": ["door"]}
    assert "Ovet" in client.get("/searches/", headers=EN).text
    make.listing(stock, title="Ulko-ovi, tammi", category="door", description="")
    make.listing(stock, title="Tiiliä", category="brick", description="")
    outbox.run_once()
    outbox.run_once()
    db.session.rollback()
    notes = list(
        db.session.scalars(sa.select(Notification).where(Notification.user_id == taker.id))
    )
    assert [(n.kind, n.data["title"]) for n in notes] == [("search.matched", "Ulko-ovi, tammi")]


def test_saved_searches_belong_to_their_owner(app, client, stock, make):
    from werkzeug.datastructures import MultiDict

    from marketplace.services import saved_searches

    owner, other = make.resident(), make.resident()
    saved = saved_searches.saved_search_create(
        user_id=owner.id, name="x", params=MultiDict({"q": "tiili"})
    )
    AuthActions(client).login(other)
    assert client.post(f"/searches/{saved.id}/delete").status_code == 404
    assert db.session.get(SavedSearch, saved.id) is not None
