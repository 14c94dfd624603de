"""Creating a personal access token, as a signed-in IdC user does in the WorkMail web app:
``POST /_workmail-local/workmail/personal-access-tokens`` — success, and each refusal
(401 session, 400 name/scopes, 404 organization, 403 access)."""

from __future__ import annotations

import pytest
import regex

from tests.e2e.test_personal_access_tokens import (
    UNKNOWN_ORG,
    add_member,
    clock_now,
    raw_summary,
)
from tests.e2e.test_users import OTHER_ACCOUNT
from tests.e2e.world import World, build_world
from workmail_local.protocol.model import load_service

DAY = 86400
ID_SHAPE = load_service("workmail").model.shape_for("PersonalAccessTokenId").metadata
NAME_PATTERN = r"[^\x00-\x1F\x7F\x3C\x3E\x5C]+"
SESSION_REFUSED = (401, {"__type": "AuthenticationFailed",
                         "message": "The session is unknown or has expired; sign in again."})


def denied(world: World, why: str) -> tuple[int, dict]:
    return 403, {"__type": "AccessDeniedException", "message": why}


def no_tokens(world: World) -> bool:
    return world.workmail.list_personal_access_tokens(OrganizationId=world.org_id)[
        "PersonalAccessTokenSummaries"] == []


# -- success ----------------------------------------------------------------------------


def test_create(server) -> None:
    world = build_world(server)
    before = clock_now(world)
    status, body = world.create_token(name="laptop")
    after = clock_now(world)
    assert status == 200 and set(body) == {"PersonalAccessTokenId", "Token", "ExpiresTime"}
    token_id = body["PersonalAccessTokenId"]
    assert ID_SHAPE["min"] <= len(token_id) <= ID_SHAPE["max"]
    assert regex.fullmatch(ID_SHAPE["pattern"], token_id)
    # wmpat_ + 256 random bits in URL-safe base64.
    assert regex.fullmatch(r"wmpat_[A-Za-z0-9_-]{43}", body["Token"])
    assert isinstance(body["ExpiresTime"], float)
    assert before + 365 * DAY <= body["ExpiresTime"] <= after + 365 * DAY
    summary = raw_summary(world, token_id)
    assert summary["ExpiresTime"] == body["ExpiresTime"]
    assert (summary["UserId"], summary["Name"]) == (world.user_id, "laptop")
    assert world.authenticate(body["Token"]) == {"Authenticated": True, "UserId": world.user_id,
                                                 "OrganizationId": world.org_id, "Method": "PERSONAL_ACCESS_TOKEN"}


def test_every_token_is_new(server) -> None:
    world = build_world(server)
    session = world.session()
    answers = [world.create_token(session=session, name="same")[1] for _ in range(3)]
    assert len({a["Token"] for a in answers}) == 3
    assert len({a["PersonalAccessTokenId"] for a in answers}) == 3


def test_scopes(server) -> None:
    world = build_world(server)
    session = world.session()
    imap_only = world.token(session=session, Scopes=["IMAP"])
    assert world.authenticate(imap_only, "IMAP")["Authenticated"] is True
    assert world.authenticate(imap_only, "SMTP") == {"Authenticated": False, "Reason": "PROTOCOL_NOT_IN_TOKEN_SCOPE"}
    # Absent or null Scopes: every mailbox protocol.
    status, body = world.create_token(session=session, Scopes=None)
    assert status == 200
    assert raw_summary(world, body["PersonalAccessTokenId"])["Scopes"] == ["IMAP", "SMTP", "EWS", "ActiveSync"]


def test_a_name_may_hold_any_printable_character_but_the_forbidden_ones(server) -> None:
    world = build_world(server)
    name = "Ann's phone — Mail.app (iOS 18) & co/ü"
    status, body = world.create_token(name=name)
    assert status == 200, body
    assert raw_summary(world, body["PersonalAccessTokenId"])["Name"] == name


def test_the_token_belongs_to_the_signed_in_users_mailbox(server) -> None:
    world = build_world(server)
    bob_id, bob_session = add_member(world, "bob")
    status, body = world.create_token(session=bob_session)
    assert status == 200
    assert raw_summary(world, body["PersonalAccessTokenId"])["UserId"] == bob_id
    assert world.authenticate(body["Token"], username="bob@acme.awsapps.com")["UserId"] == bob_id
    assert world.authenticate(body["Token"])["Authenticated"] is False  # not ann's


# -- 401: the session ------------------------------------------------------------------


