"""The console in a real browser: organizations at a glance, and the login activity
with its filters, newest first."""

from __future__ import annotations

from tests.e2e.browser import console_rows, directory_sign_in, page, screenshot  # noqa: F401 - page is a fixture
from tests.e2e.world import DIRECTORY_PASSWORD, build_world


def test_console_shows_organizations_users_and_each_login_with_its_reason(server, page) -> None:  # noqa: F811
    world = build_world(server)
    world.session()  # links ann
    token = world.token()
    world.authenticate(token)                                      # IMAP, allowed
    world.authenticate(token, protocol="WEB")                      # a token never signs in to the web
    world.authenticate("Wrong-Pass-1")                             # INVALID_CREDENTIALS
    world.authenticate(DIRECTORY_PASSWORD, username="nobody@acme.awsapps.com")  # UNKNOWN_USER
    directory_sign_in(page, server, password="Not-Her-Pass-2")     # WEB, INVALID_CREDENTIALS

    page.goto(f"{server.url}/_workmail-local/console")
    org = page.locator("section.org", has_text="acme")
    assert "IDENTITY_PROVIDER_AND_DIRECTORY" in org.inner_text()
    assert "ACTIVE, 365 days" in org.inner_text()
    user_row = org.locator("tbody tr", has_text="ann")
    cells = user_row.locator("td").all_inner_texts()
    assert cells[:5] == ["ann", world.email, "ENABLED", world.idc_user_id, "1"]
    screenshot(page, "web-console")

    rows = console_rows(page, server)
    assert [(r[2], r[3], r[5], r[6], r[7]) for r in rows] == [
        ("ann", "WEB", "DIRECTORY_PASSWORD", "REFUSED", "INVALID_CREDENTIALS"),
        ("nobody@acme.awsapps.com", "IMAP", "—", "REFUSED", "UNKNOWN_USER"),
        (world.email, "IMAP", "DIRECTORY_PASSWORD", "REFUSED", "INVALID_CREDENTIALS"),
        (world.email, "WEB", "PERSONAL_ACCESS_TOKEN", "REFUSED", "PERSONAL_ACCESS_TOKEN_NOT_FOR_WEB"),
        (world.email, "IMAP", "PERSONAL_ACCESS_TOKEN", "ALLOWED", ""),
    ]
    assert rows[0][4] == "127.0.0.1"  # the browser's address
    screenshot(page, "web-console-logins", width=1600)

    page.get_by_label("Result").select_option("ALLOWED")
    page.get_by_role("button", name="Filter").click()
    allowed = [[c.strip() for c in row.locator("td").all_inner_texts()] for row in page.locator("#logins tbody tr").all()]
    assert [(r[3], r[6]) for r in allowed] == [("IMAP", "ALLOWED")]
    # A user's own logins, from the organization page's link.
    page.goto(f"{server.url}/_workmail-local/console")
    user_row.get_by_role("link", name="Logins").click()
    mine = [[c.strip() for c in row.locator("td").all_inner_texts()] for row in page.locator("#logins tbody tr").all()]
    assert len(mine) == 4 and all(r[2] in ("ann", world.email) for r in mine)


def test_front_page_links_the_console(server, page) -> None:  # noqa: F811
    page.goto(server.url + "/")
    assert page.get_by_role("heading", name="WorkMail Local").is_visible()
    page.get_by_role("link", name="/_workmail-local/console").click()
    assert page.get_by_role("heading", name="Organizations").is_visible()
    assert page.get_by_text("No organizations yet.").is_visible()
