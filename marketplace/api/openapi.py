"""GET /api/v1/openapi.json: the OpenAPI 3.1 document, generated from the routes and the
pydantic schemas they declare with @doc (never written by hand).

Besides the statuses a view declares, the document lists those that the API's machinery can
answer on any operation, so that every status a client can meet is described:
401 on every operation (a wrong or revoked Bearer token is refused before the view runs),
403 on every mutating one (a session request without its CSRF token), 404 wherever the path
holds an id, and 400/413/415/422 wherever there is a request body.
"""

from flask import current_app, jsonify
from pydantic.json_schema import models_json_schema

from . import schemas
from .blueprint import bp
from .io import doc
from .parameters import MAX_ID

_CODES = {
    400: "Malformed request or parameter",
    401: "Unauthenticated, or the token is invalid",
    403: "Forbidden",
    404: "Not found",
    409: "Conflict with the current state",
    413: "Too large",
    415: "Wrong content type",
    422: "Invalid values",
    429: "Rate limited",
    502: "The payment provider failed",
}
_MUTATING = {"POST", "PUT", "PATCH", "DELETE"}


def _model_of(response):
    """(model, is_list) for a response declaration like Model or list[Model]."""
    args = getattr(response, "__args__", None)
    return (args[0], True) if args else (response, False)


def _metadata(view):
    return getattr(view, "openapi", None) or getattr(
        getattr(view, "__wrapped__", None), "openapi", None
    )


def build_document(app) -> dict:
    """Walk the API's routes and collect their metadata into an OpenAPI 3.1 document."""
    operations, bodies, answers = [], set(), {schemas.ErrorOut}
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("api."):
            continue
        view = app.view_functions[rule.endpoint]
        meta = _metadata(view)
        if meta is None:
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            operations.append((rule, method, view, meta))
            if meta["body"] is not None:
                bodies.add(meta["body"])
            if meta["response"] is not None:
                answers.add(_model_of(meta["response"])[0])
            answers.update(meta.get("also", {}).values())
    # Request bodies as the API reads them (validation mode: a quantity may be a number or a
    # numeric string), responses as it writes them (serialization mode).
    models = [(m, "validation") for m in sorted(bodies, key=lambda m: m.__name__)]
    models += [(m, "serialization") for m in sorted(answers, key=lambda m: m.__name__)]
    _, defs = models_json_schema(models, ref_template="#/components/schemas/{model}")
    paths: dict = {}
    for rule, method, view, meta in operations:
        path = rule.rule.replace("<int:", "{").replace("<", "{").replace(">", "}")
        paths.setdefault(path, {})[method.lower()] = _operation(rule, method, view, meta)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Kera Material Exchange API",
            "version": "1",
            "description": "Surplus construction material in Kera, Espoo: "
            "listings, reservations, impact.",
        },
        "servers": [{"url": "/"}],
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": defs.get("$defs", {}),
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "Personal access token",
                },
                "session": {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": current_app.config["SESSION_COOKIE_NAME"],
                    "description": "Browser session; mutating requests send X-CSRFToken",
                },
            },
        },
    }


def _operation(rule, method: str, view, meta) -> dict:
    operation = {
        "summary": meta["summary"],
        "description": meta["doc"],
        "operationId": rule.endpoint,
    }
    params = [
        {
            "name": arg,
            "in": "path",
            "required": True,
            "schema": {"type": "integer", "format": "int64", "minimum": 1, "maximum": MAX_ID},
        }
        for arg in sorted(rule.arguments)
    ]
    params += [_query_parameter(name, spec) for name, spec in meta["query"].items()]
    if params:
        operation["parameters"] = params
    if meta["body"] is not None:
        operation["requestBody"] = {
            "required": meta["body_required"],
            "content": {
                "application/json": {
                    "schema": {"$ref": f"#/components/schemas/{meta['body'].__name__}"}
                }
            },
        }
    if meta["multipart"]:
        operation["requestBody"] = {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["photo"],
                        "properties": {
                            "photo": {"type": "string", "format": "binary"},
                            "alt": {"type": "string", "description": "Kept up to 200 characters"},
                        },
                    }
                }
            },
        }
    if meta.get("raw_body"):
        operation["requestBody"] = {
            "required": True,
            "content": {media: {"schema": schema} for media, schema in meta["raw_body"].items()},
        }
    errors = {401, *meta["errors"]}
    if method in _MUTATING:
        errors.add(403)
    if rule.arguments:
        errors.add(404)
    if "requestBody" in operation:
        errors |= {400, 413, 415, 422}
    operation["responses"] = _responses(meta, sorted(errors))
    if getattr(view, "openapi_security", False):
        operation["security"] = [{"bearer": []}, {"session": []}]
    return operation


def _query_parameter(name: str, spec) -> dict:
    """A query parameter from a description (free text) or from parameters.param(...)."""
    if isinstance(spec, str):
        spec = {"description": spec, "schema": {"type": "string"}}
    parameter = {"name": name, "in": "query", "required": False, **spec}
    if spec["schema"].get("type") == "array":
        parameter.update(style="form", explode=True)  # repeated: ?category=a&category=b
    return parameter


def _responses(meta, errors) -> dict:
    responses = {}
    if meta["response"] is not None:
        model, is_list = _model_of(meta["response"])
        ref = {"$ref": f"#/components/schemas/{model.__name__}"}
        schema = {"type": "array", "items": ref} if is_list else ref
        responses[str(meta["status"])] = {
            "description": "OK",
            "content": {"application/json": {"schema": schema}},
        }
        for status, model in meta.get("also", {}).items():
            responses[str(status)] = {
                "description": "OK",
                "content": {
                    "application/json": {
                        "schema": {"$ref": f"#/components/schemas/{model.__name__}"}
                    }
                },
            }
    elif meta["status"] == 204:
        responses["204"] = {"description": "Done"}
    else:
        body = {"type": "string"} if meta["media"].startswith("text/") else {"type": "object"}
        responses[str(meta["status"])] = {
            "description": "OK",
            "content": {meta["media"]: {"schema": body}},
        }
    error = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}}
    for status in errors:
        responses[str(status)] = {"description": _CODES.get(status, "Error"), **error}
    return responses


@bp.get("/openapi.json")
@doc("This document")
def openapi_document():
    """The OpenAPI 3.1 description of this API."""
    return jsonify(build_document(current_app))
