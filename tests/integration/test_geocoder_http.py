"""Address search with GEOCODER_URL set, at its HTTP boundary: a real HTTP server on 127.0.0.1
stands in for a Nominatim-compatible geocoder and answers in its /search shape (format=jsonv2).
What we send (path, parameters, User-Agent), what we make of the answer, and how every way it
can fail (HTTP 500, a timeout, an unreadable body, nobody listening) becomes a clear message on
the page and a 503 from the JSON endpoint — never a 500."""

import socket
import time
from urllib.parse import parse_qs, urlsplit

import pytest

from marketplace import places
from marketplace.places import geocoder
from tests import factories
from tests.conftest import running_app
from tests.helpers import sign_in
from tests.http_standin import JsonStandIn, serving

# generous, so a loaded CI machine's pauses never look like an outage; the slow-answer
# tests stall the stand-in until they end, so their own length is this timeout
TIMEOUT_S = 2.0
LICENCE = "Data © OpenStreetMap contributors, ODbL 1.0. http://osm.org/copyright"


def result(name, lat, lon, **extra):
    """One result as Nominatim's /search?format=jsonv2 gives it (abridged, with fields we do not
    read, as the real answer has them)."""
    return {
        "place_id": 123456,
        "licence": LICENCE,
        "osm_type": "node",
        "osm_id": 987654,
        "lat": lat,
        "lon": lon,
        "category": "place",
        "type": "house",
        "place_rank": 30,
        "importance": 0.00001,
        "addresstype": "place",
        "name": "",
        "display_name": name,
        "boundingbox": [lat, lat, lon, lon],
        **extra,
    }


KUTOJANTIE = result("6, Kutojantie, Kera, Espoo, 02630, Suomi / Finland", "60.2133", "24.7598")


class StandIn(JsonStandIn):
    """GET /nominatim/search: the answer the test set (status, body), and a record of requests."""

    answer: tuple = (200, [])
    asked: list = []

    def do_GET(self):  # noqa: N802 - http.server's name
        url = urlsplit(self.path)
        StandIn.asked.append(
            {"path": url.path, "query": parse_qs(url.query), "headers": dict(self.headers)}
        )
        status, body = StandIn.answer
        if status == "slow":
            self.stall()
            return
        self.reply(status, body)


@pytest.fixture
def geocoder_url():
    StandIn.answer, StandIn.asked = (200, []), []
    with serving(StandIn, "/nominatim") as url:
        yield url


@pytest.fixture
def app(tmp_path, geocoder_url):
    with running_app(
        tmp_path, GEOCODER_URL=geocoder_url, GEOCODER_TIMEOUT_S=TIMEOUT_S, WTF_CSRF_ENABLED=False
    ) as app:
        yield app


@pytest.fixture
def builder_client(app):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    sign_in(client, factories.builder())
    return client


def test_the_request_has_nominatims_shape_and_names_the_app(app, builder_client):
    StandIn.answer = (200, [KUTOJANTIE])
    response = builder_client.get("/sites/places", query_string={"q": "Kutojantie 6, Espoo"})
    assert response.status_code == 200
    assert response.json == {
        "places": [
            {
                "label": "6, Kutojantie, Kera, Espoo, 02630, Suomi / Finland",
                "lat": 60.2133,
                "lng": 24.7598,
                "source": LICENCE,
            }
        ]
    }
    (request,) = StandIn.asked
    assert request["path"] == "/nominatim/search"
    assert request["query"] == {
        "q": ["Kutojantie 6, Espoo"],
        "format": ["jsonv2"],
        "limit": ["5"],
        "countrycodes": ["fi"],
        "accept-language": ["en"],
    }
    assert request["headers"]["User-Agent"].startswith("KeraMaterialExchange/")
    assert "http://localhost" in request["headers"]["User-Agent"]  # PUBLIC_BASE_URL: a contact


