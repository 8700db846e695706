"""A plain WSGI server for the benchmarks, reporting the server's own time of each request in a header."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from wsgiref.simple_server import WSGIRequestHandler, make_server

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")

from django.conf import settings  # noqa: E402

from config.wsgi import application  # noqa: E402  (the product's entry point, as deployed)

settings.ALLOWED_HOSTS = ["*"]


def timed(environ, start_response):  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    captured = {}

    def capture(status, headers, exc_info=None):  # type: ignore[no-untyped-def]
        captured["status"], captured["headers"] = status, headers
        return lambda data: None

    body = b"".join(application(environ, capture))
    seconds = time.perf_counter() - started
    start_response(captured["status"], [*captured["headers"], ("X-Server-Seconds", f"{seconds:.6f}")])
    return [body]


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):  # type: ignore[no-untyped-def]  # noqa: A002
        pass


if __name__ == "__main__":
    host, port = sys.argv[1], int(sys.argv[2])
    with make_server(host, port, timed, handler_class=QuietHandler) as server:
        server.serve_forever()
