"""The built site on a local address, for the browser tests and the PDF build.

``serve(site)`` serves a site folder on ``http://127.0.0.1:<free port>/`` from a thread while its
``with`` block runs; nothing is logged on the terminal, and a browser that closes a connection
early is not an error. ``LOAD_IMAGES`` and ``WAIT_FOR_MATH`` are what a driven browser evaluates
on a page before it looks at it (the tests) or prints it (the PDF).
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


# Lazy images load only when scrolled to; a reader scrolls, so load them all and wait.
LOAD_IMAGES = """(timeout) => {
  const images = Array.from(document.images);
  for (const img of images) img.loading = "eager";
  const loaded = images.map(img => img.complete ? null : new Promise(resolve => {
    img.addEventListener("load", resolve, {once: true});
    img.addEventListener("error", resolve, {once: true});
  }));
  const timer = new Promise(resolve => setTimeout(resolve, timeout));
  return Promise.race([Promise.all(loaded), timer]).then(() => null);
}"""

# On a page with math, docs/assets/javascripts/mathjax.js sets window.MathJax and loads MathJax,
# whose startup.promise resolves after the first typeset (its pageReady). Wait for that, then
# until every formula holds an mjx-container (or the time runs out), then for the fonts.
WAIT_FOR_MATH = """async (timeout) => {
  // mathjax.js sets window.MathJax (its configuration) on pages with math only
  if (!window.MathJax) return {mathjax: null};
  const start = Date.now();
  const sleep = ms => new Promise(resolve => setTimeout(resolve, ms));
  while (!(window.MathJax && MathJax.startup && MathJax.startup.promise)) {
    if (Date.now() - start > timeout) return {mathjax: false};
    await sleep(20);
  }
  await MathJax.startup.promise;
  const pending = () => Array.from(document.querySelectorAll(".arithmatex"))
    .filter(el => !el.querySelector("mjx-container")).length;
  while (pending() > 0 && Date.now() - start < timeout) await sleep(20);
  await document.fonts.ready;
  return {mathjax: true};
}"""
