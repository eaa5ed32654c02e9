"""The OpenAPI document is precise enough to fuzz against: real success answers (CSV is 200
text/csv), every status an operation can answer, typed dates, enums and bounds, and bounds
that agree with what the services enforce."""

from datetime import timedelta

import pytest

from marketplace import clock
from marketplace.services import accounts


@pytest.fixture
def document(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json


def operations(document):
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            yield path, method.upper(), operation


def test_csv_endpoints_answer_200_text_csv(document):
    csv_paths = [p for p in document["paths"] if p.endswith(".csv")]
    assert len(csv_paths) == 6  # issue 11 added the hand-off file and the survey totals
    for path in csv_paths:
        responses = document["paths"][path]["get"]["responses"]
        assert "204" not in responses
        assert list(responses["200"]["content"]) == ["text/csv"]


def test_every_operation_lists_the_statuses_the_machinery_can_answer(document):
    for path, method, operation in operations(document):
        codes = set(operation["responses"])
        assert "401" in codes, (method, path)  # a wrong Bearer token, anywhere
        if "{" in path:
            assert "404" in codes, (method, path)
        if "requestBody" in operation:
            assert {"400", "403", "413", "415", "422"} <= codes, (method, path)
        for code, response in operation["responses"].items():
            if code >= "400":
                schema = response["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/ErrorOut"}, (method, path, code)


def test_dates_enums_and_bounds_are_typed(document):
    schemas = document["components"]["schemas"]
    listing = schemas["ListingCreate"]["properties"]
    assert listing["available_from"]["anyOf"][0] == {"type": "string", "format": "date"}
    assert listing["unit"]["enum"] == ["pcs", "m", "m2", "m3", "kg", "t"]
    assert (listing["title"]["minLength"], listing["title"]["maxLength"]) == (3, 140)
    assert listing["quantity"]["anyOf"][0]["maximum"] == 1_000_000_000
    assert schemas["ReservationOut"]["properties"]["created_at"]["format"] == "date-time"
    assert schemas["ListingOut"]["properties"]["status"]["enum"][0] == "available"
    search = {
        p["name"]: p["schema"] for p in document["paths"]["/api/v1/listings"]["get"]["parameters"]
    }
    assert search["per_page"] == {"type": "integer", "minimum": 1, "maximum": 100}
    assert search["free"] == {"type": "boolean"}
    assert search["available_on"] == {"type": "string", "format": "date"}
    assert search["condition"]["items"]["enum"] == ["new", "like_new", "good", "fair", "for_parts"]
    impact = {
        p["name"]: p["schema"] for p in document["paths"]["/api/v1/impact"]["get"]["parameters"]
    }
    assert "organization" in impact["group_by"]["enum"] and impact["from"]["format"] == "date"
    path_id = document["paths"]["/api/v1/listings/{listing_id}"]["get"]["parameters"][0]["schema"]
    # the id converter's range: id columns are INTEGER (client_input.MAX_ID)
    assert (path_id["type"], path_id["minimum"], path_id["maximum"]) == ("integer", 1, 2**31 - 1)


# (operation, a valid body, the schema) for each JSON body whose bounds the services enforce.
def _bodies(world):
    pickup = (clock.now() + timedelta(days=1)).replace(hour=7, minute=0, second=0, microsecond=0)
    return [
        (
            "POST",
            "/api/v1/sites",
            "SiteCreate",
            {"name": "Työmaa", "address": "Kutojantie 3", "lat": 60.2, "lng": 24.7},
        ),
        (
            "POST",
            "/api/v1/listings",
            "ListingCreate",
            {
                "title": "Tiili",
                "category": "brick",
                "quantity": "10",
                "unit": "pcs",
                "condition": "good",
                "site_id": world["site"].id,
            },
        ),
        (
            "POST",
            f"/api/v1/listings/{world['listing'].id}/reservations",
            "ReservationCreate",
            {"quantity": 1, "pickup_at": pickup.isoformat()},
        ),
    ]


def _over(prop, keyword):
    """A value just past the bound `keyword` of a property, and one just on it."""
    limit = prop[keyword]
    return {
        "maxLength": ("x" * (limit + 1), "x" * limit),
        "minLength": ("x" * (limit - 1), "x" * limit),
        "maximum": (limit + 1, limit),
        "minimum": (limit - 1, limit),
    }[keyword]


def test_document_bounds_agree_with_the_services(client, make, document):
    """Each bound in a request schema is where the service starts refusing (one past it: 422 on
    that field; on it: no complaint about that field)."""
    builder, resident = make.builder(), make.resident()
    site = make.site(builder)
    world = {"site": site, "listing": make.listing(builder, site_=site, quantity="1000")}
    bearer = {
        "builder": accounts.token_create(user_id=builder.id)[1],
        "resident": accounts.token_create(user_id=resident.id)[1],
    }
    checked = 0
    for method, path, name, body in _bodies(world):
        caller = "resident" if path.endswith("/reservations") else "builder"
        for field, prop in document["components"]["schemas"][name]["properties"].items():
            for keyword in ("maxLength", "minLength", "maximum", "minimum"):
                # An id's minimum says ids start at 1; whether id 1 is the caller's is another rule.
                if keyword not in prop or field.endswith("_id"):
                    continue
                bad, good = _over(prop, keyword)
                for value, refused in ((bad, True), (good, False)):
                    response = client.open(
                        path,
                        method=method,
                        json={**body, field: value},
                        headers={"Authorization": f"Bearer {bearer[caller]}"},
                    )
                    fields = (response.json.get("error") or {}).get("fields") or {}
                    assert (response.status_code == 422 and field in fields) == refused, (
                        name,
                        field,
                        keyword,
                        value if len(str(value)) < 20 else len(value),
                        response.json,
                    )
                    checked += 1
    assert checked >= 30
