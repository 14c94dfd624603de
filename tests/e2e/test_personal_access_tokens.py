"""Personal access tokens, the admin side, end to end with boto3: ListPersonalAccessTokens,
GetPersonalAccessTokenMetadata and DeletePersonalAccessToken — every modelled error, the
summaries' fields, pagination, what is stored of a secret, and durability.

Creating tokens (the control API a signed-in user calls) is tested in test_pat_creation.py.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from tests.e2e.helpers import error_of
from tests.e2e.test_users import OTHER_ACCOUNT
from tests.e2e.test_users_passwords import database_bytes
from tests.e2e.world import DIRECTORY_PASSWORD, IDC_PASSWORD, World, build_world
from workmail_local.testing import LocalServer

DAY = 86400
MAILBOX_PROTOCOLS = ["IMAP", "SMTP", "EWS", "ActiveSync"]
SUMMARY_MEMBERS = {"PersonalAccessTokenId", "UserId", "Name", "DateCreated", "DateLastUsed", "ExpiresTime", "Scopes"}
UNKNOWN_ORG = "m-" + "0" * 32
UNKNOWN_TOKEN = "0123456789abcdef0123456789abcdef"


def add_member(world: World, name: str) -> tuple[str, str]:
    """Another registered WorkMail user with a namesake IdC user assigned to the WorkMail
    application, signed in (which links the two): ``(WorkMail user ID, session token)``."""
    user_id = world.workmail.create_user(OrganizationId=world.org_id, Name=name, DisplayName=name.title(),
                                         Password=DIRECTORY_PASSWORD)["UserId"]
    world.workmail.register_to_work_mail(OrganizationId=world.org_id, EntityId=user_id,
                                         Email=f"{name}@acme.awsapps.com")
    idc_user_id = world.identitystore.create_user(
        IdentityStoreId=world.store_id, UserName=name, DisplayName=name.title(),
        Name={"GivenName": name.title(), "FamilyName": "Example"})["UserId"]
    status, body = world.server.control("POST", "/identitycenter/password", {
        "IdentityStoreId": world.store_id, "UserId": idc_user_id, "Password": IDC_PASSWORD,
        "AccountId": "123456789012"})
    assert status == 200, body
    world.sso.create_application_assignment(ApplicationArn=world.app_arn, PrincipalId=idc_user_id,
                                            PrincipalType="USER")
    status, body = world.sign_in(user_name=name)
    assert status == 200, body
    return user_id, body["SessionToken"]


def created(world: World, session: str | None = None, **extra) -> dict:
    """Create a token (expecting success) and return the creation answer."""
    status, body = world.create_token(session=session, **extra)
    assert status == 200, body
    return body


def raw_summary(world: World, token_id: str) -> dict:
    """GetPersonalAccessTokenMetadata as raw JSON: exact epoch numbers, every member sent."""
    status, _, body = world.server.raw("WorkMailService.GetPersonalAccessTokenMetadata",
                                       {"OrganizationId": world.org_id, "PersonalAccessTokenId": token_id})
    assert status == 200, body
    return body


def summaries(world: World, **params) -> list[dict]:
    return world.workmail.list_personal_access_tokens(OrganizationId=world.org_id, **params)[
        "PersonalAccessTokenSummaries"]


def clock_now(world: World) -> float:
    return world.server.control("GET", "/clock")[1]["now"]


# -- summaries ----------------------------------------------------------------------


def test_a_new_organization_has_no_tokens(workmail, org_id) -> None:
    assert workmail.list_personal_access_tokens(OrganizationId=org_id)["PersonalAccessTokenSummaries"] == []


def test_summary_fields_with_the_default_lifetime_and_scopes(server) -> None:
    world = build_world(server)
    before = clock_now(world)
    answer = created(world, name="laptop")
    after = clock_now(world)

    body = raw_summary(world, answer["PersonalAccessTokenId"])
    assert set(body) == {"PersonalAccessTokenId", "UserId", "Name", "DateCreated", "ExpiresTime", "Scopes"}
    assert body["PersonalAccessTokenId"] == answer["PersonalAccessTokenId"]
    assert body["UserId"] == world.user_id
    assert body["Name"] == "laptop"
    assert body["Scopes"] == MAILBOX_PROTOCOLS
    assert before <= body["DateCreated"] <= after
    assert body["ExpiresTime"] == round(body["DateCreated"] + 365 * DAY, 3) == answer["ExpiresTime"]

    # boto3 reads the same summary, in the list and from Get.
    (summary,) = summaries(world)
    assert "DateLastUsed" not in summary
    assert summary["ExpiresTime"] - summary["DateCreated"] == timedelta(days=365)
    metadata = world.workmail.get_personal_access_token_metadata(
        OrganizationId=world.org_id, PersonalAccessTokenId=answer["PersonalAccessTokenId"])
    metadata.pop("ResponseMetadata")
    assert metadata == summary


def test_a_custom_lifetime_is_fixed_at_creation(server) -> None:
    world = build_world(server)
    world.put_config(lifetime=30)
    short = created(world)
    world.put_config(lifetime=3653)
    long = created(world)
    first, second = raw_summary(world, short["PersonalAccessTokenId"]), raw_summary(world, long["PersonalAccessTokenId"])
    assert first["ExpiresTime"] == round(first["DateCreated"] + 30 * DAY, 3)
    assert second["ExpiresTime"] == round(second["DateCreated"] + 3653 * DAY, 3)


def test_chosen_scopes_are_listed(server) -> None:
    world = build_world(server)
    answer = created(world, Scopes=["SMTP", "IMAP"])
    assert raw_summary(world, answer["PersonalAccessTokenId"])["Scopes"] == ["SMTP", "IMAP"]


def test_date_last_used_is_set_by_each_successful_use_only(server) -> None:
    world = build_world(server)
    answer = created(world, Scopes=["IMAP"])
    token_id, secret = answer["PersonalAccessTokenId"], answer["Token"]

    # Refused uses leave it unset.
    assert world.authenticate(secret, "SMTP")["Authenticated"] is False
    assert world.authenticate(secret, "WEB")["Authenticated"] is False
    assert "DateLastUsed" not in raw_summary(world, token_id)

    before = clock_now(world)
    assert world.authenticate(secret, "IMAP")["Authenticated"] is True
    first_use = raw_summary(world, token_id)["DateLastUsed"]
    assert before <= first_use <= clock_now(world)
    (summary,) = summaries(world)
    assert summary["DateLastUsed"].timestamp() == pytest.approx(first_use, abs=1e-3)

    server.control("POST", "/clock", {"advance_seconds": 3600})
    assert world.authenticate(secret, "IMAP")["Authenticated"] is True
    assert raw_summary(world, token_id)["DateLastUsed"] > first_use + 3599


def test_the_admin_api_never_returns_the_secret(server) -> None:
    world = build_world(server)
    answer = created(world)
    secret = answer["Token"]
    for target, body in (
        ("ListPersonalAccessTokens", {"OrganizationId": world.org_id}),
        ("ListPersonalAccessTokens", {"OrganizationId": world.org_id, "UserId": world.user_id}),
        ("GetPersonalAccessTokenMetadata", {"OrganizationId": world.org_id,
                                            "PersonalAccessTokenId": answer["PersonalAccessTokenId"]}),
    ):
        status, _, payload = server.raw(f"WorkMailService.{target}", body)
        assert status == 200
        text = repr(payload)
        assert secret not in text and secret.removeprefix("wmpat_") not in text
    for summary in summaries(world):
        assert set(summary) <= SUMMARY_MEMBERS


# -- list: scope and pagination ------------------------------------------------------


def test_list_the_whole_organization_or_one_user(server) -> None:
    world = build_world(server)
    ann_session = world.session()
    bob_id, bob_session = add_member(world, "bob")
    ann_tokens = [created(world, ann_session, name=f"ann-{i}")["PersonalAccessTokenId"] for i in range(3)]
    bob_tokens = [created(world, bob_session, name=f"bob-{i}")["PersonalAccessTokenId"] for i in range(2)]

    everything = summaries(world)
    assert sorted(s["PersonalAccessTokenId"] for s in everything) == sorted(ann_tokens + bob_tokens)
    assert [s["DateCreated"] for s in everything] == sorted(s["DateCreated"] for s in everything)
    assert {s["PersonalAccessTokenId"] for s in summaries(world, UserId=bob_id)} == set(bob_tokens)
    assert {s["UserId"] for s in summaries(world, UserId=bob_id)} == {bob_id}
    # The user may be named by ID (any case), user name or email address, like every EntityIdentifier.
    for identifier in (world.user_id, world.user_id.upper(), "ann", "ANN", world.email):
        assert {s["PersonalAccessTokenId"] for s in summaries(world, UserId=identifier)} == set(ann_tokens)


def test_a_user_without_tokens_lists_none(server) -> None:
    world = build_world(server)
    created(world)
    bob_id, _ = add_member(world, "bob")
    assert summaries(world, UserId=bob_id) == []
    # A DISABLED user's tokens can still be listed.
    world.workmail.deregister_from_work_mail(OrganizationId=world.org_id, EntityId=world.user_id)
    assert len(summaries(world, UserId=world.user_id)) == 1


@pytest.mark.parametrize("user", [None, "ann"])
def test_pagination(server, user) -> None:
    world = build_world(server)
    ann_session = world.session()
    _, bob_session = add_member(world, "bob")
    made = [created(world, ann_session, name=f"ann-{i}")["PersonalAccessTokenId"] for i in range(5)]
    bob_made = [created(world, bob_session, name=f"bob-{i}")["PersonalAccessTokenId"] for i in range(2)]
    expected = made if user else made + bob_made
    scope = {"UserId": user} if user else {}

    pages = list(world.workmail.get_paginator("list_personal_access_tokens").paginate(
        OrganizationId=world.org_id, PaginationConfig={"PageSize": 2}, **scope))
    sizes = [len(page["PersonalAccessTokenSummaries"]) for page in pages]
    assert sizes == [2] * (len(expected) // 2) + ([len(expected) % 2] if len(expected) % 2 else [])
    assert all("NextToken" in page for page in pages[:-1]) and "NextToken" not in pages[-1]
    seen = [s["PersonalAccessTokenId"] for page in pages for s in page["PersonalAccessTokenSummaries"]]
    assert sorted(seen) == sorted(expected) and len(set(seen)) == len(seen)
    # Without MaxResults, one page holds them all.
    assert "NextToken" not in world.workmail.list_personal_access_tokens(OrganizationId=world.org_id, **scope)


def test_a_page_token_is_bound_to_its_query(server) -> None:
    world = build_world(server)
    session = world.session()
    for i in range(3):
        created(world, session, name=f"t{i}")
    token = world.workmail.list_personal_access_tokens(OrganizationId=world.org_id, MaxResults=1)["NextToken"]
    expected = ("InvalidParameterException", "The NextToken is invalid or was issued for a different request.")
    with pytest.raises(ClientError) as exc:
        world.workmail.list_personal_access_tokens(OrganizationId=world.org_id, UserId=world.user_id,
                                                   NextToken=token)
    assert error_of(exc) == expected
    with pytest.raises(ClientError) as exc:
        world.workmail.list_personal_access_tokens(OrganizationId=world.org_id, NextToken="not-a-token")
    assert error_of(exc) == expected
    other_org = world.workmail.create_organization(Alias="other")["OrganizationId"]
    with pytest.raises(ClientError) as exc:
        world.workmail.list_personal_access_tokens(OrganizationId=other_org, NextToken=token)
    assert error_of(exc) == expected


# -- delete, and what admins may do whatever the PAT status -------------------------


def test_delete_removes_the_token_and_absent_tokens_delete_fine(server) -> None:
    world = build_world(server)
    keep, drop = created(world, name="keep"), created(world, name="drop")
    reply = world.workmail.delete_personal_access_token(OrganizationId=world.org_id,
                                                        PersonalAccessTokenId=drop["PersonalAccessTokenId"])
    assert reply["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert [s["PersonalAccessTokenId"] for s in summaries(world)] == [keep["PersonalAccessTokenId"]]
    assert world.authenticate(drop["Token"])["Authenticated"] is False
    assert world.authenticate(keep["Token"])["Authenticated"] is True
    # Deleting it again, or a token that never was: 200 with an empty body.
    for token_id in (drop["PersonalAccessTokenId"], UNKNOWN_TOKEN):
        status, _, body = server.raw("WorkMailService.DeletePersonalAccessToken",
                                     {"OrganizationId": world.org_id, "PersonalAccessTokenId": token_id})
        assert (status, body) == (200, {})


def test_admin_operations_work_whatever_the_token_status(server) -> None:
    world = build_world(server)
    session = world.session()
    first, second = created(world, session), created(world, session)
    world.put_config(status="INACTIVE")
    assert len(summaries(world)) == 2
    assert len(summaries(world, UserId=world.user_id)) == 2
    world.workmail.get_personal_access_token_metadata(OrganizationId=world.org_id,
                                                      PersonalAccessTokenId=first["PersonalAccessTokenId"])
    world.workmail.delete_personal_access_token(OrganizationId=world.org_id,
                                                PersonalAccessTokenId=first["PersonalAccessTokenId"])
    # And with no configuration at all: the tokens are kept (unusable) and admins still see them.
    world.workmail.delete_identity_provider_configuration(OrganizationId=world.org_id)
    assert [s["PersonalAccessTokenId"] for s in summaries(world)] == [second["PersonalAccessTokenId"]]
    world.put_config()
    assert world.authenticate(second["Token"])["Authenticated"] is True


def test_a_deleted_users_tokens_are_gone_for_admins(server) -> None:
    world = build_world(server)
    ann = created(world)
    bob_id, bob_session = add_member(world, "bob")
    bob = created(world, bob_session)
    world.workmail.deregister_from_work_mail(OrganizationId=world.org_id, EntityId=world.user_id)
    world.workmail.delete_user(OrganizationId=world.org_id, UserId=world.user_id)
    assert [s["UserId"] for s in summaries(world)] == [bob_id]
    with pytest.raises(ClientError) as exc:
        world.workmail.get_personal_access_token_metadata(OrganizationId=world.org_id,
                                                          PersonalAccessTokenId=ann["PersonalAccessTokenId"])
    assert error_of(exc)[0] == "ResourceNotFoundException"
    assert raw_summary(world, bob["PersonalAccessTokenId"])["UserId"] == bob_id


# -- modelled errors -------------------------------------------------------------------


def test_list_errors_for_the_user(server) -> None:
    world = build_world(server)
    with pytest.raises(ClientError) as exc:
        summaries(world, UserId="nobody")
    assert error_of(exc) == ("EntityNotFoundException", f"The user nobody was not found in organization {world.org_id}.")

    bob_id, _ = add_member(world, "bob")
    world.workmail.deregister_from_work_mail(OrganizationId=world.org_id, EntityId=bob_id)
    world.workmail.delete_user(OrganizationId=world.org_id, UserId=bob_id)
    with pytest.raises(ClientError) as exc:
        summaries(world, UserId=bob_id)
    assert error_of(exc) == ("EntityStateException", f"The user {bob_id} is DELETED.")


def test_get_unknown_token(server) -> None:
    world = build_world(server)
    answer = created(world)
    other_org = world.workmail.create_organization(Alias="other")["OrganizationId"]
    for org, token_id in ((world.org_id, UNKNOWN_TOKEN), (other_org, answer["PersonalAccessTokenId"])):
        with pytest.raises(ClientError) as exc:
            world.workmail.get_personal_access_token_metadata(OrganizationId=org, PersonalAccessTokenId=token_id)
        assert error_of(exc) == ("ResourceNotFoundException",
                                 f"The personal access token {token_id} was not found in organization {org}.")
    # Deleting it through the other organization does nothing.
    world.workmail.delete_personal_access_token(OrganizationId=other_org,
                                                PersonalAccessTokenId=answer["PersonalAccessTokenId"])
    assert len(summaries(world)) == 1
    world.workmail.delete_personal_access_token(OrganizationId=world.org_id,
                                                PersonalAccessTokenId=answer["PersonalAccessTokenId"])
    with pytest.raises(ClientError) as exc:
        world.workmail.get_personal_access_token_metadata(OrganizationId=world.org_id,
                                                          PersonalAccessTokenId=answer["PersonalAccessTokenId"])
    assert error_of(exc)[0] == "ResourceNotFoundException"


def _calls(org_id: str) -> list[tuple[str, dict]]:
    return [
        ("list_personal_access_tokens", {"OrganizationId": org_id}),
        ("list_personal_access_tokens", {"OrganizationId": org_id, "UserId": "ann"}),
        ("get_personal_access_token_metadata", {"OrganizationId": org_id, "PersonalAccessTokenId": UNKNOWN_TOKEN}),
        ("delete_personal_access_token", {"OrganizationId": org_id, "PersonalAccessTokenId": UNKNOWN_TOKEN}),
    ]


def test_organization_not_found(server) -> None:
    world = build_world(server)
    elsewhere = (server.client("workmail", account=OTHER_ACCOUNT), server.client("workmail", region="eu-west-1"))
    for client, org in ((world.workmail, UNKNOWN_ORG), (elsewhere[0], world.org_id), (elsewhere[1], world.org_id)):
        for method, params in _calls(org):
            with pytest.raises(ClientError) as exc:
                getattr(client, method)(**params)
            assert error_of(exc) == ("OrganizationNotFoundException", f"The organization {org} was not found."), method


def test_organization_not_active(server) -> None:
    world = build_world(server)
    created(world)
    world.workmail.delete_organization(OrganizationId=world.org_id, DeleteDirectory=True, ForceDelete=True)
    for method, params in _calls(world.org_id):
        with pytest.raises(ClientError) as exc:
            getattr(world.workmail, method)(**params)
        assert error_of(exc) == ("OrganizationStateException",
                                 f"Organization {world.org_id} is not Active, state: Deleted"), method


def test_invalid_parameters_boto3_sends(workmail, org_id) -> None:
    bad_org = "m-" + "A" * 32
    cases = [
        ("list_personal_access_tokens", {"OrganizationId": org_id, "MaxResults": 101},
         "Value '101' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 100"),
        ("list_personal_access_tokens", {"OrganizationId": bad_org},
         f"Value '{bad_org}' at 'organizationId' failed to satisfy constraint: Member must satisfy regular "
         "expression pattern: ^m-[0-9a-f]{32}$"),
        # Model patterns are searched, not full-matched: only a value without one allowed character fails.
        ("list_personal_access_tokens", {"OrganizationId": org_id, "UserId": "#$"},
         "Value '#$' at 'userId' failed to satisfy constraint: Member must satisfy regular expression "
         "pattern: [a-zA-Z0-9._%+@-]+"),
        ("get_personal_access_token_metadata", {"OrganizationId": org_id, "PersonalAccessTokenId": "!!"},
         "Value '!!' at 'personalAccessTokenId' failed to satisfy constraint: Member must satisfy regular "
         "expression pattern: [a-zA-Z0-9_-]+"),
        ("delete_personal_access_token", {"OrganizationId": org_id, "PersonalAccessTokenId": "a" * 65},
         f"Value '{'a' * 65}' at 'personalAccessTokenId' failed to satisfy constraint: Member must have length "
         "less than or equal to 64"),
    ]
    for method, params, message in cases:
        with pytest.raises(ClientError) as exc:
            getattr(workmail, method)(**params)
        assert error_of(exc) == ("InvalidParameterException", f"1 validation error detected: {message}"), method


def test_invalid_parameters_over_raw_http(server, org_id) -> None:
    cases = [
        ("ListPersonalAccessTokens", {}, "1 validation error detected: Value null at 'organizationId' failed to "
         "satisfy constraint: Member must not be null"),
        ("ListPersonalAccessTokens", {"OrganizationId": org_id, "MaxResults": 0}, "1 validation error detected: "
         "Value '0' at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 1"),
        ("ListPersonalAccessTokens", {"OrganizationId": org_id, "UserId": ""}, "2 validation errors detected: "
         "Value '' at 'userId' failed to satisfy constraint: Member must have length greater than or equal to 1; "
         "Value '' at 'userId' failed to satisfy constraint: Member must satisfy regular expression pattern: "
         "[a-zA-Z0-9._%+@-]+"),
        ("GetPersonalAccessTokenMetadata", {"OrganizationId": org_id}, "1 validation error detected: Value null at "
         "'personalAccessTokenId' failed to satisfy constraint: Member must not be null"),
        ("DeletePersonalAccessToken", {"OrganizationId": org_id, "PersonalAccessTokenId": ""},
         "2 validation errors detected: Value '' at 'personalAccessTokenId' failed to satisfy constraint: Member "
         "must have length greater than or equal to 1; Value '' at 'personalAccessTokenId' failed to satisfy "
         "constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_-]+"),
    ]
    for target, body, message in cases:
        status, _, answer = server.raw(f"WorkMailService.{target}", body)
        assert (status, answer) == (400, {"__type": "InvalidParameterException", "message": message}), target


# -- what is stored, and durability -----------------------------------------------------


def test_the_secret_is_stored_only_as_a_hash_and_tokens_survive_a_restart(data_dir: Path) -> None:
    with LocalServer(data_dir=data_dir) as server:
        world = build_world(server)
        answer = created(world, Scopes=["IMAP", "SMTP"])
        secret = answer["Token"]
        assert world.authenticate(secret)["Authenticated"] is True
        before = raw_summary(world, answer["PersonalAccessTokenId"])
        stored = database_bytes(data_dir)
        assert hashlib.sha256(secret.encode()).hexdigest().encode() in stored
        assert secret.encode() not in stored and secret.removeprefix("wmpat_").encode() not in stored
        assert secret not in server.log()

    with LocalServer(data_dir=data_dir) as server:
        world.server, world.workmail = server, server.client("workmail")
        assert raw_summary(world, answer["PersonalAccessTokenId"]) == before
        assert [s["PersonalAccessTokenId"] for s in summaries(world, UserId="ann")] == [answer["PersonalAccessTokenId"]]
        assert world.authenticate(secret, "SMTP")["Authenticated"] is True
        assert world.authenticate(secret, "EWS")["Authenticated"] is False
        stored = database_bytes(data_dir)
        assert secret.encode() not in stored and secret.removeprefix("wmpat_").encode() not in stored