def test_no_result_is_an_empty_list_and_the_local_gazetteer_is_not_asked(app, builder_client):
    StandIn.answer = (200, [])
    response = builder_client.get("/sites/places", query_string={"q": "Olematon katu 999"})
    assert response.status_code == 200 and response.json == {"places": []}
    assert len(StandIn.asked) == 1


def test_results_outside_finland_are_left_out_and_at_most_five_are_kept():
    answer = [result(f"{n}, Kutojantie", "60.2133", "24.7598") for n in range(7)]
    answer.insert(0, result("Kutojantie, Tallinn", "59.437", "24.7536"))  # Estonia's latitude...
    answer[0]["lon"] = "18.0"  # ... and a longitude west of Finland
    found = geocoder.parse(answer, source="geocoder.example")
    assert [p.label for p in found][:2] == ["0, Kutojantie", "1, Kutojantie"]
    assert len(found) == 7  # parse keeps all in Finland; search() cuts to its limit
    with_no_licence = result("Kutojantie 6", "60.2133", "24.7598")
    del with_no_licence["licence"]
    assert geocoder.parse([with_no_licence], source="geocoder.example")[0].source == (
        "geocoder.example"
    )


@pytest.mark.parametrize(
    "answer, code",
    [
        ((500, {"error": "internal"}), "http_error"),
        ((429, {"error": "rate limited"}), "http_error"),
        (("slow", None), "timeout"),
        ((200, b"<html>not json</html>"), "malformed"),
        ((200, {"error": "Unable to geocode"}), "malformed"),
        ((200, [{"lat": "60.2", "display_name": "no lon"}]), "malformed"),
        ((200, [{"lat": "sixty", "lon": "24.7", "display_name": "x"}]), "malformed"),
    ],
)
def test_every_failure_is_a_lookup_failure_with_its_reason(app, geocoder_url, answer, code):
    StandIn.answer = answer
    with app.test_request_context():
        with pytest.raises(places.LookupFailed) as failure:
            places.find_address("Kutojantie 6")
    assert failure.value.code == code


def test_a_geocoder_nobody_answers_is_unreachable(tmp_path):
    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens on it
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with running_app(tmp_path, GEOCODER_URL=f"http://127.0.0.1:{port}") as app:
        with app.test_request_context():
            with pytest.raises(places.LookupFailed) as failure:
                places.find_address("Kutojantie 6")
    assert failure.value.code == "unreachable"


@pytest.mark.parametrize("answer", [(500, {}), ("slow", None), (200, b"{")])
def test_the_endpoint_answers_503_with_a_message_when_the_geocoder_fails(builder_client, answer):
    StandIn.answer = answer
    started = time.monotonic()
    response = builder_client.get("/sites/places", query_string={"q": "Kutojantie 6"})
    assert time.monotonic() - started < TIMEOUT_S * 3  # the timeout holds
    assert response.status_code == 503
    assert response.json["error"]["code"] == "geocoder_unavailable"
    assert "not available right now" in response.json["error"]["message"]


def test_the_form_without_javascript_says_so_and_keeps_what_was_typed(builder_client):
    StandIn.answer = (500, {})
    page = builder_client.post(
        "/sites/new",
        data={"name": "Keran hallit", "address": "Kutojantie 6", "find_place": "1"},
    )
    assert page.status_code == 200
    assert "The address search is not available right now." in page.text
    assert 'value="Keran hallit"' in page.text


def test_the_form_without_javascript_lists_the_places_found(builder_client):
    StandIn.answer = (200, [KUTOJANTIE])
    page = builder_client.post(
        "/sites/new", data={"name": "Keran hallit", "address": "Kutojantie 6", "find_place": "1"}
    )
    assert page.status_code == 200
    assert 'name="use_place" value="60.2133|24.7598|6, Kutojantie, Kera, Espoo' in page.text
    assert "OpenStreetMap contributors" in page.text  # the data's attribution is shown
