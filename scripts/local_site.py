"""The built site on a local address, for the browser tests and the PDF build.

``serve(site)`` serves a site folder on ``http://127.0.0.1:<free port>/`` from a thread while its
``with`` block runs; nothing is logged on the terminal, and a browser that closes a connection
early is not an error.
"""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # no access log on the terminal
        pass

    def handle(self) -> None:
        try:
            super().handle()
        except (BrokenPipeError, ConnectionResetError):  # the browser closed a connection
            pass


@contextmanager
def serve(site: Path, handler: type[QuietHandler] = QuietHandler) -> Iterator[str]:
    """The folder ``site`` on http://127.0.0.1:<free port>/ (the URL), stopped at the end."""
    httpd = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(handler, directory=str(site))
    )
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, name="site-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)
