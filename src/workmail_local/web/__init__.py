"""The pages people use in a browser: the IdC access portal (``/start/<IdentityStoreId>``),
the WorkMail web app (``/mail/<alias>``), the emulator's console
(``/_workmail-local/console``) and a front page (a browser's ``GET /``).

``App.__call__`` hands a request here only for these paths (:func:`is_page`), before
anything else and never for ``POST /``: the AWS pipeline is untouched. A page runs
like a control call — one store transaction, inside the slow-work rounds (password
checks are argon2) — and its handler returns a :class:`~workmail_local.web.http.Response`.
"""

from __future__ import annotations

import logging
import re
import traceback
from collections.abc import Callable
from importlib import resources
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from workmail_local.access_log import escape
from workmail_local.mailbox_auth.access_rules import normalize_ip
from workmail_local.web.http import (
    CSRF_COOKIE,
    SECURITY_HEADERS,
    Request,
    Response,
    csrf_ok,
    new_seed,
    parse_cookies,
    parse_form,
    render,
)

if TYPE_CHECKING:
    from workmail_local.app import App

log = logging.getLogger("workmail_local.requests")

# Paths (prefixes) the pages own; ``GET /`` from a browser too (see is_page).
PAGE_PREFIXES = ("/start/", "/mail/", "/_workmail-local/console", "/_workmail-local/static/")
Handler = Callable[..., Response]
ROUTES: list[tuple[str, re.Pattern[str], Handler]] = []
_STATIC = {"style.css": b"text/css; charset=utf-8", "copy.js": b"text/javascript; charset=utf-8"}


def page(method: str, pattern: str) -> Callable[[Handler], Handler]:
    """Register a page handler for ``METHOD`` and a path pattern (``{name}``: one segment)."""
    regex = re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", pattern) + "/?$")

    def register(fn: Handler) -> Handler:
        ROUTES.append((method, regex, fn))
        return fn
    return register


def is_page(method: str, path: str, headers: dict[bytes, bytes]) -> bool:
    """Whether this request is for a page (cheap: called for every non-``POST /`` request)."""
    if path == "/":
        return method in ("GET", "HEAD") and b"text/html" in headers.get(b"accept", b"")
    return path.startswith(PAGE_PREFIXES)


def static(name: str) -> Response:
    if name not in _STATIC:
        return Response(404, b"Not found", b"text/plain; charset=utf-8")
    return Response(200, resources.files(__name__).joinpath("static", name).read_bytes(), _STATIC[name])


class Pages:
    """The page sub-application of one :class:`~workmail_local.app.App`."""

    def __init__(self, app: App) -> None:
        from workmail_local.web import console, mail, portal  # noqa: F401 - they register their routes

        self.app = app

    def handle(self, scope: dict[str, Any], headers: dict[bytes, bytes],
               body: bytes) -> tuple[int, bytes, list[tuple[bytes, bytes]], bytes]:
        """Status, body, headers and content type of one page request."""
        method = "GET" if scope["method"] == "HEAD" else scope["method"]
        path = scope["path"]
        if path.startswith("/_workmail-local/static/"):
            response = static(path.rpartition("/")[2])
            return response.status, response.body, SECURITY_HEADERS, response.content_type
        cookies = parse_cookies(headers.get(b"cookie"))
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        form = parse_form(headers, body) if method == "POST" else {}
        client = scope.get("client")
        try:
            client_ip = normalize_ip(client[0]) if client else None
        except ValueError:
            client_ip = None
        tls = scope.get("scheme") == "https"

        def attempt(tx: Any) -> Request | Response:
            request = Request(self.app, method, path, query, form, cookies, tls, client_ip,
                              self.app._now(tx), tx)
            request.csrf_seed = cookies.get(CSRF_COOKIE) or new_seed()
            if request.csrf_seed != cookies.get(CSRF_COOKIE):
                request.set_cookie(CSRF_COOKIE, request.csrf_seed)
            response = self._dispatch(request)
            response.headers.extend((b"set-cookie", c.encode()) for c in request.set_cookies)
            return response

        try:
            response = self.app.store.run(attempt)
        except Exception:  # noqa: BLE001 - a fault is a plain 500 page, never a stack trace
            log.error("page %s %s failed:\n%s", method, path, traceback.format_exc())
            response = Response(500, b"<!doctype html><title>Error</title><p>An internal error occurred.</p>")
        if self.app.access_log.enabled:
            self.app.access_log.write(f"{escape(method)} {escape(path)} page status={response.status}")
        return response.status, response.body, [*SECURITY_HEADERS, *response.headers], response.content_type

    def _dispatch(self, request: Request) -> Response:
        allowed = False
        for method, regex, handler in ROUTES:
            match = regex.match(request.path)
            if match is None:
                continue
            allowed = True
            if method != request.method:
                continue
            if method == "POST" and not csrf_ok(request):
                return render(request, "message.html", 403, title="Refused",
                              message="This form was not sent by this site (its CSRF token is missing or wrong). "
                                      "Reload the page and try again.")
            request.params = match.groupdict()
            return handler(request, **request.params)
        if allowed:
            return render(request, "message.html", 405, title="Method not allowed",
                          message=f"{request.method} is not served on this page.")
        return render(request, "message.html", 404, title="Not found", message="There is no page here.")
