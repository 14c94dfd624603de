"""Impersonation roles through boto3 (Create, Update, Delete, Get, List,
GetImpersonationRoleEffect, AssumeImpersonationRole) and impersonated EWS logins at the
mailbox authentication endpoint."""

from __future__ import annotations

import sqlite3

import pytest
from botocore.exceptions import ClientError

from tests.e2e.helpers import code_of, pattern

NO_SUCH_USER = "12345678-1234-1234-1234-123456789012"


@pytest.fixture
def users(workmail, org_id) -> dict[str, str]:
    """Registered users ann, bob and cat (name → ID)."""
    ids = {}
    for name in ("ann", "bob", "cat"):
        user_id = workmail.create_user(OrganizationId=org_id, Name=name, DisplayName=name.title(),
                                       Password="Passw0rd!x")["UserId"]
        workmail.register_to_work_mail(OrganizationId=org_id, EntityId=user_id, Email=f"{name}@acme.awsapps.com")
        ids[name] = user_id
    return ids


def create(workmail, org_id: str, rules: list[dict], name: str = "app", role_type: str = "FULL_ACCESS",
           **extra) -> str:
    return workmail.create_impersonation_role(OrganizationId=org_id, Name=name, Type=role_type, Rules=rules,
                                              **extra)["ImpersonationRoleId"]


def role_effect(workmail, org_id: str, role_id: str, target: str) -> tuple[str, str, list]:
    answer = workmail.get_impersonation_role_effect(OrganizationId=org_id, ImpersonationRoleId=role_id,
                                                    TargetUser=target)
    return answer["Type"], answer["Effect"], answer["MatchedRules"]


def ews(server, token: str, target: str, **extra) -> dict:
    status, body = server.control("POST", "/mailbox/authenticate", {
        "Protocol": "EWS", "ImpersonationToken": token, "TargetUser": target, **extra})
    assert status == 200, body
    return body


def assume(workmail, org_id: str, role_id: str) -> str:
    answer = workmail.assume_impersonation_role(OrganizationId=org_id, ImpersonationRoleId=role_id)
    assert answer["ExpiresIn"] == 900
    assert pattern("workmail", "ImpersonationToken").search(answer["Token"])
    return answer["Token"]


def test_create_get_list_update_delete(workmail, org_id, users, server) -> None:
    rules = [{"ImpersonationRuleId": "r1", "Name": "staff", "Description": "ann by email, bob by name",
              "Effect": "ALLOW", "TargetUsers": ["ann@acme.awsapps.com", "bob"]},
             {"ImpersonationRuleId": "r2", "Effect": "DENY", "NotTargetUsers": [users["cat"]]}]
    role_id = create(workmail, org_id, rules, Description="reads mail")
    assert pattern("workmail", "ImpersonationRoleId").search(role_id)
    got = workmail.get_impersonation_role(OrganizationId=org_id, ImpersonationRoleId=role_id)
    got.pop("ResponseMetadata")
    created = got.pop("DateCreated")
    assert got.pop("DateModified") == created
    assert got == {"ImpersonationRoleId": role_id, "Name": "app", "Type": "FULL_ACCESS",
                   "Description": "reads mail", "Rules": rules}  # targets echoed as given

    server.control("POST", "/clock", {"advance_seconds": 60})
    workmail.update_impersonation_role(OrganizationId=org_id, ImpersonationRoleId=role_id, Name="renamed",
                                       Type="READ_ONLY", Rules=[{"ImpersonationRuleId": "all", "Effect": "ALLOW"}])
    got = workmail.get_impersonation_role(OrganizationId=org_id, ImpersonationRoleId=role_id)
    assert (got["Name"], got["Type"], got["Rules"]) == ("renamed", "READ_ONLY",
                                                        [{"ImpersonationRuleId": "all", "Effect": "ALLOW"}])
    assert "Description" not in got  # omitted on update: cleared
    assert got["DateCreated"] == created and got["DateModified"].timestamp() - created.timestamp() >= 59

    listed = workmail.list_impersonation_roles(OrganizationId=org_id)["Roles"]
    assert listed == [{"ImpersonationRoleId": role_id, "Name": "renamed", "Type": "READ_ONLY",
                       "DateCreated": got["DateCreated"], "DateModified": got["DateModified"]}]
    workmail.delete_impersonation_role(OrganizationId=org_id, ImpersonationRoleId=role_id)
    workmail.delete_impersonation_role(OrganizationId=org_id, ImpersonationRoleId=role_id)  # again: fine
    assert workmail.list_impersonation_roles(OrganizationId=org_id)["Roles"] == []


