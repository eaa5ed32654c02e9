"""One error handler for the whole app: the API's error body under /api/, a page elsewhere."""

import logging
import secrets

from flask import jsonify, render_template, request
from flask_babel import gettext as _
from werkzeug.exceptions import BadRequest, HTTPException

from .errors import DomainError

log = logging.getLogger(__name__)

# HTTP status -> the API contract's error code.
HTTP_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_failed",
    429: "rate_limited",
}


def init_app(app):
    """Register the handlers for domain errors, HTTP errors and anything unexpected."""
    app.register_error_handler(DomainError, handle_domain_error)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(Exception, handle_unexpected)
    for error in INPUT_ERRORS:
        app.register_error_handler(error, handle_input_error)


def wants_json() -> bool:
    """API paths always answer JSON; so does the Stripe webhook."""
    return request.path.startswith("/api/") or request.path.startswith("/webhooks/")


def error_body(code: str, message: str, fields: dict | None = None, **extra) -> dict:
    """The API contract's error body."""
    error = {"code": code, "message": str(message)}
    if fields:
        error["fields"] = {k: str(v) for k, v in fields.items()}
    error.update(extra)
    return {"error": error}


def handle_domain_error(exc: DomainError):
    if wants_json():
        return jsonify(error_body(exc.code, exc.message, exc.fields, **exc.details)), exc.status
    return render_template("errors/error.html", status=exc.status, message=exc.message), exc.status


def _http_message(status: int) -> str:
    messages = {
        400: _(
            "The request was not understood."
            " If you submitted a form, reload the page and try again."
        ),
        401: _("Sign in or send a valid API token."),
        403: _("You are not allowed to see or do that."),
        404: _("There is nothing here. The page may have been removed, or the address is wrong."),
        405: _("That method is not allowed here."),
        413: _("That is too large. Photos can be at most 10 MB each."),
        415: _("Send JSON with Content-Type: application/json."),
        429: _("Too many attempts. Wait a moment and try again."),
    }
    return messages.get(status, _("Something went wrong."))


def handle_http_error(exc: HTTPException):
    status = exc.code or 500
    message = _http_message(status)
    if wants_json():
        response = jsonify(error_body(HTTP_CODES.get(status, "error"), message))
    else:
        response = render_template("errors/error.html", status=status, message=message)
    # Keep the headers that tell a client what to do next (Allow on 405, Retry-After on 429).
    kept = [(k, v) for k, v in exc.get_headers() if k.lower() in ("allow", "retry-after")]
    return response, status, kept


# The generic guard: errors a client's bytes can cause while they are being read (a parser's
# RecursionError, an OverflowError, a UnicodeDecodeError…). Such an error is a 400 only when it
# was raised inside the request object's own parsing: a traceback frame whose `self` is the
# request (get_json, form, args, get_data, and the JSON module they call). The same types raised
# anywhere else stay 500s, because there they are our bugs: our own recursion or arithmetic, or a
# client value that reached the database unchecked (SQLite's OverflowError, PostgreSQL's "integer
# out of range"). Those are fixed where the value enters (client_input.py), not hidden here.
# A 400 from this guard is still logged with its traceback, as a warning: a check is missing.
INPUT_ERRORS = (ValueError, OverflowError, RecursionError)  # UnicodeDecodeError is a ValueError


def client_input_error(exc: BaseException) -> bool:
    """True when `exc` came from reading what the client sent, not from a bug of ours."""
    if not isinstance(exc, INPUT_ERRORS):
        return False
    reading, tb = request._get_current_object(), exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_locals.get("self") is reading:
            return True
        tb = tb.tb_next
    return False


def handle_input_error(exc: Exception):
    """400 for input the server could not read; anything else of these types is a 500."""
    if not client_input_error(exc):
        return handle_unexpected(exc)
    log.warning(
        "unreadable client input on %s %s (%s)",
        request.method,
        request.path,
        type(exc).__name__,
        exc_info=exc,
    )
    return handle_http_error(BadRequest())


def handle_unexpected(exc: Exception):
    """A 500 whose reference is the request id: on the page, in the API body and in the log line."""
    from .ops.logs import current_request_id

    reference = current_request_id() or secrets.token_hex(8)
    log.exception(
        "unhandled error (reference %s) on %s %s", reference, request.method, request.path
    )
    message = _(
        "Something went wrong on our side (reference %(ref)s)."
        " Nothing you entered was saved twice; try again.",
        ref=reference,
    )
    if wants_json():
        return jsonify(error_body("internal_error", message, request_id=reference)), 500
    return render_template("errors/error.html", status=500, message=message), 500
