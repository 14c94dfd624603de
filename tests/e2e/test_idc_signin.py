"""IdC credentials and sign-in through the control API: passwords, MFA (TOTP), lockout,
sessions, and the automatic linking of WorkMail users at sign-in."""

from __future__ import annotations

import pyotp
import pytest

from tests.e2e.world import IDC_PASSWORD, build_world

REFUSED = "The user name, password or verification code is incorrect."


def server_now(server) -> float:
    return server.control("GET", "/clock")[1]["now"]


def test_sign_in_without_mfa_gives_an_eight_hour_session(server) -> None:
    world = build_world(server)
    now = server_now(server)
    status, body = world.sign_in()
    assert status == 200
    assert body["UserId"] == world.idc_user_id
    assert body["SessionToken"].startswith("wmlidc_") and len(body["SessionToken"]) > 40
    assert abs(body["ExpiresAt"] - (now + 8 * 3600)) < 5


def test_every_failure_says_the_same_thing(server) -> None:
    world = build_world(server)
    no_password_user = world.identitystore.create_user(
        IdentityStoreId=world.store_id, UserName="bob", DisplayName="Bob",
        Name={"GivenName": "Bob", "FamilyName": "B"})["UserId"]
    assert no_password_user
    answers = [world.sign_in(password="wrong-password"), world.sign_in(user_name="nobody-here"),
               world.sign_in(user_name="bob", password="anything")]
    for status, body in answers:
        assert status == 401
        assert body == {"__type": "AuthenticationFailed", "message": REFUSED}


def test_user_names_are_case_insensitive(server) -> None:
    world = build_world(server)
    assert world.sign_in(user_name="ANN")[0] == 200


def test_mfa_registration_and_codes(server) -> None:
    world = build_world(server, mfa=True)
    assert world.totp is not None
    status, body = server.control("POST", "/identitycenter/mfa", {
        "IdentityStoreId": world.store_id, "UserId": world.idc_user_id, "AccountId": "123456789012"})
    assert status == 200
    assert body["Uri"].startswith("otpauth://totp/") and "issuer=WorkMail%20Local" in body["Uri"]
    totp = pyotp.TOTP(body["Secret"])  # re-registering replaces the app
    assert pyotp.parse_uri(body["Uri"]).secret == body["Secret"]

    assert world.sign_in()[0] == 401  # a code is required
    assert world.sign_in(otp="000000" if totp.at(server_now(server)) != "000000" else "111111")[0] == 401
    assert world.sign_in(otp=world.totp.at(server_now(server)))[0] == 401  # the replaced app's code

    code = totp.at(server_now(server))
    assert world.sign_in(otp=code)[0] == 200
    assert world.sign_in(otp=code)[1]["__type"] == "AuthenticationFailed"  # a code is accepted once


def test_codes_follow_the_emulator_clock_with_one_step_of_drift(server) -> None:
    world = build_world(server, mfa=True)
    assert world.totp is not None
    # Land in the middle of a 30-second step, so no step boundary passes during the test.
    now = server_now(server)
    server.control("POST", "/clock", {"advance_seconds": 3600 + (15 - now % 30) % 30})
    now = server_now(server)
    assert world.sign_in(otp=world.totp.at(now - 30))[0] == 200  # one step behind: accepted
    assert world.sign_in(otp=world.totp.at(now - 90))[0] == 401  # three steps behind: refused
    assert world.sign_in(otp=world.totp.at(now + 30))[0] == 200  # one step ahead, not used yet
    assert world.sign_in(otp=world.totp.at(now))[0] == 401  # older than the last accepted step


def test_five_failures_lock_the_user_for_fifteen_minutes(server) -> None:
    world = build_world(server)
    for _ in range(5):
        assert world.sign_in(password="wrong")[0] == 401
    status, body = world.sign_in()  # even the right password
    assert status == 429 and body["__type"] == "TooManyAttempts"
    server.control("POST", "/clock", {"advance_seconds": 600})
    assert world.sign_in()[0] == 429  # attempts during the lock …
    assert world.sign_in(password="wrong")[0] == 429
    server.control("POST", "/clock", {"advance_seconds": 301})
    assert world.sign_in()[0] == 200  # … do not extend it: 15 minutes after the 5th failure


def test_failures_outside_fifteen_minutes_do_not_add_up(server) -> None:
    world = build_world(server)
    for _ in range(4):
        assert world.sign_in(password="wrong")[0] == 401
    server.control("POST", "/clock", {"advance_seconds": 16 * 60})
    for _ in range(4):
        assert world.sign_in(password="wrong")[0] == 401
    assert world.sign_in()[0] == 200


