"""The OpenAPI 3.1 document: every API route described, references resolved, the error schema."""

import re

import pytest


@pytest.fixture
def openapi(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def test_openapi_document_is_version_3_1(openapi):
    assert openapi["openapi"].startswith("3.1")
    assert openapi["info"]["title"]


def test_openapi_document_describes_every_api_route(app, openapi):
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("api."):
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        assert path in openapi["paths"], path
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert method.lower() in openapi["paths"][path], (method, path)


def _refs(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


def test_openapi_references_all_resolve_inside_components(openapi):
    schemas = openapi["components"]["schemas"]
    refs = set(_refs(openapi))
    assert refs
    for ref in refs:
        assert ref.startswith("#/components/schemas/"), ref
        assert ref.removeprefix("#/components/schemas/") in schemas, ref


def test_openapi_error_responses_use_the_error_schema(openapi):
    operation = openapi["paths"]["/api/v1/listings"]["post"]
    assert operation["responses"]["422"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ErrorOut"
    }
    assert operation["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ListingCreate"
    }
