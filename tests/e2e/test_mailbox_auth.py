"""The authentication decision, through POST /_workmail-local/mailbox/authenticate: every
rule of the chosen semantics, each reason a login can be refused."""

from __future__ import annotations

import pytest

from tests.e2e.world import DIRECTORY_PASSWORD, build_world

MAILBOX = ("IMAP", "SMTP", "EWS", "ActiveSync")


def allowed(answer: dict, method: str) -> bool:
    return answer.get("Authenticated") is True and answer["Method"] == method


def test_no_configuration_directory_password_only(server) -> None:
    world = build_world(server, configure=False)
    for protocol in (*MAILBOX, "WEB"):
        answer = world.authenticate(DIRECTORY_PASSWORD, protocol)
        assert allowed(answer, "DIRECTORY_PASSWORD")
        assert answer["UserId"] == world.user_id and answer["OrganizationId"] == world.org_id
    assert world.authenticate("Wrong-Pass-1") == {"Authenticated": False, "Reason": "INVALID_CREDENTIALS"}
    # No configuration: no tokens can be made.
    assert world.create_token()[0] == 403


def test_identity_provider_and_directory_accepts_both(server) -> None:
    world = build_world(server)
    token = world.token()
    for protocol in MAILBOX:
        assert allowed(world.authenticate(DIRECTORY_PASSWORD, protocol), "DIRECTORY_PASSWORD")
        assert allowed(world.authenticate(token, protocol), "PERSONAL_ACCESS_TOKEN")
    assert allowed(world.authenticate(DIRECTORY_PASSWORD, "WEB"), "DIRECTORY_PASSWORD")
    assert world.authenticate(token, "WEB")["Reason"] == "PERSONAL_ACCESS_TOKEN_NOT_FOR_WEB"


def test_identity_provider_only_refuses_the_directory_password_everywhere(server) -> None:
    world = build_world(server)
    token = world.token()
    world.put_config(mode="IDENTITY_PROVIDER_ONLY")
    for protocol in (*MAILBOX, "WEB"):
        assert world.authenticate(DIRECTORY_PASSWORD, protocol) == {
            "Authenticated": False, "Reason": "DIRECTORY_PASSWORD_DISABLED"}
    for protocol in MAILBOX:
        assert allowed(world.authenticate(token, protocol), "PERSONAL_ACCESS_TOKEN")
    assert world.authenticate(token, "WEB")["Reason"] == "PERSONAL_ACCESS_TOKEN_NOT_FOR_WEB"


def test_deleting_the_configuration_stops_tokens_and_restores_passwords(server) -> None:
    world = build_world(server)
    token = world.token()
    world.put_config(mode="IDENTITY_PROVIDER_ONLY")
    world.workmail.delete_identity_provider_configuration(OrganizationId=world.org_id)
    assert world.authenticate(token)["Reason"] == "PERSONAL_ACCESS_TOKENS_NOT_ENABLED"
    assert allowed(world.authenticate(DIRECTORY_PASSWORD), "DIRECTORY_PASSWORD")


def test_inactive_blocks_tokens_and_active_brings_them_back(server) -> None:
    world = build_world(server)
    token = world.token()
    world.put_config(status="INACTIVE")
    assert world.authenticate(token)["Reason"] == "PERSONAL_ACCESS_TOKENS_INACTIVE"
    assert world.create_token()[0] == 403
    world.put_config(status="ACTIVE")
    assert allowed(world.authenticate(token), "PERSONAL_ACCESS_TOKEN")


def test_tokens_expire_with_the_emulator_clock(server) -> None:
    world = build_world(server)
    world.put_config(lifetime=2)
    token = world.token()
    server.control("POST", "/clock", {"advance_seconds": 2 * 86400 - 60})
    assert allowed(world.authenticate(token), "PERSONAL_ACCESS_TOKEN")
    server.control("POST", "/clock", {"advance_seconds": 61})
    assert world.authenticate(token)["Reason"] == "PERSONAL_ACCESS_TOKEN_EXPIRED"
    world.put_config(status="ACTIVE", lifetime=30)  # a longer lifetime does not revive an issued token
    assert world.authenticate(token)["Reason"] == "PERSONAL_ACCESS_TOKEN_EXPIRED"


def test_deleted_tokens_fail(server) -> None:
    world = build_world(server)
    status, created = world.create_token()
    assert status == 200
    world.workmail.delete_personal_access_token(OrganizationId=world.org_id,
                                                PersonalAccessTokenId=created["PersonalAccessTokenId"])
    assert world.authenticate(created["Token"]) == {"Authenticated": False, "Reason": "INVALID_CREDENTIALS"}


