"""A real browser for the web-page tests: Playwright driving Debian's Chromium.

``/usr/bin/chromium`` (``apt-get install chromium``; ``.ci/run`` installs it) is launched
headless with a fresh profile per test; Playwright never downloads a browser. Without
Chromium (or Playwright) the tests skip with the reason — except in CI (``CI`` set),
where that is a failure.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
DOCS = Path(__file__).resolve().parents[2] / "docs"
# Screenshots go to docs/ (committed, shown by the README) only when asked, so that a test
# run leaves the tree clean: WORKMAIL_LOCAL_SCREENSHOTS=docs; else to a temporary folder.
SHOTS = DOCS if os.environ.get("WORKMAIL_LOCAL_SCREENSHOTS") == "docs" else Path(tempfile.gettempdir()) / "workmail-local-screenshots"


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"{reason}, and CI must run the browser tests (.ci/run installs chromium and playwright)")
    pytest.skip(f"{reason}: browser tests skipped")


@pytest.fixture
def page(tmp_path: Path) -> Iterator[Any]:
    """A Playwright page in a fresh Chromium profile; JavaScript dialogs fail the test."""
    if not os.path.exists(CHROMIUM):
        _unavailable(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Playwright is not installed (pip install 'playwright>=1.44')")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=CHROMIUM, headless=True, args=ARGS,
            viewport={"width": 1280, "height": 720})
        dialogs: list[str] = []
        context.on("page", lambda p: p.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss())))
        tab = context.pages[0] if context.pages else context.new_page()
        tab.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        try:
            yield tab
        finally:
            context.close()
        assert not dialogs, f"a page ran script: dialogs {dialogs}"


def screenshot(page: Any, name: str, width: int | None = None) -> None:
    """Save the page as <name>.png (in docs/ the README shows them; see SHOTS), ``width`` wide."""
    if width is not None:
        page.set_viewport_size({"width": width, "height": 720})
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def now(server: Any) -> float:
    return server.control("GET", "/clock")[1]["now"]


def portal_sign_in(page: Any, server: Any, world: Any, password: str | None = None) -> None:
    """Sign in to the access portal as ``ann`` (with the current code when she has MFA)."""
    from tests.e2e.world import IDC_PASSWORD

    page.goto(f"{server.url}/start/{world.store_id}")
    page.get_by_label("User name").fill("ann")
    page.get_by_role("button", name="Next").click()
    page.get_by_label("Password").fill(password or IDC_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    if world.totp is not None:
        page.get_by_label("Verification code").fill(world.totp.at(now(server)))
        page.get_by_role("button", name="Verify").click()


def directory_sign_in(page: Any, server: Any, user: str = "ann", password: str | None = None) -> None:
    from tests.e2e.world import DIRECTORY_PASSWORD

    page.goto(f"{server.url}/mail/acme")
    page.get_by_label("User name").fill(user)
    page.get_by_label("Password").fill(password or DIRECTORY_PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def logins(server: Any, **filters: str) -> list[dict]:
    """The login activity, newest first (the JSON endpoint)."""
    status, body = server.control("GET", "/mailbox/logins?" + "&".join(f"{k}={v}" for k, v in filters.items()))
    assert status == 200, body
    return body["Logins"]


def console_rows(page: Any, server: Any) -> list[list[str]]:
    """The console's login table, as cell texts per row (newest first)."""
    page.goto(f"{server.url}/_workmail-local/console/logins")
    return [[cell.strip() for cell in row.locator("td").all_inner_texts()]
            for row in page.locator("#logins tbody tr").all()]
