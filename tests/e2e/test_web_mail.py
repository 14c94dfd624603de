"""The WorkMail web app in a real browser: sign-in by authentication mode, Settings →
Personal access tokens (create, shown once, used over IMAP through Dovecot, deleted),
the explanations when tokens are unavailable, escaping, CSRF and the console."""

from __future__ import annotations

from tests.e2e.browser import (  # noqa: F401 - page is a fixture
    console_rows,
    directory_sign_in,
    logins,
    page,
    portal_sign_in,
    screenshot,
)
from tests.e2e.test_imap import dovecot, imap_login  # noqa: F401 - dovecot is a fixture
from tests.e2e.world import DIRECTORY_PASSWORD, build_world
from workmail_local.web.http import csrf_token_for


def _csrf(page) -> str:  # noqa: ANN001
    seed = next(c["value"] for c in page.context.cookies() if c["name"] == "wml_csrf")
    return csrf_token_for(seed)


def test_token_made_in_the_web_app_logs_in_over_imap_until_deleted(server, page, dovecot) -> None:  # noqa: F811
    world = build_world(server, mfa=True)
    portal_sign_in(page, server, world)
    page.get_by_role("link", name="WorkMail").click()
    assert page.url == f"{server.url}/mail/acme"
    page.get_by_role("button", name="Continue with IAM Identity Center").click()
    assert page.get_by_role("heading", name="Welcome").is_visible()
    page.get_by_role("link", name="Settings").click()
    assert page.get_by_role("heading", name="Personal access tokens").is_visible()
    page.get_by_label("Name").fill("Laptop mail")
    page.get_by_label("IMAP").check()
    page.get_by_role("button", name="Create token").click()
    token = page.get_by_label("Token").input_value()
    assert token.startswith("wmpat_")
    assert page.get_by_role("button", name="Copy").is_visible()
    screenshot(page, "web-tokens")
    # The admin API sees the same token.
    summaries = world.workmail.list_personal_access_tokens(OrganizationId=world.org_id)["PersonalAccessTokenSummaries"]
    assert [(s["Name"], s["Scopes"]) for s in summaries] == [("Laptop mail", ["IMAP"])]
    row = page.locator("tr", has_text="Laptop mail")
    assert row.locator(".last-used").inner_text() == "—"

    assert imap_login(dovecot, world.email, token)
    page.goto(f"{server.url}/mail/acme/settings/tokens")
    assert token not in page.content()  # shown once
    assert page.locator("tr", has_text="Laptop mail").locator(".last-used").inner_text().endswith("UTC")

    page.locator("tr", has_text="Laptop mail").get_by_role("link", name="Delete").click()
    assert page.get_by_role("heading", name="Delete “Laptop mail”?").is_visible()
    page.get_by_role("button", name="Delete token").click()
    assert page.get_by_text("You have no personal access tokens.").is_visible()
    assert not imap_login(dovecot, world.email, token)
    reasons = [(r["Protocol"], r["Method"], r["Result"], r["Reason"]) for r in logins(server)]
    assert reasons[:3] == [("IMAP", "DIRECTORY_PASSWORD", "REFUSED", "INVALID_CREDENTIALS"),
                           ("IMAP", "PERSONAL_ACCESS_TOKEN", "ALLOWED", None),
                           ("WEB", "IAM_IDENTITY_CENTER", "ALLOWED", None)]
    rows = console_rows(page, server)
    assert rows[0][3:] == ["IMAP", "127.0.0.1", "DIRECTORY_PASSWORD", "REFUSED", "INVALID_CREDENTIALS"]
    assert rows[1][3:] == ["IMAP", "127.0.0.1", "PERSONAL_ACCESS_TOKEN", "ALLOWED", ""]


def test_inactive_tokens_hide_creation(server, page) -> None:  # noqa: F811
    world = build_world(server)
    world.session()  # links ann to her IdC user
    world.put_config(status="INACTIVE")
    directory_sign_in(page, server)
    page.goto(f"{server.url}/mail/acme/settings/tokens")
    assert "Personal access tokens are INACTIVE" in page.locator("#unavailable").inner_text()
    assert page.locator("#create").count() == 0
    assert page.get_by_role("button", name="Create token").count() == 0


def test_identity_provider_only_shows_no_directory_form_and_refuses_a_posted_password(server, page) -> None:  # noqa: F811
    world = build_world(server)
    world.put_config(mode="IDENTITY_PROVIDER_ONLY")
    page.goto(f"{server.url}/mail/acme")
    assert page.locator("#directory").count() == 0
    assert page.get_by_label("Password").count() == 0
    assert page.get_by_role("link", name="Sign in with IAM Identity Center").get_attribute("href") == \
        f"/start/{world.store_id}"
    screenshot(page, "web-mail-sign-in-idc-only")
    response = page.request.post(f"{server.url}/mail/acme/signin", form={
        "csrf_token": _csrf(page), "user_name": "ann", "password": DIRECTORY_PASSWORD})
    assert response.status == 401
    assert "signs in with IAM Identity Center only" in response.text()
    assert page.context.cookies() and not any(c["name"] == "wml_mail" for c in page.context.cookies())
    assert [(r["Protocol"], r["Result"], r["Reason"]) for r in logins(server)] == [
        ("WEB", "REFUSED", "DIRECTORY_PASSWORD_DISABLED")]
    assert console_rows(page, server)[0][-1] == "DIRECTORY_PASSWORD_DISABLED"


