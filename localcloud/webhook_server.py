"""The local HTTP front door of the stack's HTTP API (`arrears local up --webhook-port`).

Each request is handed to the local cloud as API Gateway would hand it to the route's function,
so `stripe listen --forward-to localhost:3000/webhooks/stripe` reaches the same handler AWS runs.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from localcloud.http_api import FAILED, HttpResponse

Dispatch = Callable[[str, str, dict[str, str], bytes], HttpResponse]


def _handler_class(dispatch: Dispatch) -> type[BaseHTTPRequestHandler]:
    class _Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            try:
                response = dispatch(self.command, self.path, dict(self.headers.items()), body)
            except Exception:  # the gateway's own failure: a bare 500, as API Gateway answers
                response = FAILED
            self.send_response(response.status)
            for name, value in response.headers.items():
                if name != "content-length":
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(response.body)))
            self.end_headers()
            self.wfile.write(response.body)

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _answer

        def log_message(self, *args) -> None:  # keep the operator's terminal for our own messages
            return

    return _Handler


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # Processors deliver in bursts (50 retries of one event at once): the default backlog of 5
    # would reset connections before a thread ever sees them.
    request_queue_size = 256


class WebhookServer:
    def __init__(self, dispatch: Dispatch, port: int, host: str = "127.0.0.1") -> None:
        self.host, self.port, self.dispatch = host, port, dispatch
        self._server: _Server | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> WebhookServer:
        self._server = _Server((self.host, self.port), _handler_class(self.dispatch))
        if self.port == 0:
            self.port = self._server.server_address[1]
        # stop() waits for the loop to look: every 50 ms, not socketserver's 500
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
