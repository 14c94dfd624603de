"""Access control rules through boto3: Put, Delete, List, GetAccessControlEffect — the
default rule, replacement, limits, every modelled error and the evaluation table."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from tests.e2e.helpers import code_of, error_of
from tests.e2e.test_awscli import aws, ok  # noqa: F401 - aws is a fixture
from workmail_local.testing import LocalServer

DEFAULT = {"Name": "default", "Effect": "ALLOW", "Description": "Default WorkMail Rule"}


def rules_of(workmail, org_id: str) -> list[dict]:
    return workmail.list_access_control_rules(OrganizationId=org_id)["Rules"]


def stripped(rule: dict) -> dict:
    return {k: v for k, v in rule.items() if k not in ("DateCreated", "DateModified")}


def effect(workmail, org_id: str, action: str = "IMAP", ip: str = "10.0.0.1", **principal: str) -> tuple[str, list]:
    answer = workmail.get_access_control_effect(OrganizationId=org_id, IpAddress=ip, Action=action, **principal)
    return answer["Effect"], answer["MatchedRules"]


def put(workmail, org_id: str, name: str, rule_effect: str = "DENY", **conditions) -> None:
    workmail.put_access_control_rule(OrganizationId=org_id, Name=name, Effect=rule_effect,
                                     Description=f"rule {name}", **conditions)


@pytest.fixture
def users(workmail, org_id) -> tuple[str, str]:
    return tuple(workmail.create_user(OrganizationId=org_id, Name=n, DisplayName=n, Password="Passw0rd!x")["UserId"]
                 for n in ("ann", "bob"))


@pytest.fixture
def role_id(workmail, org_id) -> str:
    return workmail.create_impersonation_role(OrganizationId=org_id, Name="app", Type="READ_ONLY",
                                              Rules=[])["ImpersonationRoleId"]


def test_a_new_organization_lists_the_default_rule_exactly(workmail, org_id) -> None:
    raw = workmail.list_access_control_rules(OrganizationId=org_id)["Rules"]
    assert len(raw) == 1
    rule = raw[0]
    assert stripped(rule) == DEFAULT
    assert rule["DateCreated"].timestamp() == 0 and rule["DateModified"].timestamp() == 0


def test_put_creates_lists_in_creation_order_and_omits_unset_members(workmail, org_id, users) -> None:
    put(workmail, org_id, "zeta", UserIds=[users[0]])
    put(workmail, org_id, "alpha", "ALLOW", IpRanges=["10.0.0.0/8"], NotIpRanges=["10.9.0.0/16"],
        Actions=["IMAP", "EWS"], NotActions=["SMTP"], NotUserIds=[users[1]])
    rules = rules_of(workmail, org_id)
    assert [r["Name"] for r in rules] == ["default", "zeta", "alpha"]
    assert stripped(rules[1]) == {"Name": "zeta", "Effect": "DENY", "Description": "rule zeta", "UserIds": [users[0]]}
    assert stripped(rules[2]) == {"Name": "alpha", "Effect": "ALLOW", "Description": "rule alpha",
                                  "IpRanges": ["10.0.0.0/8"], "NotIpRanges": ["10.9.0.0/16"],
                                  "Actions": ["IMAP", "EWS"], "NotActions": ["SMTP"], "NotUserIds": [users[1]]}
    assert rules[1]["DateCreated"] == rules[1]["DateModified"] and rules[1]["DateCreated"].timestamp() > 0


def test_put_on_an_existing_name_replaces_keeping_date_created_and_place(workmail, org_id, server) -> None:
    put(workmail, org_id, "first", IpRanges=["10.0.0.0/8"])
    put(workmail, org_id, "second")
    created = rules_of(workmail, org_id)[1]["DateCreated"]
    server.control("POST", "/clock", {"advance_seconds": 60})
    put(workmail, org_id, "first", "ALLOW", Actions=["IMAP"])
    rules = rules_of(workmail, org_id)
    assert [r["Name"] for r in rules] == ["default", "first", "second"]
    assert stripped(rules[1]) == {"Name": "first", "Effect": "ALLOW", "Description": "rule first",
                                  "Actions": ["IMAP"]}
    assert rules[1]["DateCreated"] == created
    assert rules[1]["DateModified"].timestamp() - created.timestamp() >= 59
    # The default rule too can be replaced.
    put(workmail, org_id, "default", "DENY")
    assert rules_of(workmail, org_id)[0]["Effect"] == "DENY"
    assert rules_of(workmail, org_id)[0]["DateCreated"].timestamp() == 0


def test_ten_rules_at_most_the_default_included(workmail, org_id) -> None:
    for i in range(9):
        put(workmail, org_id, f"r{i}")
    with pytest.raises(ClientError) as exc:
        put(workmail, org_id, "eleventh")
    assert code_of(exc) == "LimitExceededException"
    put(workmail, org_id, "r3", "ALLOW")  # replacing is not adding
    workmail.delete_access_control_rule(OrganizationId=org_id, Name="default")
    put(workmail, org_id, "tenth")
    assert len(rules_of(workmail, org_id)) == 10


@pytest.mark.parametrize("member", ["Actions", "NotActions"])
@pytest.mark.parametrize("action", ["imap", "POP3", "Webmail", "IncomingEmail"])
def test_an_unknown_action_is_an_invalid_parameter(workmail, org_id, member, action) -> None:
    with pytest.raises(ClientError) as exc:
        put(workmail, org_id, "bad", **{member: ["IMAP", action]})
    code, message = error_of(exc)
    assert code == "InvalidParameterException" and action in message
    assert len(rules_of(workmail, org_id)) == 1


@pytest.mark.parametrize("member", ["UserIds", "NotUserIds"])
def test_a_user_that_is_not_in_the_organization_is_not_found(workmail, org_id, users, member) -> None:
    other_org = workmail.create_organization(Alias="other")["OrganizationId"]
    stranger = workmail.create_user(OrganizationId=other_org, Name="eve", DisplayName="Eve")["UserId"]
    gone = workmail.create_user(OrganizationId=org_id, Name="gone", DisplayName="Gone")["UserId"]
    workmail.delete_user(OrganizationId=org_id, UserId=gone)
    for user in ("12345678-1234-1234-1234-123456789012", stranger, gone):
        with pytest.raises(ClientError) as exc:
            put(workmail, org_id, "bad", **{member: [users[0], user]})
        assert code_of(exc) == "EntityNotFoundException"


@pytest.mark.parametrize("member", ["ImpersonationRoleIds", "NotImpersonationRoleIds"])
def test_an_unknown_impersonation_role_is_a_missing_resource(workmail, org_id, role_id, member) -> None:
    with pytest.raises(ClientError) as exc:
        put(workmail, org_id, "bad", **{member: [role_id, "no-such-role"]})
    assert code_of(exc) == "ResourceNotFoundException"
    put(workmail, org_id, "good", **{member: [role_id]})


def test_delete_unknown_is_fine_and_no_rules_at_all_deny_everything(workmail, org_id, users) -> None:
    workmail.delete_access_control_rule(OrganizationId=org_id, Name="never-was")
    assert effect(workmail, org_id, UserId=users[0]) == ("ALLOW", ["default"])
    workmail.delete_access_control_rule(OrganizationId=org_id, Name="default")
    assert rules_of(workmail, org_id) == []
    for action in ("IMAP", "EWS", "ActiveSync", "WebMail"):
        assert effect(workmail, org_id, action, UserId=users[0]) == ("DENY", [])


def test_effect_needs_exactly_one_principal_and_a_known_action(workmail, org_id, users, role_id) -> None:
    cases = [
        ({}, "InvalidParameterException"),
        ({"UserId": users[0], "ImpersonationRoleId": role_id, "Action": "EWS"}, "InvalidParameterException"),
        ({"ImpersonationRoleId": role_id, "Action": "IMAP"}, "InvalidParameterException"),
        ({"UserId": users[0], "Action": "imap"}, "InvalidParameterException"),
        ({"UserId": "12345678-1234-1234-1234-123456789012"}, "EntityNotFoundException"),
        ({"ImpersonationRoleId": "no-such-role", "Action": "EWS"}, "ResourceNotFoundException"),
    ]
    for extra, expected in cases:
        params = {"OrganizationId": org_id, "IpAddress": "10.0.0.1", "Action": "IMAP", **extra}
        with pytest.raises(ClientError) as exc:
            workmail.get_access_control_effect(**params)
        assert code_of(exc) == expected, extra
    assert effect(workmail, org_id, "EWS", ImpersonationRoleId=role_id) == ("ALLOW", ["default"])


def test_each_condition_alone(workmail, org_id, users, role_id) -> None:
    ann, bob = users
    table = [
        # (conditions of a DENY rule, request, denied?)
        ({"IpRanges": ["192.168.0.0/16"]}, {"ip": "192.168.4.5"}, True),
        ({"IpRanges": ["192.168.0.0/16"]}, {"ip": "10.0.0.1"}, False),
        ({"IpRanges": ["10.1.2.3/8"]}, {"ip": "10.200.0.1"}, True),  # host bits: the masked network
        ({"IpRanges": ["10.0.0.1/32", "172.16.0.0/12"]}, {"ip": "172.20.0.1"}, True),
        ({"NotIpRanges": ["192.168.0.0/16"]}, {"ip": "10.0.0.1"}, True),
        ({"NotIpRanges": ["192.168.0.0/16"]}, {"ip": "192.168.0.1"}, False),
        ({"Actions": ["IMAP", "SMTP"]}, {"action": "SMTP"}, True),
        ({"Actions": ["IMAP", "SMTP"]}, {"action": "EWS"}, False),
        ({"NotActions": ["EWS"]}, {"action": "IMAP"}, True),
        ({"NotActions": ["EWS"]}, {"action": "EWS"}, False),
        ({"UserIds": [ann]}, {"user": ann}, True),
        ({"UserIds": [ann]}, {"user": bob}, False),
        ({"NotUserIds": [ann]}, {"user": bob}, True),
        ({"NotUserIds": [ann]}, {"user": ann}, False),
        ({"ImpersonationRoleIds": [role_id]}, {"role": role_id}, True),
        ({"NotImpersonationRoleIds": [role_id]}, {"role": role_id}, False),
        # A condition on a principal the request does not carry fails, Not* included.
        ({"UserIds": [ann]}, {"role": role_id}, False),
        ({"NotUserIds": [ann]}, {"role": role_id}, False),
        ({"ImpersonationRoleIds": [role_id]}, {"user": ann}, False),
        ({"NotImpersonationRoleIds": [role_id]}, {"user": ann}, False),
    ]
    for conditions, request, denied in table:
        put(workmail, org_id, "probe", **conditions)
        action = request.get("action", "EWS")
        principal = ({"ImpersonationRoleId": request["role"]} if "role" in request
                     else {"UserId": request.get("user", ann)})
        got = effect(workmail, org_id, action, request.get("ip", "10.0.0.1"), **principal)
        assert got == (("DENY", ["probe"]) if denied else ("ALLOW", ["default"])), (conditions, request)


def test_conditions_combine_and_deny_wins(workmail, org_id, users) -> None:
    ann, bob = users
    put(workmail, org_id, "office-imap", IpRanges=["10.0.0.0/8"], Actions=["IMAP"], UserIds=[ann])
    assert effect(workmail, org_id, "IMAP", "10.1.1.1", UserId=ann) == ("DENY", ["office-imap"])
    assert effect(workmail, org_id, "EWS", "10.1.1.1", UserId=ann)[0] == "ALLOW"      # action differs
    assert effect(workmail, org_id, "IMAP", "11.1.1.1", UserId=ann)[0] == "ALLOW"     # address differs
    assert effect(workmail, org_id, "IMAP", "10.1.1.1", UserId=bob)[0] == "ALLOW"     # user differs
    put(workmail, org_id, "all-imap", Actions=["IMAP"])
    put(workmail, org_id, "also-allow", "ALLOW", Actions=["IMAP"])
    assert effect(workmail, org_id, "IMAP", "10.1.1.1", UserId=ann) == ("DENY", ["office-imap", "all-imap"])
    assert effect(workmail, org_id, "EWS", "10.1.1.1", UserId=ann) == ("ALLOW", ["default"])
    # Without the default rule, only what an ALLOW rule matches is allowed.
    workmail.delete_access_control_rule(OrganizationId=org_id, Name="default")
    workmail.delete_access_control_rule(OrganizationId=org_id, Name="all-imap")
    workmail.delete_access_control_rule(OrganizationId=org_id, Name="office-imap")
    assert effect(workmail, org_id, "IMAP", UserId=bob) == ("ALLOW", ["also-allow"])
    assert effect(workmail, org_id, "EWS", UserId=bob) == ("DENY", [])


def test_rules_keep_working_after_a_listed_user_is_deleted(workmail, org_id, users) -> None:
    ann, bob = users
    put(workmail, org_id, "not-ann", NotUserIds=[ann])
    workmail.delete_user(OrganizationId=org_id, UserId=ann)
    assert rules_of(workmail, org_id)[1]["NotUserIds"] == [ann]
    assert effect(workmail, org_id, UserId=bob) == ("DENY", ["not-ann"])


def test_organization_errors_and_account_isolation(workmail, org_id, server) -> None:
    calls = [
        lambda wm, o: put(wm, o, "x"),
        lambda wm, o: wm.delete_access_control_rule(OrganizationId=o, Name="x"),
        lambda wm, o: wm.list_access_control_rules(OrganizationId=o),
        lambda wm, o: wm.get_access_control_effect(OrganizationId=o, IpAddress="10.0.0.1", Action="IMAP",
                                                   UserId="12345678-1234-1234-1234-123456789012"),
    ]
    stranger = server.client("workmail", account="210987654321")
    other_region = server.client("workmail", region="eu-west-1")
    for call in calls:
        for client in (stranger, other_region):
            with pytest.raises(ClientError) as exc:
                call(client, org_id)
            assert code_of(exc) == "OrganizationNotFoundException"
    workmail.delete_organization(OrganizationId=org_id, DeleteDirectory=True)
    for call in calls:
        with pytest.raises(ClientError) as exc:
            call(workmail, org_id)
        assert code_of(exc) == "OrganizationStateException"


def test_the_aws_cli_puts_a_rule_and_asks_its_effect(aws, workmail, org_id, users) -> None:
    ann = users[0]
    put_rule = aws("workmail", "put-access-control-rule", "--organization-id", org_id, "--name", "myRule",
                   "--effect", "DENY", "--description", "Protect ann", "--user-ids", ann,
                   "--actions", "IMAP", "SMTP", "--ip-ranges", "192.0.2.0/24", "198.51.100.0/24")
    assert (put_rule.returncode, put_rule.stdout, put_rule.stderr) == (0, "", "")
    listed = ok(aws("workmail", "list-access-control-rules", "--organization-id", org_id))["Rules"]
    assert [stripped(r) for r in listed] == [DEFAULT, {
        "Name": "myRule", "Effect": "DENY", "Description": "Protect ann", "UserIds": [ann],
        "Actions": ["IMAP", "SMTP"], "IpRanges": ["192.0.2.0/24", "198.51.100.0/24"]}]
    assert listed[0]["DateCreated"] == listed[0]["DateModified"] == 0
    answer = ok(aws("workmail", "get-access-control-effect", "--organization-id", org_id, "--ip-address",
                    "192.0.2.7", "--action", "IMAP", "--user-id", ann))
    assert answer == {"Effect": "DENY", "MatchedRules": ["myRule"]}
    refused = aws("workmail", "put-access-control-rule", "--organization-id", org_id, "--name", "bad",
                  "--effect", "DENY", "--description", "x", "--actions", "POP3")
    assert refused.returncode != 0 and "(InvalidParameterException)" in refused.stderr


def test_a_restart_keeps_every_policy_and_token(tmp_path) -> None:
    data = tmp_path / "data"
    with LocalServer(data_dir=data) as server:
        wm = server.client("workmail")
        org = wm.create_organization(Alias="durable")["OrganizationId"]
        user = wm.create_user(OrganizationId=org, Name="ann", DisplayName="Ann", Password="Passw0rd!x")["UserId"]
        wm.register_to_work_mail(OrganizationId=org, EntityId=user, Email="ann@durable.awsapps.com")
        put(wm, org, "no-smtp", Actions=["SMTP"])
        rule_id = wm.create_mobile_device_access_rule(OrganizationId=org, Name="no-android", Effect="DENY",
                                                      DeviceTypes=["Android"])["MobileDeviceAccessRuleId"]
        wm.put_mobile_device_access_override(OrganizationId=org, UserId=user, DeviceId="PHONE1", Effect="ALLOW")
        role = wm.create_impersonation_role(OrganizationId=org, Name="app", Type="READ_ONLY", ClientToken="role-1",
                                            Rules=[{"ImpersonationRuleId": "all", "Effect": "ALLOW"}])
        token = wm.assume_impersonation_role(OrganizationId=org, ImpersonationRoleId=role["ImpersonationRoleId"])
        before = [wm.list_access_control_rules(OrganizationId=org)["Rules"],
                  wm.list_mobile_device_access_rules(OrganizationId=org)["Rules"],
                  wm.list_mobile_device_access_overrides(OrganizationId=org)["Overrides"],
                  wm.get_impersonation_role(OrganizationId=org, ImpersonationRoleId=role["ImpersonationRoleId"])]
    with LocalServer(data_dir=data) as server:
        wm = server.client("workmail")
        after = [wm.list_access_control_rules(OrganizationId=org)["Rules"],
                 wm.list_mobile_device_access_rules(OrganizationId=org)["Rules"],
                 wm.list_mobile_device_access_overrides(OrganizationId=org)["Overrides"],
                 wm.get_impersonation_role(OrganizationId=org, ImpersonationRoleId=role["ImpersonationRoleId"])]
        before[3].pop("ResponseMetadata"), after[3].pop("ResponseMetadata")
        assert after == before
        assert after[1][1]["MobileDeviceAccessRuleId"] == rule_id
        assert wm.create_impersonation_role(OrganizationId=org, Name="app", Type="READ_ONLY", ClientToken="role-1",
                                            Rules=[{"ImpersonationRuleId": "all", "Effect": "ALLOW"}]) \
            ["ImpersonationRoleId"] == role["ImpersonationRoleId"]
        status, answer = server.control("POST", "/mailbox/authenticate", {
            "Protocol": "EWS", "ImpersonationToken": token["Token"], "TargetUser": "ann"})
        assert answer["Authenticated"] is True
        status, answer = server.control("POST", "/mailbox/authenticate", {
            "Username": "ann@durable.awsapps.com", "Secret": "Passw0rd!x", "Protocol": "SMTP"})
        assert answer["MatchedRules"] == ["no-smtp"]