def test_unknown_session(server) -> None:
    world = build_world(server)
    assert world.create_token(session="wmlidc_" + "x" * 43) == SESSION_REFUSED
    # The session is checked first: a bad name does not change the answer.
    assert world.create_token(session="wmlidc_unknown", name="<") == SESSION_REFUSED
    assert no_tokens(world)


def test_expired_session(server) -> None:
    world = build_world(server)
    session = world.session()
    server.control("POST", "/clock", {"advance_seconds": 8 * 3600 - 60})
    assert world.create_token(session=session)[0] == 200
    server.control("POST", "/clock", {"advance_seconds": 61})
    assert world.create_token(session=session) == SESSION_REFUSED


def test_a_deleted_idc_users_sessions_end(server) -> None:
    world = build_world(server)
    session = world.session()
    world.identitystore.delete_user(IdentityStoreId=world.store_id, UserId=world.idc_user_id)
    assert world.create_token(session=session) == SESSION_REFUSED


# -- 400: the request ------------------------------------------------------------------


def _violation(value: str, path: str, constraint: str) -> str:
    return f"Value '{value}' at '{path}' failed to satisfy constraint: {constraint}"


@pytest.mark.parametrize(("extra", "message"), [
    ({"name": "my<laptop"}, "1 validation error detected: " + _violation(
        "my<laptop", "name", f"Member must satisfy regular expression pattern: {NAME_PATTERN}")),
    ({"name": "back\\slash"}, "1 validation error detected: " + _violation(
        "back\\slash", "name", f"Member must satisfy regular expression pattern: {NAME_PATTERN}")),
    ({"name": "tab\there"}, "1 validation error detected: " + _violation(
        "tab\there", "name", f"Member must satisfy regular expression pattern: {NAME_PATTERN}")),
    # Nothing allowed at all: one violation, not two.
    ({"name": "<>"}, "1 validation error detected: " + _violation(
        "<>", "name", f"Member must satisfy regular expression pattern: {NAME_PATTERN}")),
    ({"name": ""}, "2 validation errors detected: " + _violation(
        "", "name", "Member must have length greater than or equal to 1") + "; " + _violation(
        "", "name", f"Member must satisfy regular expression pattern: {NAME_PATTERN}")),
    ({"name": "n" * 65}, "1 validation error detected: " + _violation(
        "n" * 65, "name", "Member must have length less than or equal to 64")),
    ({"Scopes": []}, "1 validation error detected: " + _violation(
        "[]", "scopes", "Member must have length greater than or equal to 1")),
    ({"Scopes": ["IMAP"] * 11}, "1 validation error detected: " + _violation(
        "[" + ", ".join(["IMAP"] * 11) + "]", "scopes", "Member must have length less than or equal to 10")),
    ({"Scopes": ["IMAP", "POP3"]}, "Scopes must be distinct mailbox protocols among IMAP, SMTP, EWS, ActiveSync"),
    ({"Scopes": ["WEB"]}, "Scopes must be distinct mailbox protocols among IMAP, SMTP, EWS, ActiveSync"),
    ({"Scopes": ["imap"]}, "Scopes must be distinct mailbox protocols among IMAP, SMTP, EWS, ActiveSync"),
    ({"Scopes": ["IMAP", "IMAP"]}, "Scopes must be distinct mailbox protocols among IMAP, SMTP, EWS, ActiveSync"),
    ({"Scopes": "IMAP"}, "Scopes must be a list of strings"),
    ({"Scopes": [1]}, "Scopes must be a list of strings"),
    ({"Scopes": [{}]}, "Scopes must be a list of strings"),
    ({"name": 7}, "Name has the wrong type: it must be a string, got a number"),
    ({"name": None}, "Name is required"),
    ({"OrganizationId": None}, "OrganizationId is required"),
])
def test_bad_requests(server, extra, message) -> None:
    world = build_world(server)
    session = world.session()
    body = {"SessionToken": session, "OrganizationId": world.org_id, "Name": "laptop", "AccountId": "123456789012"}
    if "name" in extra:
        body["Name"] = extra.pop("name")
    body.update(extra)
    body = {k: v for k, v in body.items() if not (v is None and k != "Scopes")}
    assert server.control("POST", "/workmail/personal-access-tokens", body) == (
        400, {"__type": "ValidationException", "message": message})
    assert no_tokens(world)


def test_a_missing_session_token(server) -> None:
    world = build_world(server)
    status, body = server.control("POST", "/workmail/personal-access-tokens",
                                  {"OrganizationId": world.org_id, "Name": "laptop"})
    assert (status, body) == (400, {"__type": "ValidationException", "message": "SessionToken is required"})


# -- 404: the organization ----------------------------------------------------------------


