"""The site owner's web server: a tiny static server on its own loopback port, so pages and API are two origins."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Page:
    body: bytes
    content_type: str
    headers: dict[str, str] = field(default_factory=dict)


class StaticSite:
    """Serves registered pages: `add("/a.html", html)` (exact path) or `add("/spa/*", html)` (any path under it)."""

    def __init__(self) -> None:
        # browsers ask for a favicon, and a 404 would be a console error
        self.pages: dict[str, Page] = {"/favicon.ico": Page(b"", "image/x-icon")}
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (the http.server hook's name)
                page = site.find(self.path.split("?")[0])
                if page is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                for name, value in {"content-type": page.content_type, "content-length": str(len(page.body)),
                                    "cache-control": "no-store", **page.headers}.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(page.body)

            def log_message(self, *args) -> None:
                pass  # quiet: pytest shows failures, not access logs

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.httpd.server_port}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, name="e2e-static-site", daemon=True)

    def start(self) -> StaticSite:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def add(self, path: str, body: str, *, content_type: str = "text/html; charset=utf-8",
            headers: dict[str, str] | None = None) -> str:
        """Serve `body` at `path`; returns the page's URL."""
        self.pages[path] = Page(body.encode(), content_type, headers or {})
        return self.origin + path.rstrip("*")

    def find(self, path: str) -> Page | None:
        if path in self.pages:
            return self.pages[path]
        under = [p for p in self.pages if p.endswith("*") and path.startswith(p[:-1])]
        return self.pages[max(under, key=len)] if under else None


def snippet(api: str, site: str, **attributes: str) -> str:
    """The script tag a site owner pastes, with any extra attributes (data-timeout="3000", nonce="abc")."""
    extra = "".join(f' {name.replace("_", "-")}="{value}"' for name, value in attributes.items())
    return f'<script src="{api}/v1/attune.js" data-site="{site}" async{extra}></script>'


def html_page(body: str, *, script: str, head: str = "", title: str = "Attune test shop") -> str:
    """A plain, accessible page: a language, a title, one main landmark, the snippet last."""
    return (f'<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>{title}</title>\n'
            f"{head}\n</head>\n"
            f"<body>\n<main>\n{body}\n</main>\n{script}\n</body>\n</html>\n")
