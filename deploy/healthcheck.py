"""Container health check: GET one of the app's health paths; exit 0 when it answers 200.

    python deploy/healthcheck.py /healthz                        # the app in this container
    python deploy/healthcheck.py --host app --check worker /readyz

With --check NAME the answer's JSON must report that check's state as "ok" (whatever the overall
status): the worker container is healthy while /readyz sees a fresh worker heartbeat.

The request carries the public host name (from PUBLIC_BASE_URL, else TRUSTED_HOSTS) in its Host
header, as requests through the proxy do, because the app refuses hosts it does not trust.
Standard library only: it runs in the image without the app's dependencies being imported.
"""

import argparse
import http.client
import json
import os
import sys
from urllib.parse import urlsplit


def public_host(environ) -> str:
    """The Host header the app accepts: PUBLIC_BASE_URL's host, else the first trusted host."""
    netloc = urlsplit(environ.get("PUBLIC_BASE_URL", "")).netloc
    if netloc:
        return netloc
    trusted = [h.strip().lstrip(".") for h in environ.get("TRUSTED_HOSTS", "").split(",")]
    return next((h for h in trusted if h), "localhost")


def probe(path: str, *, host: str, port: int, environ, timeout: float) -> tuple[int, bytes]:
    """The status and body of GET `path` on host:port."""
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"Host": public_host(environ)})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def main(argv=None, environ=None) -> int:
    """Exit status for Docker: 0 healthy, 1 unhealthy (the reason goes to stdout)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", help="for example /healthz or /readyz")
    parser.add_argument("--host", default="127.0.0.1", help="where the app listens")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--timeout", type=float, default=4.0)
    parser.add_argument("--check", metavar="NAME", help="require checks.NAME.state == ok")
    args = parser.parse_args(argv)
    environ = os.environ if environ is None else environ
    try:
        status, body = probe(
            args.path, host=args.host, port=args.port, environ=environ, timeout=args.timeout
        )
    except OSError as exc:
        print(f"{args.path}: {exc}")
        return 1
    if args.check:
        return _check_state(args.path, args.check, body)
    if status != 200:
        print(f"{args.path}: HTTP {status} {body[:500].decode('utf-8', 'replace')}")
        return 1
    return 0


def _check_state(path: str, name: str, body: bytes) -> int:
    try:
        state = json.loads(body)["checks"][name]["state"]
    except (ValueError, KeyError, TypeError):
        print(f"{path}: no state for check {name!r} in {body[:500]!r}")
        return 1
    if state != "ok":
        print(f"{path}: {name} is {state}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
