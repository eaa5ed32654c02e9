"""Limits on what a client may send, enforced before a view runs (README "Hardening").

- Ids: the `int` URL converter matches 1 … MAX_ID only, so `/listings/9223372036854775808` is a
  404 from the router and never reaches the database (SQLite raises OverflowError beyond 2^63−1,
  PostgreSQL refuses anything beyond its INTEGER id columns); `parse_id` and `is_row_id` apply the
  same rule to ids in query strings and request bodies.
- JSON bodies: at most MAX_JSON_BYTES (413) and MAX_JSON_NESTING levels of arrays and objects,
  counted before parsing; integers within ±2^63, floats finite, no NaN/Infinity (400). Every
  reader of a JSON body (api/io.parse_body, Flask-WTF, the limiter's key functions) goes through
  `request.get_json`, so one request class covers them all.
"""

import re
from itertools import accumulate, count
from operator import sub

from flask import Flask, json
from flask import Request as FlaskRequest
from flask_babel import gettext as _
from werkzeug.routing import IntegerConverter

from .errors import DomainError

MAX_ID = 2**31 - 1  # id columns are INTEGER: 4 bytes on PostgreSQL, 8 on SQLite
MAX_JSON_BYTES = 64 * 1024  # a listing with a 5,000-character description, all escaped: 30 kB
MAX_JSON_NESTING = 32  # our deepest real body (opening hours) nests 3 levels

# Linear-time scanning (no backtracking regex): drop escapes, then strings, then all but brackets.
_ESCAPE = re.compile(rb"\\.", re.DOTALL)
_STRING = re.compile(rb'"[^"]*"')
_NOT_BRACKET = re.compile(rb"[^\[\]{}]+")
_STEPS = bytes.maketrans(b"[{]}", b"\x02\x02\x00\x00")
_ID = re.compile(rf"[0-9]{{1,{len(str(MAX_ID))}}}")


class MalformedInput(DomainError):
    """A request the server cannot read: 400 `bad_request` with a message saying why."""

    code = "bad_request"
    status = 400


class BodyTooLarge(DomainError):
    """A JSON body over MAX_JSON_BYTES: 413 `payload_too_large`."""

    code = "payload_too_large"
    status = 413


def _at_most(limit: str) -> str:
    """A regex for the numbers of len(limit) digits up to `limit` (no capturing groups)."""
    options = [limit]
    for i, digit in enumerate(limit):
        lowest = 1 if i == 0 else 0  # no leading zero: the regex allows those apart
        if int(digit) > lowest:
            rest = len(limit) - i - 1
            options.append(
                f"{limit[:i]}[{lowest}-{int(digit) - 1}]" + (f"[0-9]{{{rest}}}" if rest else "")
            )
    return "(?:" + "|".join(options) + ")"


class IdConverter(IntegerConverter):
    """`<int:…>` in a URL rule: a row id, 1 … MAX_ID, ASCII digits; anything else does not match.

    The range is in the regex, not only in to_python: werkzeug answers 405 instead of 404 when a
    converter refuses a path that another method's rule matched."""

    regex = rf"0*(?:[1-9][0-9]{{0,{len(str(MAX_ID)) - 2}}}|{_at_most(str(MAX_ID))})"

    def __init__(self, map, fixed_digits=0, min=1, max=MAX_ID, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=False)


def parse_id(raw: str | None) -> int | None:
    """A query-string id as an int, or None when it is not a whole number 0 … MAX_ID."""
    raw = (raw or "").strip()
    if not _ID.fullmatch(raw) or int(raw) > MAX_ID:
        return None
    return int(raw)


def is_row_id(value) -> bool:
    """An int (not a bool) that an id column can hold, 1 … MAX_ID: worth asking the database."""
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_ID


def json_nesting(data: bytes | str) -> int:
    """How deeply arrays and objects nest in a JSON text, without parsing it (strings skipped).

    Linear in the size of the text and done in C: with an opening bracket as 2 and a closing one
    as 0, the running sum minus the number of brackets so far is the depth at that point."""
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")
    brackets = _NOT_BRACKET.sub(b"", _STRING.sub(b"", _ESCAPE.sub(b"", data)))
    if not brackets:
        return 0
    return max(0, max(map(sub, accumulate(brackets.translate(_STEPS)), count(1))))


class _Rejected(ValueError):
    """The body is JSON we refuse; `message` says why (werkzeug treats a ValueError as a 400)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _integer(text: str) -> int:
    value = int(text)
    if not -(2**63) <= value < 2**63:  # no column takes more (quantities are BIGINT)
        raise _Rejected(_("Numbers in the body must lie between -2^63 and 2^63-1."))
    return value


def _finite(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise _Rejected(_("Numbers in the body must be finite."))
    return value


def _no_constant(text: str):
    raise _Rejected(_("Numbers in the body must be finite."))


class BoundedJSON:
    """The JSON module of request bodies: `loads` behind the size, nesting and number limits."""

    def __init__(self, json_module):
        self.json_module = json_module

    def dumps(self, obj, **kwargs) -> str:
        """As the wrapped module's."""
        return self.json_module.dumps(obj, **kwargs)

    def loads(self, data, **kwargs):
        """Parse a request body, or raise: 413 when too large, ValueError when refused."""
        if len(data) > MAX_JSON_BYTES:
            raise BodyTooLarge(
                _("The JSON body is larger than %(n)d kB.", n=MAX_JSON_BYTES // 1024)
            )
        if json_nesting(data) > MAX_JSON_NESTING:
            raise _Rejected(
                _("The body nests arrays and objects deeper than %(n)d levels.", n=MAX_JSON_NESTING)
            )
        kwargs.setdefault("parse_int", _integer)
        kwargs.setdefault("parse_float", _finite)
        kwargs.setdefault("parse_constant", _no_constant)
        return self.json_module.loads(data, **kwargs)


class Request(FlaskRequest):
    """Flask's request, reading JSON bodies through BoundedJSON."""

    @property
    def json_module(self) -> BoundedJSON:
        """The app's JSON provider (Flask sets it on every request) behind BoundedJSON."""
        return BoundedJSON(self.__dict__.get("_json_provider", json))

    @json_module.setter
    def json_module(self, provider) -> None:
        self._json_provider = provider

    def on_json_loading_failed(self, e: ValueError | None):
        """A refused body says why (400); anything else is Flask's answer (400 or 415)."""
        if isinstance(e, _Rejected):
            raise MalformedInput(e.message)
        return super().on_json_loading_failed(e)


def init_app(app: Flask) -> None:
    """Install the id converter (before any blueprint adds rules) and the request class."""
    app.url_map.converters["int"] = IdConverter
    app.request_class = Request
