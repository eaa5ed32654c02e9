"""The catalogue through the API: categories with their names, codes, units and masses."""

from tests.helpers import assert_error


def test_categories_list_names_codes_units_and_masses(client, app):
    response = client.get("/api/v1/categories")
    assert response.status_code == 200
    categories = {c["slug"]: c for c in response.get_json()}
    brick = categories["brick"]
    assert brick["name"] == {"en": "Bricks", "fi": "Tiilet", "sv": "Tegel"}
    assert (
        brick["ewc_code"],
        brick["default_unit"],
        brick["kg_per_unit"]["pcs"],
        brick["listable"],
    ) == ("17 01 02", "pcs", 3.0, True)
    assert categories["asbestos"]["listable"] is False


def test_categories_refuse_other_methods_with_405(client, bearer):
    response = client.post("/api/v1/categories", headers=bearer, json={})
    assert_error(response, 405, "method_not_allowed")
    assert "GET" in response.headers["Allow"]
