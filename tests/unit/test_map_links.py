"""Map links of a site (web/map_links.py): built from its saved coordinates, with a decimal point
whatever the page's language, and the label encoded."""

from urllib.parse import parse_qs, urlsplit

from marketplace.web.map_links import site_links


def test_links_point_at_the_saved_coordinates():
    links = site_links(60.2161, 24.7539, "Artesaaninkatu 4 – Keramiikka (B)")
    view = urlsplit(links.view)
    assert view.netloc == "www.openstreetmap.org"
    assert parse_qs(view.query) == {"mlat": ["60.216100"], "mlon": ["24.753900"]}
    assert view.fragment == "map=17/60.216100/24.753900"
    directions = urlsplit(links.directions)
    assert directions.path == "/directions"
    assert parse_qs(directions.query) == {"route": [";60.216100,24.753900"]}  # to the site
    assert links.geo == (
        "geo:60.216100,24.753900?q=60.216100,24.753900"
        "(Artesaaninkatu%204%20%E2%80%93%20Keramiikka%20%28B%29)"
    )


def test_without_a_label_the_geo_uri_is_the_point_alone():
    assert site_links(-33.5, 151.25).geo == "geo:-33.500000,151.250000"
