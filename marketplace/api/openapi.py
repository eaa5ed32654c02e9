"""GET /api/v1/openapi.json: the OpenAPI 3.1 document, generated from the routes and the
pydantic schemas they declare with @doc (never written by hand)."""
from flask import current_app, jsonify
from pydantic.json_schema import models_json_schema

from . import schemas
from .blueprint import bp
from .io import doc

_CODES = {400: "Malformed request", 401: "Unauthenticated", 403: "Forbidden", 404: "Not found",
          409: "Conflict with the current state", 413: "Too large", 415: "Wrong content type",
          422: "Invalid values", 429: "Rate limited"}


def _model_of(response):
    """(model, is_list) for a response declaration like Model or list[Model]."""
    args = getattr(response, "__args__", None)
    return (args[0], True) if args else (response, False)


def build_document(app) -> dict:
    """Walk the API's routes and collect their metadata into an OpenAPI 3.1 document."""
    operations, models = [], {schemas.ErrorOut}
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("api."):
            continue
        view = app.view_functions[rule.endpoint]
        meta = getattr(view, "openapi", None) or getattr(getattr(view, "__wrapped__", None), "openapi", None)
        if meta is None:
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            operations.append((rule, method, view, meta))
            for model in (meta["body"], _model_of(meta["response"])[0] if meta["response"] else None):
                if model is not None:
                    models.add(model)
    _, defs = models_json_schema([(m, "serialization") for m in sorted(models, key=lambda m: m.__name__)],
                                 ref_template="#/components/schemas/{model}")
    paths: dict = {}
    for rule, method, view, meta in operations:
        path = rule.rule.replace("<int:", "{").replace("<", "{").replace(">", "}")
        operation = {"summary": meta["summary"], "description": meta["doc"], "operationId": rule.endpoint,
                     "responses": _responses(meta)}
        params = [{"name": arg, "in": "path", "required": True, "schema": {"type": "integer"}}
                  for arg in sorted(rule.arguments)]
        params += [{"name": name, "in": "query", "required": False, "description": text,
                    "schema": {"type": "string"}} for name, text in meta["query"].items()]
        if params:
            operation["parameters"] = params
        if meta["body"] is not None:
            operation["requestBody"] = {"required": True, "content": {"application/json": {
                "schema": {"$ref": f"#/components/schemas/{meta['body'].__name__}"}}}}
        if meta["multipart"]:
            operation["requestBody"] = {"required": True, "content": {"multipart/form-data": {"schema": {
                "type": "object", "required": ["photo"],
                "properties": {"photo": {"type": "string", "format": "binary"}, "alt": {"type": "string"}}}}}}
        if getattr(view, "openapi_security", False):
            operation["security"] = [{"bearer": []}, {"session": []}]
        paths.setdefault(path, {})[method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {"title": "Kera Material Exchange API", "version": "1",
                 "description": "Surplus construction material in Kera, Espoo: listings, reservations, impact."},
        "servers": [{"url": "/"}],
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": defs.get("$defs", {}),
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "description": "Personal access token"},
                "session": {"type": "apiKey", "in": "cookie", "name": current_app.config["SESSION_COOKIE_NAME"],
                            "description": "Browser session; mutating requests send X-CSRFToken"},
            },
        },
    }


def _responses(meta) -> dict:
    responses = {}
    if meta["response"] is None:
        responses[str(meta["status"] if meta["status"] != 200 else 204)] = {"description": "Done"}
    else:
        model, is_list = _model_of(meta["response"])
        ref = {"$ref": f"#/components/schemas/{model.__name__}"}
        schema = {"type": "array", "items": ref} if is_list else ref
        responses[str(meta["status"])] = {"description": "OK", "content": {"application/json": {"schema": schema}}}
    error = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}}
    for status in meta["errors"]:
        responses[str(status)] = {"description": _CODES.get(status, "Error"), **error}
    return responses


@bp.get("/openapi.json")
@doc("This document")
def openapi_document():
    """The OpenAPI 3.1 description of this API."""
    return jsonify(build_document(current_app))