def test_client_token_replay_returns_the_same_role(workmail, org_id) -> None:
    first = create(workmail, org_id, [], ClientToken="once")
    assert create(workmail, org_id, [], ClientToken="once") == first
    assert len(workmail.list_impersonation_roles(OrganizationId=org_id)["Roles"]) == 1
    with pytest.raises(ClientError) as exc:
        create(workmail, org_id, [], name="other", ClientToken="once")
    assert code_of(exc) == "InvalidParameterException"


def test_twenty_roles_at_most_and_pages(workmail, org_id) -> None:
    ids = [create(workmail, org_id, [], name=f"role{i}") for i in range(20)]
    with pytest.raises(ClientError) as exc:
        create(workmail, org_id, [], name="one-too-many")
    assert code_of(exc) == "LimitExceededException"
    seen, token = [], None
    while True:
        page = workmail.list_impersonation_roles(OrganizationId=org_id, MaxResults=7,
                                                 **({"NextToken": token} if token else {}))
        assert len(page["Roles"]) <= 7
        seen += [r["ImpersonationRoleId"] for r in page["Roles"]]
        token = page.get("NextToken")
        if not token:
            break
    assert seen == ids


def test_target_errors_on_create_and_update(workmail, org_id, users) -> None:
    workmail.deregister_from_work_mail(OrganizationId=org_id, EntityId=users["cat"])
    workmail.delete_user(OrganizationId=org_id, UserId=users["cat"])
    role_id = create(workmail, org_id, [])
    cases = [
        ([{"ImpersonationRuleId": "a", "Effect": "ALLOW", "TargetUsers": ["ann", NO_SUCH_USER]}],
         "EntityNotFoundException"),
        ([{"ImpersonationRuleId": "a", "Effect": "ALLOW", "NotTargetUsers": ["nobody@acme.awsapps.com"]}],
         "EntityNotFoundException"),
        ([{"ImpersonationRuleId": "a", "Effect": "ALLOW", "TargetUsers": [users["cat"]]}], "EntityStateException"),
        ([{"ImpersonationRuleId": "a", "Effect": "ALLOW"}, {"ImpersonationRuleId": "a", "Effect": "DENY"}],
         "InvalidParameterException"),
    ]
    for rules, expected in cases:
        with pytest.raises(ClientError) as exc:
            create(workmail, org_id, rules, name="bad")
        assert code_of(exc) == expected, rules
        with pytest.raises(ClientError) as exc:
            workmail.update_impersonation_role(OrganizationId=org_id, ImpersonationRoleId=role_id, Name="bad",
                                               Type="READ_ONLY", Rules=rules)
        assert code_of(exc) == expected, rules


def test_unknown_roles(workmail, org_id, users) -> None:
    calls = [
        lambda: workmail.get_impersonation_role(OrganizationId=org_id, ImpersonationRoleId="nope"),
        lambda: workmail.update_impersonation_role(OrganizationId=org_id, ImpersonationRoleId="nope", Name="x",
                                                   Type="READ_ONLY", Rules=[]),
        lambda: workmail.assume_impersonation_role(OrganizationId=org_id, ImpersonationRoleId="nope"),
        lambda: workmail.get_impersonation_role_effect(OrganizationId=org_id, ImpersonationRoleId="nope",
                                                       TargetUser="ann"),
    ]
    for call in calls:
        with pytest.raises(ClientError) as exc:
            call()
        assert code_of(exc) == "ResourceNotFoundException"


