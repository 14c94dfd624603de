"""The IAM Identity Center access portal in a real browser: sign-in with password and
MFA code, the lockout, the application list (direct and group assignment), sign-out."""

from __future__ import annotations

from tests.e2e.browser import now, page, portal_sign_in, screenshot  # noqa: F401 - page is a fixture
from tests.e2e.world import IDC_PASSWORD, build_world

REFUSED = "The user name, password or verification code is incorrect."
LOCKED = "Too many failed sign-in attempts for this user. Try again later."


def test_sign_in_with_password_and_mfa_code_then_sign_out(server, page) -> None:  # noqa: F811
    world = build_world(server, mfa=True)
    page.goto(f"{server.url}/start/{world.store_id}")
    screenshot(page, "web-portal-sign-in")
    page.get_by_label("User name").fill("ann")
    page.get_by_role("button", name="Next").click()
    page.get_by_label("Password").fill(IDC_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    # The code comes on its own page, after the right password.
    code = page.get_by_label("Verification code")
    assert code.is_visible()
    assert page.get_by_label("Password").count() == 0
    screenshot(page, "web-portal-mfa")
    code.fill(world.totp.at(now(server)))
    page.get_by_role("button", name="Verify").click()
    assert page.get_by_role("heading", name="Applications").is_visible()
    link = page.get_by_role("link", name="WorkMail")
    assert link.get_attribute("href") == "/mail/acme"
    # No secret in the URL; the session cookie is HttpOnly and SameSite=Lax.
    assert page.url == f"{server.url}/start/{world.store_id}"
    cookie = next(c for c in page.context.cookies() if c["name"] == "wml_portal")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    page.get_by_role("button", name="Sign out").click()
    assert page.get_by_label("User name").is_visible()
    page.goto(f"{server.url}/start/{world.store_id}")
    assert page.get_by_label("User name").is_visible()
    assert page.get_by_role("heading", name="Applications").count() == 0


def test_wrong_password_is_the_one_message(server, page) -> None:  # noqa: F811
    world = build_world(server, mfa=True)
    portal_sign_in(page, server, world.__class__(**{**world.__dict__, "totp": None}), password="Wrong-Pass-9")
    assert page.locator("#password-error").inner_text() == REFUSED
    assert page.get_by_label("Verification code").count() == 0


def test_wrong_code_then_the_lockout_message(server, page) -> None:  # noqa: F811
    world = build_world(server, mfa=True)
    page.goto(f"{server.url}/start/{world.store_id}")
    page.get_by_label("User name").fill("ann")
    page.get_by_role("button", name="Next").click()
    page.get_by_label("Password").fill(IDC_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    clock = now(server)
    valid = {world.totp.at(clock + drift) for drift in (-30, 0, 30)}
    wrong = next(c for c in ("000000", "111111", "222222", "333333") if c not in valid)
    messages = []
    for _ in range(6):
        page.get_by_label("Verification code").fill(wrong)
        page.get_by_role("button", name="Verify").click()
        if page.locator("#code-error").count():
            messages.append(page.locator("#code-error").inner_text())
        else:
            messages.append(page.locator(".notice").inner_text())
            break
    assert messages == [REFUSED] * 5 + [LOCKED]
    # Locked: even the right password and code are refused with the lockout message.
    page.get_by_label("User name").fill("ann")
    page.get_by_role("button", name="Next").click()
    page.get_by_label("Password").fill(IDC_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    assert page.locator(".notice").inner_text() == LOCKED


def test_portal_lists_the_workmail_application_only_when_assigned(server, page) -> None:  # noqa: F811
    world = build_world(server, assign=False)
    portal_sign_in(page, server, world)
    assert page.get_by_text("You have no applications").is_visible()
    assert page.get_by_role("link", name="WorkMail").count() == 0
    # Assigned through a group.
    group_id = world.identitystore.create_group(IdentityStoreId=world.store_id, DisplayName="mail-users")["GroupId"]
    world.identitystore.create_group_membership(IdentityStoreId=world.store_id, GroupId=group_id,
                                                MemberId={"UserId": world.idc_user_id})
    world.sso.create_application_assignment(ApplicationArn=world.app_arn, PrincipalId=group_id,
                                            PrincipalType="GROUP")
    page.reload()
    assert page.get_by_role("link", name="WorkMail").get_attribute("href") == "/mail/acme"
    screenshot(page, "web-portal-applications")


def test_unknown_identity_store_is_a_404_page(server, page) -> None:  # noqa: F811
    response = page.goto(f"{server.url}/start/d-0000000000")
    assert response.status == 404
    assert "There is no IAM Identity Center identity store d-0000000000" in page.content()
