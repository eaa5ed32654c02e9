"""A stand-in for an outside JSON service on loopback (the trade register, a geocoder): a
handler class answers what its test set, and `serving` runs it for the length of a test."""

import json
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class JsonStandIn(BaseHTTPRequestHandler):
    """Base for the stand-ins: `reply` sends a JSON (or raw bytes) answer, `stall` sends nothing
    until the test ends; no request log."""

    released: threading.Event  # set by `serving` when its test ends

    def stall(self) -> None:
        """Answer nothing until the test is over, so only the client's own timeout ends the wait
        (a fixed sleep would have to guess how long a loaded machine takes to time out)."""
        self.released.wait(timeout=60)

    def reply(self, status: int, body) -> None:
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def log_message(self, *args):
        pass


@contextmanager
def serving(handler: type[JsonStandIn], path: str):
    """The handler served on a free loopback port; yields its base URL ending in `path`."""
    handler.released = threading.Event()
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}{path}"
    finally:
        handler.released.set()
        server.shutdown()
        server.server_close()