def test_effect_table(workmail, org_id, users) -> None:
    ann, bob, cat = users["ann"], users["bob"], users["cat"]
    nobody = create(workmail, org_id, [], name="nobody")
    assert role_effect(workmail, org_id, nobody, "ann") == ("FULL_ACCESS", "DENY", [])
    everyone = create(workmail, org_id, [{"ImpersonationRuleId": "all", "Name": "All", "Effect": "ALLOW"}],
                      name="everyone", role_type="READ_ONLY")
    for target in ("ann", ann, "bob@acme.awsapps.com", "CAT"):
        assert role_effect(workmail, org_id, everyone, target) == (
            "READ_ONLY", "ALLOW", [{"ImpersonationRuleId": "all", "Name": "All"}])
    mixed = create(workmail, org_id, [
        {"ImpersonationRuleId": "some", "Effect": "ALLOW", "TargetUsers": ["ann", "bob"]},
        {"ImpersonationRuleId": "not-bob", "Effect": "DENY", "TargetUsers": ["bob"]},
        {"ImpersonationRuleId": "others", "Effect": "DENY", "NotTargetUsers": ["ann", "bob"]},
    ], name="mixed")
    assert role_effect(workmail, org_id, mixed, ann) == ("FULL_ACCESS", "ALLOW", [{"ImpersonationRuleId": "some"}])
    assert role_effect(workmail, org_id, mixed, bob) == ("FULL_ACCESS", "DENY", [{"ImpersonationRuleId": "not-bob"}])
    assert role_effect(workmail, org_id, mixed, cat) == ("FULL_ACCESS", "DENY", [{"ImpersonationRuleId": "others"}])
    with pytest.raises(ClientError) as exc:
        role_effect(workmail, org_id, mixed, NO_SUCH_USER)
    assert code_of(exc) == "EntityNotFoundException"
    workmail.deregister_from_work_mail(OrganizationId=org_id, EntityId=cat)
    workmail.delete_user(OrganizationId=org_id, UserId=cat)
    with pytest.raises(ClientError) as exc:
        role_effect(workmail, org_id, mixed, cat)
    assert code_of(exc) == "EntityStateException"


def test_impersonated_ews_login(workmail, org_id, users, server) -> None:
    role_id = create(workmail, org_id, [
        {"ImpersonationRuleId": "staff", "Effect": "ALLOW", "NotTargetUsers": ["cat"]}], role_type="READ_ONLY")
    token = assume(workmail, org_id, role_id)
    for target in ("ann", "ann@acme.awsapps.com", users["ann"], "BOB"):
        answer = ews(server, token, target, OrganizationId=org_id, SourceIp="10.0.0.1")
        assert answer["Authenticated"] is True, answer
        assert answer["ImpersonationRoleId"] == role_id and answer["Type"] == "READ_ONLY"
        assert answer["Method"] == "IMPERSONATION_ROLE" and answer["OrganizationId"] == org_id
        assert "MatchedRules" not in answer
    assert ews(server, token, "ann")["UserId"] == users["ann"]
    assert ews(server, token, "cat")["Reason"] == "IMPERSONATION_RULE_DENIED"
    assert ews(server, token, "nobody")["Reason"] == "UNKNOWN_USER"
    assert ews(server, "wmimp_not-a-token", "ann")["Reason"] == "INVALID_IMPERSONATION_TOKEN"
    other = workmail.create_organization(Alias="other")["OrganizationId"]
    assert ews(server, token, "ann", OrganizationId=other)["Reason"] == "INVALID_IMPERSONATION_TOKEN"
    workmail.deregister_from_work_mail(OrganizationId=org_id, EntityId=users["bob"])
    assert ews(server, token, "bob")["Reason"] == "USER_NOT_ENABLED"

    # The access control rules apply to the role (EWS only), not to the user impersonated.
    workmail.put_access_control_rule(OrganizationId=org_id, Name="no-app", Effect="DENY", Description="x",
                                     ImpersonationRoleIds=[role_id], IpRanges=["10.0.0.0/8"])
    assert ews(server, token, "ann", SourceIp="10.1.1.1") == {
        "Authenticated": False, "Reason": "ACCESS_CONTROL_RULE_DENIED", "MatchedRules": ["no-app"],
        "ImpersonationRoleId": role_id, "Type": "READ_ONLY"}
    assert ews(server, token, "ann", SourceIp="192.168.0.1")["Authenticated"] is True
    workmail.put_access_control_rule(OrganizationId=org_id, Name="no-ann", Effect="DENY", Description="x",
                                     UserIds=[users["ann"]])
    assert ews(server, token, "ann", SourceIp="192.168.0.1")["Authenticated"] is True

    # Tokens last 900 seconds on the emulator's clock.
    server.control("POST", "/clock", {"advance_seconds": 899})
    assert ews(server, token, "ann")["Authenticated"] is True
    fresh = assume(workmail, org_id, role_id)
    server.control("POST", "/clock", {"advance_seconds": 2})
    assert ews(server, token, "ann")["Reason"] == "IMPERSONATION_TOKEN_EXPIRED"
    assert ews(server, fresh, "ann")["Authenticated"] is True
    # Deleting the role revokes its tokens.
    workmail.delete_impersonation_role(OrganizationId=org_id, ImpersonationRoleId=role_id)
    assert ews(server, fresh, "ann")["Reason"] == "INVALID_IMPERSONATION_TOKEN"


