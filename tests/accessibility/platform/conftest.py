"""Fixtures for the auditor platform tests: a tiny programmable web site on 127.0.0.1.

`make_site({"/": (200, {"Content-Type": "text/html"}, b"...")})` serves exactly those answers
and records every request (path, time) so tests can check politeness and scope.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

Answer = tuple[int, dict[str, str], bytes]


@dataclass
class Site:
    url: str
    routes: dict[str, Answer]
    requests: list[tuple[str, float]] = field(default_factory=list)

    def paths(self) -> list[str]:
        return [p for p, _ in self.requests]


def html(body: str, title: str = "Page") -> Answer:
    document = (
        f'<!DOCTYPE html><html lang="en"><head><title>{title}</title></head>'
        f"<body><main><h1>{title}</h1>{body}</main></body></html>"
    )
    return 200, {"Content-Type": "text/html; charset=utf-8"}, document.encode()


@pytest.fixture
def make_site() -> Iterator[Callable[[dict[str, Answer]], Site]]:
    servers: list[ThreadingHTTPServer] = []

    def factory(routes: dict[str, Answer]) -> Site:
        site = Site(url="", routes=routes)

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                site.requests.append((self.path, time.monotonic()))
                status, headers, body = site.routes.get(
                    self.path, (404, {"Content-Type": "text/plain"}, b"not found")
                )
                body = body.replace(b"{BASE}", site.url.encode())
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value.replace("{BASE}", site.url))
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        site.url = f"http://127.0.0.1:{server.server_address[1]}"
        return site

    yield factory
    for server in servers:
        server.shutdown()
        server.server_close()