def test_scopes_limit_the_protocols(server) -> None:
    world = build_world(server)
    token = world.token(Scopes=["IMAP"])
    assert allowed(world.authenticate(token, "IMAP"), "PERSONAL_ACCESS_TOKEN")
    for protocol in ("SMTP", "EWS", "ActiveSync"):
        assert world.authenticate(token, protocol)["Reason"] == "PROTOCOL_NOT_IN_TOKEN_SCOPE"


def test_deregistered_and_deleted_users_fail(server) -> None:
    world = build_world(server)
    token = world.token()
    world.workmail.deregister_from_work_mail(OrganizationId=world.org_id, EntityId=world.user_id)
    # Deregistering releases the address: the login names nobody now.
    assert world.authenticate(token)["Reason"] == "UNKNOWN_USER"
    by_name = server.control("POST", "/mailbox/authenticate", {
        "Username": "ann", "OrganizationId": world.org_id, "Secret": token, "Protocol": "IMAP"})[1]
    assert by_name["Reason"] == "USER_NOT_ENABLED"
    world.workmail.register_to_work_mail(OrganizationId=world.org_id, EntityId=world.user_id, Email=world.email)
    assert allowed(world.authenticate(token), "PERSONAL_ACCESS_TOKEN")
    world.workmail.deregister_from_work_mail(OrganizationId=world.org_id, EntityId=world.user_id)
    world.workmail.delete_user(OrganizationId=world.org_id, UserId=world.user_id)
    by_name = server.control("POST", "/mailbox/authenticate", {
        "Username": "ann", "OrganizationId": world.org_id, "Secret": token, "Protocol": "IMAP"})[1]
    assert by_name["Reason"] == "UNKNOWN_USER"


def test_removed_assignment_fails_and_group_assignment_works(server) -> None:
    world = build_world(server)
    token = world.token()
    world.sso.delete_application_assignment(ApplicationArn=world.app_arn, PrincipalId=world.idc_user_id,
                                            PrincipalType="USER")
    assert world.authenticate(token)["Reason"] == "NOT_ASSIGNED_TO_APPLICATION"
    group = world.identitystore.create_group(IdentityStoreId=world.store_id, DisplayName="mail-users")["GroupId"]
    world.identitystore.create_group_membership(IdentityStoreId=world.store_id, GroupId=group,
                                                MemberId={"UserId": world.idc_user_id})
    world.sso.create_application_assignment(ApplicationArn=world.app_arn, PrincipalId=group, PrincipalType="GROUP")
    assert allowed(world.authenticate(token), "PERSONAL_ACCESS_TOKEN")
    world.identitystore.delete_group(IdentityStoreId=world.store_id, GroupId=group)
    assert world.authenticate(token)["Reason"] == "NOT_ASSIGNED_TO_APPLICATION"


def test_unlinking_and_deleting_the_idc_user_fail(server) -> None:
    world = build_world(server)
    token = world.token()
    world.workmail.update_user(OrganizationId=world.org_id, UserId=world.user_id, IdentityProviderUserId="")
    assert world.authenticate(token)["Reason"] == "USER_NOT_LINKED"
    other = world.identitystore.create_user(IdentityStoreId=world.store_id, UserName="zed", DisplayName="Zed",
                                            Name={"GivenName": "Z", "FamilyName": "Z"})["UserId"]
    world.workmail.update_user(OrganizationId=world.org_id, UserId=world.user_id, IdentityProviderUserId=other)
    # The token is the mailbox's: it now follows zed, who is not assigned to the application.
    assert world.authenticate(token)["Reason"] == "NOT_ASSIGNED_TO_APPLICATION"
    world.workmail.update_user(OrganizationId=world.org_id, UserId=world.user_id,
                               IdentityProviderUserId=world.idc_user_id)
    assert allowed(world.authenticate(token), "PERSONAL_ACCESS_TOKEN")
    world.identitystore.delete_user(IdentityStoreId=world.store_id, UserId=world.idc_user_id)
    assert world.authenticate(token)["Reason"] == "IDENTITY_CENTER_USER_NOT_FOUND"


def test_deleted_organization_refuses_everyone_and_frees_its_addresses(server) -> None:
    world = build_world(server, configure=False)
    world.workmail.delete_organization(OrganizationId=world.org_id, DeleteDirectory=True, ForceDelete=True)
    assert world.authenticate(DIRECTORY_PASSWORD)["Reason"] == "UNKNOWN_USER"
    by_name = server.control("POST", "/mailbox/authenticate", {
        "Username": "ann", "OrganizationId": world.org_id, "Secret": DIRECTORY_PASSWORD, "Protocol": "IMAP"})[1]
    assert by_name["Reason"] == "UNKNOWN_USER"
    # The alias, and with it the address, can be taken by a new organization.
    org = world.workmail.create_organization(Alias="acme")["OrganizationId"]
    user = world.workmail.create_user(OrganizationId=org, Name="ann", DisplayName="Ann 2",
                                      Password="Second-Pass-2")["UserId"]
    world.workmail.register_to_work_mail(OrganizationId=org, EntityId=user, Email=world.email)
    answer = world.authenticate("Second-Pass-2")
    assert answer["Authenticated"] and answer["OrganizationId"] == org