def test_no_configuration_directory_sign_in_and_the_token_page_explains(server, page) -> None:  # noqa: F811
    build_world(server, configure=False)
    page.goto(f"{server.url}/mail/acme")
    assert page.get_by_text("Sign in with IAM Identity Center").count() == 0
    screenshot(page, "web-mail-sign-in")
    directory_sign_in(page, server, password="Wrong-Pass-7")
    assert page.locator("#password-error").inner_text() == "The user name or password is incorrect."
    directory_sign_in(page, server)
    assert page.get_by_role("heading", name="Welcome").is_visible()
    cookie = next(c for c in page.context.cookies() if c["name"] == "wml_mail")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    page.get_by_role("link", name="Settings").click()
    assert "does not use IAM Identity Center" in page.locator("#unavailable").inner_text()
    assert page.locator("#create").count() == 0
    # A token never signs in to the web app, and signing out ends the session.
    page.get_by_role("button", name="Sign out").click()
    assert page.get_by_label("Password").is_visible()
    page.goto(f"{server.url}/mail/acme/settings/tokens")
    assert page.url == f"{server.url}/mail/acme"
    rows = console_rows(page, server)
    assert [row[-2:] for row in rows] == [["ALLOWED", ""], ["REFUSED", "INVALID_CREDENTIALS"]]


def test_a_token_never_signs_in_to_the_web_app(server, page) -> None:  # noqa: F811
    world = build_world(server)
    token = world.token()
    directory_sign_in(page, server, password=token)
    assert page.locator("#password-error").inner_text() == "The user name or password is incorrect."
    assert logins(server)[0]["Reason"] == "PERSONAL_ACCESS_TOKEN_NOT_FOR_WEB"
    assert console_rows(page, server)[0][-1] == "PERSONAL_ACCESS_TOKEN_NOT_FOR_WEB"


def test_a_user_named_like_a_script_renders_as_text(server, page) -> None:  # noqa: F811
    world = build_world(server, configure=False)
    name = "<script>alert(1)</script>"
    user_id = world.workmail.create_user(OrganizationId=world.org_id, Name=name, DisplayName=name,
                                         Password=DIRECTORY_PASSWORD)["UserId"]
    world.workmail.register_to_work_mail(OrganizationId=world.org_id, EntityId=user_id, Email="xss@acme.awsapps.com")
    directory_sign_in(page, server, user=name)
    assert page.locator("h1 .who").inner_text() == name
    assert page.locator("header .who").inner_text() == name
    page.goto(f"{server.url}/_workmail-local/console")
    assert page.get_by_role("cell", name=name, exact=True).is_visible()
    assert console_rows(page, server)[0][2] == name
    # The page fixture fails the test had any alert() run.


def test_a_post_without_the_csrf_token_is_refused(server, page) -> None:  # noqa: F811
    build_world(server, configure=False)
    page.goto(f"{server.url}/mail/acme")
    for form in ({"user_name": "ann", "password": DIRECTORY_PASSWORD},
                 {"user_name": "ann", "password": DIRECTORY_PASSWORD, "csrf_token": "0" * 64}):
        response = page.request.post(f"{server.url}/mail/acme/signin", form=form)
        assert response.status == 403
        assert "CSRF token is missing or wrong" in response.text()
    assert logins(server) == []  # refused before any sign-in was tried
    response = page.request.post(f"{server.url}/mail/acme/signin", form={
        "csrf_token": _csrf(page), "user_name": "ann", "password": DIRECTORY_PASSWORD})
    assert response.status == 200 and "Welcome" in response.text()


def test_unknown_alias_and_an_organization_that_is_not_active(server, page) -> None:  # noqa: F811
    response = page.goto(f"{server.url}/mail/nobody-here")
    assert response.status == 404
    assert page.get_by_role("heading", name="Organization not found").is_visible()
    world = build_world(server, configure=False)
    world.workmail.delete_organization(OrganizationId=world.org_id, DeleteDirectory=True, ForceDelete=True)
    response = page.goto(f"{server.url}/mail/acme")
    assert response.status == 409
    assert "is not Active (its state is Deleted)" in page.content()


def test_a_user_who_may_not_reach_the_mailbox_is_told_why(server, page) -> None:  # noqa: F811
    world = build_world(server, assign=False)
    portal_sign_in(page, server, world)  # links ann; she has no application
    page.goto(f"{server.url}/mail/acme")
    page.get_by_role("button", name="Continue with IAM Identity Center").click()
    assert page.locator("#idc-error").inner_text() == \
        "IAM Identity Center did not let you in (NOT_ASSIGNED_TO_APPLICATION)."
    assert [(r["Method"], r["Result"], r["Reason"]) for r in logins(server)] == [
        ("IAM_IDENTITY_CENTER", "REFUSED", "NOT_ASSIGNED_TO_APPLICATION")]
    directory_sign_in(page, server)  # IDENTITY_PROVIDER_AND_DIRECTORY: the directory password still works
    page.goto(f"{server.url}/mail/acme/settings/tokens")
    assert "may not reach a mailbox of organization" in page.locator("#unavailable").inner_text()
    assert "NOT_ASSIGNED_TO_APPLICATION" in page.locator("#unavailable").inner_text()
    assert page.locator("#create").count() == 0
    assert console_rows(page, server)[1][-1] == "NOT_ASSIGNED_TO_APPLICATION"


def test_a_bad_token_name_is_shown_next_to_the_field(server, page) -> None:  # noqa: F811
    world = build_world(server)
    world.session()
    directory_sign_in(page, server)
    page.goto(f"{server.url}/mail/acme/settings/tokens")
    page.get_by_label("Name").fill("bad<name>")
    page.get_by_role("button", name="Create token").click()
    assert page.locator("#name-error").inner_text() == "The name may not contain control characters, <, > or \\."
    assert page.get_by_label("Name").input_value() == "bad<name>"
    assert world.workmail.list_personal_access_tokens(OrganizationId=world.org_id)["PersonalAccessTokenSummaries"] == []
