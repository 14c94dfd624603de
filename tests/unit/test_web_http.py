"""The web layer's building blocks: cookies over TLS, CSRF tokens, escaping, forms."""

from __future__ import annotations

from types import SimpleNamespace

from workmail_local.web.http import (
    CSRF_COOKIE,
    templates,
    Request,
    csrf_ok,
    csrf_token_for,
    parse_cookies,
    parse_form,
)


def _request(tls: bool = False, form: dict | None = None, cookies: dict | None = None) -> Request:
    return Request(SimpleNamespace(), "POST", "/", {}, form or {}, cookies or {}, tls, None, 0.0, None)  # type: ignore[arg-type]


def test_cookies_are_http_only_same_site_lax_and_secure_over_tls() -> None:
    plain, tls = _request(), _request(tls=True)
    plain.set_cookie("wml_mail", "abc", "/mail/", max_age=60)
    tls.set_cookie("wml_mail", "abc", "/mail/", max_age=60)
    assert plain.set_cookies == ["wml_mail=abc; Path=/mail/; HttpOnly; SameSite=Lax; Max-Age=60"]
    assert tls.set_cookies == ["wml_mail=abc; Path=/mail/; HttpOnly; SameSite=Lax; Max-Age=60; Secure"]
    plain.set_cookie("wml_mail", "", "/mail/")
    assert plain.set_cookies[-1] == "wml_mail=; Path=/mail/; HttpOnly; SameSite=Lax; Max-Age=0"


def test_the_csrf_token_must_match_the_cookie() -> None:
    seed = "s33d"
    assert csrf_token_for(seed) != seed
    assert csrf_ok(_request(form={"csrf_token": [csrf_token_for(seed)]}, cookies={CSRF_COOKIE: seed}))
    assert not csrf_ok(_request(form={"csrf_token": [csrf_token_for("other")]}, cookies={CSRF_COOKIE: seed}))
    assert not csrf_ok(_request(form={}, cookies={CSRF_COOKIE: seed}))
    assert not csrf_ok(_request(form={"csrf_token": [csrf_token_for("")]}, cookies={}))


def test_templates_escape_everything() -> None:
    html = templates().get_template("message.html").render(title="<b>t</b>", message="<script>alert(1)</script>",
                                                         csrf_token="x")
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_forms_and_cookies_parse() -> None:
    form = parse_form({b"content-type": b"application/x-www-form-urlencoded"}, b"a=1&scopes=IMAP&scopes=SMTP&b=")
    assert form == {"a": ["1"], "scopes": ["IMAP", "SMTP"], "b": [""]}
    assert parse_form({b"content-type": b"text/plain"}, b"a=1") == {}
    assert parse_cookies(b"wml_csrf=abc; other=1") == {"wml_csrf": "abc", "other": "1"}