def test_impersonation_requests_the_endpoint_refuses(server, workmail, org_id) -> None:
    role_id = create(workmail, org_id, [])
    token = assume(workmail, org_id, role_id)
    for body in ({"Protocol": "IMAP", "ImpersonationToken": token, "TargetUser": "ann"},
                 {"Protocol": "EWS", "ImpersonationToken": token},
                 {"Protocol": "EWS", "ImpersonationToken": token, "TargetUser": "ann", "SourceIp": "not-an-ip"}):
        status, answer = server.control("POST", "/mailbox/authenticate", body)
        assert status == 400 and answer["__type"] == "ValidationException", body


def test_organization_errors_isolation_and_deletion(workmail, org_id, users, server, live_server) -> None:
    role_id = create(workmail, org_id, [{"ImpersonationRuleId": "a", "Effect": "ALLOW"}])
    token = assume(workmail, org_id, role_id)
    calls = [
        lambda wm: create(wm, org_id, []),
        lambda wm: wm.update_impersonation_role(OrganizationId=org_id, ImpersonationRoleId=role_id, Name="x",
                                                Type="READ_ONLY", Rules=[]),
        lambda wm: wm.delete_impersonation_role(OrganizationId=org_id, ImpersonationRoleId=role_id),
        lambda wm: wm.get_impersonation_role(OrganizationId=org_id, ImpersonationRoleId=role_id),
        lambda wm: wm.list_impersonation_roles(OrganizationId=org_id),
        lambda wm: wm.get_impersonation_role_effect(OrganizationId=org_id, ImpersonationRoleId=role_id,
                                                    TargetUser="ann"),
        lambda wm: wm.assume_impersonation_role(OrganizationId=org_id, ImpersonationRoleId=role_id),
    ]
    for client in (server.client("workmail", account="210987654321"), server.client("workmail", region="eu-west-1")):
        for call in calls:
            with pytest.raises(ClientError) as exc:
                call(client)
            assert code_of(exc) == "OrganizationNotFoundException"
    workmail.delete_organization(OrganizationId=org_id, DeleteDirectory=True, ForceDelete=True)
    for call in calls:
        with pytest.raises(ClientError) as exc:
            call(workmail)
        assert code_of(exc) == "OrganizationStateException"
    assert ews(server, token, "ann")["Reason"] == "INVALID_IMPERSONATION_TOKEN"
    if live_server.data_dir is not None:  # the rows are gone, not only unreachable
        with sqlite3.connect(live_server.data_dir / "workmail-local.sqlite3") as db:
            for table in ("access_control_rules", "mobile_device_access_rules", "impersonation_roles",
                          "impersonation_tokens"):
                assert db.execute(f"SELECT COUNT(*) FROM {table} WHERE organization_id = ?",  # noqa: S608
                                  (org_id,)).fetchone() == (0,), table