def test_a_success_clears_the_failure_count(server) -> None:
    world = build_world(server)
    for _ in range(4):
        world.sign_in(password="wrong")
    assert world.sign_in()[0] == 200
    for _ in range(4):
        world.sign_in(password="wrong")
    assert world.sign_in()[0] == 200


def test_unknown_user_names_lock_too(server) -> None:
    world = build_world(server)
    for _ in range(5):
        assert world.sign_in(user_name="ghost")[0] == 401
    assert world.sign_in(user_name="ghost")[0] == 429
    assert world.sign_in()[0] == 200  # other users are not affected


def test_password_and_mfa_endpoints_refuse_bad_input(server) -> None:
    world = build_world(server)
    base = {"IdentityStoreId": world.store_id, "UserId": world.idc_user_id, "AccountId": "123456789012"}
    cases = [
        ("/identitycenter/password", {**base, "Password": "short"}, 400, "ValidationException"),
        ("/identitycenter/password", {**base}, 400, "ValidationException"),
        ("/identitycenter/password", {**base, "Password": 5}, 400, "ValidationException"),
        ("/identitycenter/password", {**base, "IdentityStoreId": "d-0000000000", "Password": IDC_PASSWORD},
         404, "ResourceNotFoundException"),
        ("/identitycenter/password", {**base, "UserId": "0000000000-00000000-0000-0000-0000-000000000000",
                                      "Password": IDC_PASSWORD}, 404, "ResourceNotFoundException"),
        ("/identitycenter/mfa", {**base, "AccountId": "999999999999"}, 404, "ResourceNotFoundException"),
        ("/identitycenter/signin", {"IdentityStoreId": world.store_id, "AccountId": "123456789012"},
         400, "ValidationException"),
    ]
    for path, body, status, code in cases:
        got_status, got = server.control("POST", path, body)
        assert (got_status, got["__type"]) == (status, code), (path, body, got)
        assert IDC_PASSWORD not in got.get("message", "")


def test_sign_in_links_the_workmail_user_of_the_same_name(server) -> None:
    world = build_world(server)
    user = world.workmail.describe_user(OrganizationId=world.org_id, UserId=world.user_id)
    assert "IdentityProviderUserId" not in user
    assert world.sign_in()[0] == 200
    user = world.workmail.describe_user(OrganizationId=world.org_id, UserId=world.user_id)
    assert user["IdentityProviderUserId"] == world.idc_user_id
    assert user["IdentityProviderIdentityStoreId"] == world.store_id
    listed = world.workmail.list_users(OrganizationId=world.org_id)["Users"]
    assert [u.get("IdentityProviderUserId") for u in listed] == [world.idc_user_id]


def test_no_linking_without_a_configuration_or_over_an_existing_link(server) -> None:
    world = build_world(server, configure=False)
    assert world.sign_in()[0] == 200
    user = world.workmail.describe_user(OrganizationId=world.org_id, UserId=world.user_id)
    assert "IdentityProviderUserId" not in user  # the organization does not use this instance
    other = "0123456789-11111111-2222-3333-4444-555555555555"
    world.workmail.update_user(OrganizationId=world.org_id, UserId=world.user_id, IdentityProviderUserId=other)
    world.put_config()
    assert world.sign_in()[0] == 200
    user = world.workmail.describe_user(OrganizationId=world.org_id, UserId=world.user_id)
    assert user["IdentityProviderUserId"] == other  # an existing link is kept


@pytest.mark.parametrize("deleted_state", ["DELETED"])
def test_deleted_workmail_users_are_not_linked(server, deleted_state) -> None:
    world = build_world(server)
    world.workmail.deregister_from_work_mail(OrganizationId=world.org_id, EntityId=world.user_id)
    world.workmail.delete_user(OrganizationId=world.org_id, UserId=world.user_id)
    assert world.sign_in()[0] == 200
    user = world.workmail.describe_user(OrganizationId=world.org_id, UserId=world.user_id)
    assert user["State"] == deleted_state and "IdentityProviderUserId" not in user


def test_deleting_the_idc_user_ends_sign_in(server) -> None:
    world = build_world(server)
    world.identitystore.delete_user(IdentityStoreId=world.store_id, UserId=world.idc_user_id)
    assert world.sign_in()[0] == 401
