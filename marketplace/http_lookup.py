"""JSON from an outside service the operator configured (the trade register, a geocoder): one
GET with a timeout and a size cap. Every way it can fail is a `LookupFailed` whose `code` says
why: timeout, http_error, unreachable or malformed."""

import json
import socket
import urllib.error
import urllib.request


class LookupFailed(Exception):
    """The service could not answer: `code` is timeout, http_error, unreachable or malformed."""

    def __init__(self, code: str, detail: str = ""):
        super().__init__(f"{code} {detail}".strip())
        self.code, self.detail = code, detail


class NotFound(Exception):
    """The service answered 404 (for callers to whom that means "there is none")."""


def get_json(request: urllib.request.Request, *, timeout: float, max_bytes: int):
    """The decoded JSON answer to `request`, whose URL comes from the operator's setting and
    never from a user (the user's text may only be in its query). Raises NotFound on a 404."""
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            body = response.read(max_bytes + 1)
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            raise NotFound() from None
        raise LookupFailed("http_error", f"HTTP {exc.code}") from None
    except TimeoutError:
        raise LookupFailed("timeout") from None
    except urllib.error.URLError as exc:
        code = (
            "timeout" if isinstance(exc.reason, (TimeoutError, socket.timeout)) else "unreachable"
        )
        raise LookupFailed(code) from None
    except OSError:  # the connection dropped while reading
        raise LookupFailed("unreachable") from None
    if len(body) > max_bytes:
        raise LookupFailed("malformed", "too large")
    try:
        return json.loads(body)
    except ValueError:
        raise LookupFailed("malformed") from None
