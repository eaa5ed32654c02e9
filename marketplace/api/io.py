"""Reading request bodies and writing responses in the contract's shapes, plus route metadata
that api/openapi.py turns into the OpenAPI document."""

from flask import jsonify, request
from flask_babel import gettext as _
from pydantic import BaseModel, ValidationError
from werkzeug.exceptions import BadRequest as NotJSON

from ..client_input import MalformedInput
from ..errors import DomainError, UnknownField, ValidationFailed

# A request the API cannot act on (an unknown query value, say): the same 400 `bad_request`
# as a body the server cannot read, under the name the API modules raise.
BadRequest = MalformedInput


class UnsupportedMediaType(DomainError):
    code = "unsupported_media_type"
    status = 415


def doc(
    summary: str,
    *,
    body: type[BaseModel] | None = None,
    response=None,
    status: int = 200,
    query: dict | None = None,
    errors: tuple[int, ...] = (),
    multipart: bool = False,
    body_required: bool = True,
    media: str = "application/json",
    raw_body: dict | None = None,
    also: dict | None = None,
):
    """Attach OpenAPI metadata to a view (read by api/openapi.py). `query` maps a parameter's
    name to its description, or to api/parameters.param(...) for a typed one; `media` is the
    content type of a success answer that has no `response` model (a CSV file); `errors` are
    the statuses the view's own rules answer (those of authentication, bodies and ids are added);
    `raw_body` maps the media types of a body that is a file (a CSV, a spreadsheet) to their
    schemas; `also` maps another success status to its response model."""

    def decorator(view):
        view.openapi = {
            "summary": summary,
            "body": body,
            "response": response,
            "status": status,
            "query": query or {},
            "errors": errors,
            "multipart": multipart,
            "body_required": body_required,
            "media": media,
            "raw_body": raw_body,
            "also": also or {},
            "doc": (view.__doc__ or "").strip(),
        }
        return view

    return decorator


def parse_body(model: type[BaseModel]):
    """The JSON body validated against `model`: 415, 400 or 422 with field messages otherwise.
    Size, nesting and number limits are the request's (client_input.py): 413 or 400 saying why."""
    if request.mimetype != "application/json":
        raise UnsupportedMediaType(_("Send JSON with Content-Type: application/json."))
    try:
        data = request.get_json()
    except NotJSON:
        raise BadRequest(_("The body is not valid JSON.")) from None
    if not isinstance(data, dict):
        raise BadRequest(_("The body must be a JSON object."))
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise translate(exc) from None


_MESSAGES = {
    "missing": lambda: _("This field is required."),
    "extra_forbidden": lambda: _("This field cannot be set."),
    "int_parsing": lambda: _("Enter a whole number."),
    "int_type": lambda: _("Enter a whole number."),
    "int_from_float": lambda: _("Enter a whole number."),
    "float_parsing": lambda: _("Enter a number."),
    "float_type": lambda: _("Enter a number."),
    "finite_number": lambda: _("Enter a finite number."),
    "decimal_parsing": lambda: _("Enter a number with at most 3 decimals."),
    "decimal_type": lambda: _("Enter a number with at most 3 decimals."),
    "string_type": lambda: _("Enter text."),
    "string_too_long": lambda: _("This text is too long."),
    "bool_type": lambda: _("Enter true or false."),
    "bool_parsing": lambda: _("Enter true or false."),
    "date_from_datetime_parsing": lambda: _("Enter a date as YYYY-MM-DD."),
    "date_parsing": lambda: _("Enter a date as YYYY-MM-DD."),
    "date_type": lambda: _("Enter a date as YYYY-MM-DD."),
    "literal_error": lambda: _("This value is not one of the allowed choices."),
}


def translate(exc: ValidationError) -> ValidationFailed:
    """A pydantic error as the contract's 422: unknown_field wins over validation_failed."""
    fields, unknown = {}, False
    for error in exc.errors():
        name = ".".join(str(part) for part in error["loc"]) or "body"
        message = _MESSAGES.get(error["type"], lambda: _("This value is not valid."))()
        fields.setdefault(name, message)
        unknown = unknown or error["type"] == "extra_forbidden"
    if unknown:
        return UnknownField(fields=dict(fields))
    return ValidationFailed(fields=fields)


def provided(model: BaseModel) -> dict:
    """The fields the client actually sent (for PATCH)."""
    return model.model_dump(exclude_unset=True)


def respond(model: BaseModel | list, status: int = 200):
    """Serialise a response model (or a list of them) as JSON."""
    if isinstance(model, list):
        return jsonify([m.model_dump(mode="json", by_alias=True) for m in model]), status
    return jsonify(model.model_dump(mode="json", by_alias=True)), status
