"""A small HTTP server on 127.0.0.1 for fetch tests: each path is a behaviour (200, 304, 404, 500 then 200, a stall,
a truncated body, an HTML page, a body that is too large, 429 with Retry-After, redirects)."""
from __future__ import annotations

import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ETAG = '"v1"'
LAST_MODIFIED = "Wed, 01 Mar 2023 10:00:00 GMT"


class Site:
    """What the server serves, and what it was asked: the test changes `pdf` to publish new bytes."""

    def __init__(self, pdf: bytes):
        self.pdf = pdf
        self.etag = ETAG
        self.hits: Counter[str] = Counter()
        self.conditional: Counter[str] = Counter()
        self.release = threading.Event()  # ends stalls at teardown

    def handler(self):
        site = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def send_body(self, body: bytes, ctype: str = "application/pdf", **headers: str) -> None:
                self.send_response(200)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                for k, v in headers.items():
                    self.send_header(k.replace("_", "-"), v)
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                path = self.path.split("?")[0]
                site.hits[path] += 1
                n = site.hits[path]
                if self.headers.get("If-None-Match") or self.headers.get("If-Modified-Since"):
                    site.conditional[path] += 1
                if path == "/etag.pdf":
                    if self.headers.get("If-None-Match") == site.etag:
                        self.send_response(304)
                        self.send_header("ETag", site.etag)
                        self.end_headers()
                        return
                    self.send_body(site.pdf, ETag=site.etag)
                elif path == "/modified.pdf":
                    if self.headers.get("If-Modified-Since") == LAST_MODIFIED:
                        self.send_response(304)
                        self.end_headers()
                        return
                    self.send_body(site.pdf, Last_Modified=LAST_MODIFIED)
                elif path == "/plain.pdf":
                    self.send_body(site.pdf)
                elif path == "/missing.pdf":
                    self.send_error(404, "Not Found")
                elif path == "/flaky.pdf":
                    if n == 1:
                        self.send_error(500, "Internal Server Error")
                    else:
                        self.send_body(site.pdf)
                elif path == "/busy.pdf":
                    if n == 1:
                        self.send_response(429)
                        self.send_header("Retry-After", "7")
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                    else:
                        self.send_body(site.pdf)
                elif path == "/down.pdf":
                    self.send_error(503, "Service Unavailable")
                elif path == "/stall.pdf":
                    self.send_response(200)
                    self.send_header("Content-Type", "application/pdf")
                    self.send_header("Content-Length", str(len(site.pdf)))
                    self.end_headers()
                    self.wfile.write(site.pdf[:100])
                    self.wfile.flush()
                    site.release.wait(30)
                elif path == "/truncated.pdf":
                    self.send_response(200)
                    self.send_header("Content-Type", "application/pdf")
                    self.send_header("Content-Length", str(len(site.pdf)))
                    self.end_headers()
                    self.wfile.write(site.pdf[: len(site.pdf) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                elif path == "/page.html.pdf":
                    self.send_body(b"<!DOCTYPE html><html><head><title>Sidan kunde inte hittas</title></head>"
                                   b"<body>Hoppsan</body></html>", "text/html; charset=utf-8")
                elif path in ("/moved.pdf", "/away.pdf", "/loop.pdf"):
                    port = self.server.server_address[1]
                    to = {"/moved.pdf": "/etag.pdf", "/loop.pdf": "/loop.pdf",
                          "/away.pdf": f"http://127.0.0.2:{port}/etag.pdf"}[path]
                    self.send_response(302)
                    self.send_header("Location", to)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                elif path == "/big.pdf":
                    self.send_body(site.pdf + b"\0" * 4096)
                else:
                    self.send_error(404, "Not Found")

        return Handler


class Server:
    """The site served on 127.0.0.1 at a free port, in a thread; `url(path)` names a path on it."""

    def __init__(self, site: Site):
        self.site = site
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), site.handler())
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"

    def close(self) -> None:
        self.site.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()
