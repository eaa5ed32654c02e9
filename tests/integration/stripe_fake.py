"""A local HTTP server that answers like Stripe's API (documented response shapes) and records
every request, so the tests see exactly what our Stripe gateway sends: amounts, currency,
metadata, idempotency keys, capture method, Connect destination. Loopback only; bounded."""

import itertools
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl


class FakeStripe:
    def __init__(self):
        self.requests: list[dict] = []
        self.failures: list[tuple[str, int, dict]] = []  # (path prefix, status, error body)
        self.delay = 0.0
        self.accounts: dict[str, dict] = {}
        self._by_key: dict[str, tuple[int, dict]] = {}
        self._ids = itertools.count(1)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def fail_next(
        self, path_prefix: str, status: int, message="Something went wrong", kind="api_error"
    ):
        self.failures.append((path_prefix, status, {"error": {"type": kind, "message": message}}))

    def calls(self, path_prefix: str) -> list[dict]:
        return [r for r in self.requests if r["path"].startswith(path_prefix)]

    # --- responses in Stripe's shapes --------------------------------------------------------
    def _respond(self, method: str, path: str, params: dict) -> tuple[int, dict]:
        n = next(self._ids)
        if method == "POST" and path == "/v1/checkout/sessions":
            return 200, {
                "id": f"cs_test_{n}",
                "object": "checkout.session",
                "status": "open",
                "payment_status": "unpaid",
                "url": f"https://checkout.stripe.com/c/pay/cs_test_{n}",
                "client_reference_id": params.get("client_reference_id"),
                "currency": "eur",
                "amount_total": int(params.get("line_items[0][price_data][unit_amount]", 0)),
                "expires_at": int(params.get("expires_at", 0)),
                "payment_intent": None,
                "metadata": {
                    "reservation_id": params.get("metadata[reservation_id]"),
                    "kind": params.get("metadata[kind]"),
                },
            }
        if method == "POST" and path == "/v1/refunds":
            return 200, {
                "id": f"re_{n}",
                "object": "refund",
                "amount": int(params["amount"]),
                "payment_intent": params["payment_intent"],
                "status": "succeeded",
                "currency": "eur",
            }
        if (
            method == "POST"
            and path.startswith("/v1/payment_intents/")
            and path.endswith("/capture")
        ):
            pi = path.split("/")[3]
            return 200, {
                "id": pi,
                "object": "payment_intent",
                "status": "succeeded",
                "amount_received": int(params.get("amount_to_capture", 0)),
            }
        if (
            method == "POST"
            and path.startswith("/v1/payment_intents/")
            and path.endswith("/cancel")
        ):
            return 200, {"id": path.split("/")[3], "object": "payment_intent", "status": "canceled"}
        if method == "POST" and path == "/v1/accounts":
            account = {
                "id": f"acct_test_{n}",
                "object": "account",
                "type": "express",
                "charges_enabled": False,
                "payouts_enabled": False,
            }
            self.accounts[account["id"]] = account
            return 200, account
        if method == "POST" and path == "/v1/account_links":
            return 200, {
                "object": "account_link",
                "url": f"https://connect.stripe.com/setup/e/{params['account']}/x{n}",
                "created": int(time.time()),
                "expires_at": int(time.time()) + 300,
            }
        if method == "GET" and path.startswith("/v1/accounts/"):
            account = self.accounts.get(path.split("/")[3])
            if account is None:
                return 404, {
                    "error": {"type": "invalid_request_error", "message": "No such account"}
                }
            return 200, account
        return 404, {
            "error": {
                "type": "invalid_request_error",
                "message": f"Unrecognized request URL ({path})",
            }
        }

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _serve(self, method):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode() if length else ""
                path = self.path.split("?")[0]
                params = dict(parse_qsl(body, keep_blank_values=True))
                key = self.headers.get("Idempotency-Key", "")
                fake.requests.append(
                    {
                        "method": method,
                        "path": path,
                        "params": params,
                        "idempotency_key": key,
                        "authorization": self.headers.get("Authorization", ""),
                    }
                )
                if fake.delay:
                    time.sleep(min(fake.delay, 5))
                failure = next((f for f in fake.failures if path.startswith(f[0])), None)
                if failure:
                    fake.failures.remove(failure)
                    status, payload = failure[1], failure[2]
                elif key and (method, path, key) in fake._by_key:
                    status, payload = fake._by_key[
                        (method, path, key)
                    ]  # Stripe replays the stored answer
                else:
                    status, payload = fake._respond(method, path, params)
                    if key:
                        fake._by_key[(method, path, key)] = (status, payload)
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.send_header("Request-Id", f"req_{len(fake.requests)}")
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def do_POST(self):  # noqa: N802
                self._serve("POST")

            def do_GET(self):  # noqa: N802
                self._serve("GET")

            def do_DELETE(self):  # noqa: N802
                self._serve("DELETE")

        return Handler
