"""The web layer's request, response, cookies, CSRF and templates.

Small on purpose: pages are a handful of GET/POST routes answered from one store
transaction, like the control API. Jinja2 renders every page with auto-escaping on,
so a name containing HTML shows as text. Every response carries a strict
Content-Security-Policy (no inline script or style: the stylesheet and the copy
button's script are files) and ``Cache-Control: no-store``.

CSRF: every browser gets a random ``wml_csrf`` cookie (HttpOnly, SameSite=Lax); each
form carries a hidden ``csrf_token`` derived from it (its SHA-256 under a label), and a
POST whose field does not match the cookie is refused before its handler runs.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from http.cookies import SimpleCookie
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from workmail_local.store import Tx

if TYPE_CHECKING:
    from workmail_local.app import App

CSRF_COOKIE = "wml_csrf"
HTML = b"text/html; charset=utf-8"
SECURITY_HEADERS = [
    (b"content-security-policy", b"default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; "
                                 b"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cache-control", b"no-store"),
]


def _when(seconds: float | None) -> str:
    """A stored time as the pages show it (UTC, to the minute)."""
    if seconds is None:
        return "—"
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%d %H:%M UTC")


@cache
def templates() -> Any:
    """The pages' Jinja2 environment, made (and Jinja2 imported) when the first page is
    rendered: a server that only answers the API never pays for it at start-up."""
    import jinja2

    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("workmail_local.web", "templates"),
        autoescape=True,  # every template, whatever its name
    )
    environment.filters["when"] = _when
    return environment


@dataclass
class Request:
    """One page request, answered inside ``tx``."""

    app: App
    method: str
    path: str
    query: dict[str, str]
    form: dict[str, list[str]]
    cookies: dict[str, str]
    tls: bool
    client_ip: str | None
    now: float
    tx: Tx
    params: dict[str, str] = field(default_factory=dict)
    set_cookies: list[str] = field(default_factory=list)
    csrf_seed: str = ""

    def field(self, name: str) -> str:
        """A form field's (first) value, stripped of surrounding spaces; ``""`` when absent."""
        values = self.form.get(name)
        return values[0].strip() if values else ""

    def set_cookie(self, name: str, value: str, path: str = "/", max_age: int | None = None) -> None:
        """Set (``value``) or clear (``""``) a cookie: HttpOnly, SameSite=Lax, Secure over TLS."""
        parts = [f"{name}={value}", f"Path={path}", "HttpOnly", "SameSite=Lax"]
        if not value:
            parts.append("Max-Age=0")
        elif max_age is not None:
            parts.append(f"Max-Age={max_age}")
        if self.tls:
            parts.append("Secure")
        self.set_cookies.append("; ".join(parts))

    @property
    def csrf_token(self) -> str:
        return csrf_token_for(self.csrf_seed)


def csrf_token_for(seed: str) -> str:
    """The form token for a CSRF cookie value."""
    return hashlib.sha256(b"workmail-local csrf\0" + seed.encode()).hexdigest()


def csrf_ok(request: Request) -> bool:
    """Whether a POST's ``csrf_token`` field matches the browser's CSRF cookie."""
    given = request.form.get("csrf_token", [""])[0]
    seed = request.cookies.get(CSRF_COOKIE, "")
    return bool(seed) and hmac.compare_digest(given, csrf_token_for(seed))


@dataclass
class Response:
    """A page (or a redirect, or a static file)."""

    status: int
    body: bytes = b""
    content_type: bytes = HTML
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)


def render(request: Request, template: str, status: int = 200, **values: Any) -> Response:
    """``template`` rendered with ``values`` (and the request's CSRF token)."""
    html = templates().get_template(template).render(csrf_token=request.csrf_token, **values)
    return Response(status, html.encode())


def redirect(location: str) -> Response:
    """303 See Other: after a POST, the browser GETs ``location``."""
    return Response(303, b"", headers=[(b"location", location.encode())])


def parse_cookies(header: bytes | None) -> dict[str, str]:
    if not header:
        return {}
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(header.decode("latin-1"))
    except Exception:  # noqa: BLE001 - a malformed cookie header is no cookies
        return {}
    return {name: morsel.value for name, morsel in jar.items()}


def parse_form(headers: dict[bytes, bytes], body: bytes) -> dict[str, list[str]]:
    """An ``application/x-www-form-urlencoded`` body (the only kind the pages post)."""
    if not body or not headers.get(b"content-type", b"").startswith(b"application/x-www-form-urlencoded"):
        return {}
    form: dict[str, list[str]] = {}
    for name, value in parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True):
        form.setdefault(name, []).append(value)
    return form


def new_seed() -> str:
    """A fresh random cookie value (CSRF seeds and session tokens)."""
    return secrets.token_urlsafe(32)