def test_an_organization_being_deleted_refuses_logins(tmp_path) -> None:
    from workmail_local.testing import LocalServer

    with LocalServer(in_memory=True, extra_args=["--org-activation-delay", "60"]) as slow:
        wm = slow.client("workmail")
        org = wm.create_organization(Alias="slow")["OrganizationId"]
        slow.control("POST", "/clock", {"advance_seconds": 60})
        user = wm.create_user(OrganizationId=org, Name="ann", DisplayName="Ann", Password=DIRECTORY_PASSWORD)
        wm.register_to_work_mail(OrganizationId=org, EntityId=user["UserId"], Email="ann@slow.awsapps.com")
        login = {"Username": "ann", "OrganizationId": org, "Secret": DIRECTORY_PASSWORD, "Protocol": "IMAP"}
        assert slow.control("POST", "/mailbox/authenticate", login)[1]["Authenticated"] is True
        # An organization being deleted (Deleting, not yet Deleted) already refuses logins.
        wm.delete_organization(OrganizationId=org, DeleteDirectory=True, ForceDelete=True)
        assert slow.control("POST", "/mailbox/authenticate", login)[1]["Reason"] == "UNKNOWN_USER"


def test_unknown_users_and_user_names(server) -> None:
    world = build_world(server, configure=False)
    assert world.authenticate(DIRECTORY_PASSWORD, username="nobody@acme.awsapps.com") == {
        "Authenticated": False, "Reason": "UNKNOWN_USER"}
    assert world.authenticate(DIRECTORY_PASSWORD, username="ann")["Reason"] == "UNKNOWN_USER"  # name needs the org
    answer = server.control("POST", "/mailbox/authenticate", {
        "Username": "ANN", "OrganizationId": world.org_id, "Secret": DIRECTORY_PASSWORD, "Protocol": "SMTP"})[1]
    assert allowed(answer, "DIRECTORY_PASSWORD")
    assert allowed(world.authenticate(DIRECTORY_PASSWORD, username="Ann@ACME.awsapps.com"), "DIRECTORY_PASSWORD")


def test_a_user_without_a_password_cannot_use_one(server) -> None:
    world = build_world(server, configure=False)
    user = world.workmail.create_user(OrganizationId=world.org_id, Name="nopass", DisplayName="No Pass")["UserId"]
    world.workmail.register_to_work_mail(OrganizationId=world.org_id, EntityId=user, Email="nopass@acme.awsapps.com")
    answer = world.authenticate("", username="nopass@acme.awsapps.com")
    assert answer["Reason"] == "INVALID_CREDENTIALS"


@pytest.mark.parametrize("body", [
    {"Secret": "x", "Protocol": "IMAP"},
    {"Username": "a@b.c", "Protocol": "IMAP"},
    {"Username": "a@b.c", "Secret": "x", "Protocol": "POP9"},
    {"Username": "a@b.c", "Secret": 5, "Protocol": "IMAP"},
    {"Username": "a@b.c", "Secret": "x", "Protocol": "IMAP", "OrganizationId": 7},
])
def test_malformed_requests_are_400(server, body) -> None:
    status, answer = server.control("POST", "/mailbox/authenticate", body)
    assert status == 400 and answer["__type"] == "ValidationException"


def test_secrets_never_reach_the_log(server) -> None:
    world = build_world(server)
    token = world.token()
    world.authenticate(token)
    world.authenticate(DIRECTORY_PASSWORD)
    world.authenticate("Some-Wrong-Secret-9")
    log = server.log()
    for secret in (token, DIRECTORY_PASSWORD, "Some-Wrong-Secret-9"):
        assert secret not in log
    assert "POST /_workmail-local/mailbox/authenticate" in log


def test_date_last_used_follows_each_successful_use(server) -> None:
    world = build_world(server)
    status, created = world.create_token()
    summary = world.workmail.get_personal_access_token_metadata(
        OrganizationId=world.org_id, PersonalAccessTokenId=created["PersonalAccessTokenId"])
    assert "DateLastUsed" not in summary
    server.control("POST", "/clock", {"advance_seconds": 3600})
    world.authenticate(created["Token"], "WEB")  # a refusal does not count as a use
    assert "DateLastUsed" not in world.workmail.get_personal_access_token_metadata(
        OrganizationId=world.org_id, PersonalAccessTokenId=created["PersonalAccessTokenId"])
    world.authenticate(created["Token"])
    used = world.workmail.get_personal_access_token_metadata(
        OrganizationId=world.org_id, PersonalAccessTokenId=created["PersonalAccessTokenId"])["DateLastUsed"]
    assert used.timestamp() - summary["DateCreated"].timestamp() >= 3599