def test_unknown_organization(server) -> None:
    world = build_world(server)
    session = world.session()
    elsewhere = [server.client("workmail", account=OTHER_ACCOUNT), server.client("workmail", region="eu-west-1")]
    other_orgs = [client.create_organization(Alias=alias)["OrganizationId"]
                  for client, alias in zip(elsewhere, ("elsewhere", "abroad"), strict=True)]
    # Only the organizations of the account and Region the user signed in to.
    for org in (UNKNOWN_ORG, "not-an-organization", *other_orgs):
        assert world.create_token(session=session, OrganizationId=org) == (
            404, {"__type": "OrganizationNotFoundException", "message": f"The organization {org} was not found."})


# -- 403: access ---------------------------------------------------------------------------


def test_no_configuration(server) -> None:
    world = build_world(server, configure=False)
    assert world.create_token() == denied(
        world, f"Organization {world.org_id} does not use IAM Identity Center, so it has no personal access tokens.")
    # Configured, then the configuration deleted: the same.
    world.put_config()
    session = world.session()
    world.workmail.delete_identity_provider_configuration(OrganizationId=world.org_id)
    assert world.create_token(session=session)[0] == 403
    assert no_tokens(world)


def test_inactive(server) -> None:
    world = build_world(server)
    session = world.session()
    world.put_config(status="INACTIVE")
    assert world.create_token(session=session) == denied(
        world, f"Personal access tokens are INACTIVE in organization {world.org_id}.")
    assert no_tokens(world)
    world.put_config(status="ACTIVE")
    assert world.create_token(session=session)[0] == 200


def test_organization_not_active(server) -> None:
    world = build_world(server)
    session = world.session()
    world.workmail.delete_organization(OrganizationId=world.org_id, DeleteDirectory=True, ForceDelete=True)
    assert world.create_token(session=session) == denied(
        world, f"Organization {world.org_id} is not Active, state: Deleted")


NOT_LINKED = "No mailbox of organization {} is linked to this IAM Identity Center user."


def test_user_not_linked_when_signed_in_before_the_configuration(server) -> None:
    world = build_world(server, configure=False)
    session = world.session()  # no organization uses the instance yet: nothing is linked
    world.put_config()
    assert world.create_token(session=session) == denied(world, NOT_LINKED.format(world.org_id))
    # The next sign-in links the namesake; then it works.
    assert world.create_token(session=world.session(fresh=True))[0] == 200


@pytest.mark.parametrize("link", ["", "0123456789-abcdefab-1234-1234-1234-123456789012"])
def test_user_unlinked_or_linked_to_someone_else(server, link) -> None:
    world = build_world(server)
    session = world.session()
    world.workmail.update_user(OrganizationId=world.org_id, UserId=world.user_id, IdentityProviderUserId=link)
    assert world.create_token(session=session) == denied(world, NOT_LINKED.format(world.org_id))
    assert no_tokens(world)


def test_not_assigned_to_the_application(server) -> None:
    world = build_world(server, assign=False)
    assert world.create_token() == denied(
        world, f"This user may not reach a mailbox of organization {world.org_id}: NOT_ASSIGNED_TO_APPLICATION.")
    assert no_tokens(world)


def test_workmail_user_not_enabled(server) -> None:
    world = build_world(server)
    session = world.session()
    world.workmail.deregister_from_work_mail(OrganizationId=world.org_id, EntityId=world.user_id)
    assert world.create_token(session=session) == denied(
        world, f"This user may not reach a mailbox of organization {world.org_id}: USER_NOT_ENABLED.")
    # Deleted: no mailbox is linked any more.
    world.workmail.delete_user(OrganizationId=world.org_id, UserId=world.user_id)
    assert world.create_token(session=session) == denied(world, NOT_LINKED.format(world.org_id))
    assert no_tokens(world)


def test_an_enabled_mailbox_wins_when_an_admin_linked_two(server) -> None:
    world = build_world(server)
    session = world.session()
    # ann (the older user) is disabled; a newer, enabled user is linked to the same IdC user.
    world.workmail.deregister_from_work_mail(OrganizationId=world.org_id, EntityId=world.user_id)
    newer = world.workmail.create_user(OrganizationId=world.org_id, Name="ann2", DisplayName="Ann",
                                       IdentityProviderUserId=world.idc_user_id)["UserId"]
    world.workmail.register_to_work_mail(OrganizationId=world.org_id, EntityId=newer, Email="ann2@acme.awsapps.com")
    status, body = world.create_token(session=session)
    assert status == 200, body
    assert raw_summary(world, body["PersonalAccessTokenId"])["UserId"] == newer
