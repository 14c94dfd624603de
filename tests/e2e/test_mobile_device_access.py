"""Mobile device access rules and overrides through boto3, and their enforcement for
ActiveSync logins at the mailbox authentication endpoint."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from tests.e2e.helpers import code_of, pattern
from tests.e2e.world import DIRECTORY_PASSWORD, build_world

NO_SUCH_USER = "12345678-1234-1234-1234-123456789012"
IPHONE = {"DeviceType": "iPhone", "DeviceModel": "iPhone10C1", "DeviceOperatingSystem": "iOS 14.3.1 18D61",
          "DeviceUserAgent": "iOS/14.3.1 (18D61) exchangesyncd/1.0"}


def rules_of(workmail, org_id: str) -> list[dict]:
    return workmail.list_mobile_device_access_rules(OrganizationId=org_id)["Rules"]


def create(workmail, org_id: str, name: str, effect: str = "DENY", **extra) -> str:
    return workmail.create_mobile_device_access_rule(OrganizationId=org_id, Name=name, Effect=effect,
                                                     **extra)["MobileDeviceAccessRuleId"]


def effect_of(workmail, org_id: str, **device) -> tuple[str, list[str]]:
    answer = workmail.get_mobile_device_access_effect(OrganizationId=org_id, **device)
    return answer["Effect"], [r["Name"] for r in answer["MatchedRules"]]


def stripped(rule: dict) -> dict:
    return {k: v for k, v in rule.items() if k not in ("DateCreated", "DateModified", "MobileDeviceAccessRuleId")}


@pytest.fixture
def user_id(workmail, org_id) -> str:
    return workmail.create_user(OrganizationId=org_id, Name="ann", DisplayName="Ann")["UserId"]


def test_a_new_organization_has_one_rule_allowing_every_device(workmail, org_id) -> None:
    (rule,) = rules_of(workmail, org_id)
    assert stripped(rule) == {"Name": "default", "Description": "Default WorkMail Rule", "Effect": "ALLOW"}
    assert pattern("workmail", "MobileDeviceAccessRuleId").search(rule["MobileDeviceAccessRuleId"])
    assert rule["DateCreated"].timestamp() == 0 and rule["DateModified"].timestamp() == 0
    assert effect_of(workmail, org_id) == ("ALLOW", ["default"])
    assert effect_of(workmail, org_id, **IPHONE) == ("ALLOW", ["default"])


def test_create_list_update_delete(workmail, org_id, server) -> None:
    rule_id = create(workmail, org_id, "no-android", Description="Android phones stay out",
                     DeviceTypes=["android"], NotDeviceModels=["Pixel"])
    assert pattern("workmail", "MobileDeviceAccessRuleId").search(rule_id)
    rules = rules_of(workmail, org_id)
    assert [r["Name"] for r in rules] == ["default", "no-android"]
    assert rules[1]["MobileDeviceAccessRuleId"] == rule_id
    assert stripped(rules[1]) == {"Name": "no-android", "Description": "Android phones stay out", "Effect": "DENY",
                                  "DeviceTypes": ["android"], "NotDeviceModels": ["Pixel"]}
    created = rules[1]["DateCreated"]
    server.control("POST", "/clock", {"advance_seconds": 60})
    workmail.update_mobile_device_access_rule(OrganizationId=org_id, MobileDeviceAccessRuleId=rule_id,
                                              Name="ios-only", Effect="ALLOW", DeviceOperatingSystems=["iOS"])
    updated = rules_of(workmail, org_id)[1]
    assert stripped(updated) == {"Name": "ios-only", "Effect": "ALLOW", "DeviceOperatingSystems": ["iOS"]}
    assert updated["DateCreated"] == created and updated["DateModified"].timestamp() - created.timestamp() >= 59
    with pytest.raises(ClientError) as exc:
        workmail.update_mobile_device_access_rule(OrganizationId=org_id, MobileDeviceAccessRuleId="no-such-rule",
                                                  Name="x", Effect="ALLOW")
    assert code_of(exc) == "EntityNotFoundException"
    workmail.delete_mobile_device_access_rule(OrganizationId=org_id, MobileDeviceAccessRuleId=rule_id)
    workmail.delete_mobile_device_access_rule(OrganizationId=org_id, MobileDeviceAccessRuleId="no-such-rule")
    assert [r["Name"] for r in rules_of(workmail, org_id)] == ["default"]
    with pytest.raises(ClientError) as exc:
        workmail.delete_mobile_device_access_rule(OrganizationId=org_id, MobileDeviceAccessRuleId="!!!")
    assert code_of(exc) == "InvalidParameterException"


def test_ten_rules_at_most_and_client_token_replay(workmail, org_id) -> None:
    first = create(workmail, org_id, "r0", ClientToken="tok")
    assert create(workmail, org_id, "r0", ClientToken="tok") == first
    for i in range(1, 9):
        create(workmail, org_id, f"r{i}")
    with pytest.raises(ClientError) as exc:
        create(workmail, org_id, "eleventh")
    assert code_of(exc) == "LimitExceededException"
    assert len(rules_of(workmail, org_id)) == 10


def test_each_condition_alone(workmail, org_id) -> None:
    table = [
        # (conditions of a DENY rule, device, denied?)
        ({"DeviceTypes": ["iphone"]}, IPHONE, True),                          # case-insensitive prefix
        ({"DeviceTypes": ["Android", "iP"]}, IPHONE, True),
        ({"DeviceTypes": ["Android"]}, IPHONE, False),
        ({"DeviceTypes": ["iPhoneX"]}, IPHONE, False),                        # longer than the value
        ({"NotDeviceTypes": ["Android"]}, IPHONE, True),
        ({"NotDeviceTypes": ["IPHONE"]}, IPHONE, False),
        ({"DeviceModels": ["iPhone10"]}, IPHONE, True),
        ({"NotDeviceModels": ["iPhone10"]}, IPHONE, False),
        ({"DeviceOperatingSystems": ["iOS 14.3"]}, IPHONE, True),
        ({"DeviceOperatingSystems": ["iOS 14.4"]}, IPHONE, False),
        ({"NotDeviceOperatingSystems": ["iOS 12"]}, IPHONE, True),
        ({"DeviceUserAgents": ["ios/14"]}, IPHONE, True),
        ({"NotDeviceUserAgents": ["iOS/"]}, IPHONE, False),
        # $NONE matches a property the device did not report; Not* never matches one.
        ({"DeviceTypes": ["$NONE"]}, {}, True),
        ({"DeviceTypes": ["$NONE"]}, IPHONE, False),
        ({"DeviceTypes": ["Android", "$NONE"]}, {"DeviceModel": "X"}, True),
        ({"DeviceTypes": ["Android"]}, {}, False),
        ({"NotDeviceTypes": ["Android"]}, {}, False),
        ({"NotDeviceUserAgents": ["Android"]}, {"DeviceType": "Android"}, False),
        ({"NotDeviceTypes": ["$NONE"]}, IPHONE, True),
    ]
    for conditions, device, denied in table:
        rule_id = create(workmail, org_id, "probe", **conditions)
        got = effect_of(workmail, org_id, **device)
        assert got == (("DENY", ["probe"]) if denied else ("ALLOW", ["default"])), (conditions, device)
        workmail.delete_mobile_device_access_rule(OrganizationId=org_id, MobileDeviceAccessRuleId=rule_id)


def test_conditions_combine_deny_wins_and_no_rule_denies(workmail, org_id) -> None:
    create(workmail, org_id, "old-iphones", DeviceTypes=["iPhone"], DeviceOperatingSystems=["iOS 12", "iOS 13"])
    assert effect_of(workmail, org_id, **IPHONE) == ("ALLOW", ["default"])
    assert effect_of(workmail, org_id, **{**IPHONE, "DeviceOperatingSystem": "iOS 12.3.1"}) == (
        "DENY", ["old-iphones"])
    assert effect_of(workmail, org_id, DeviceType="iPad", DeviceOperatingSystem="iOS 12.3.1") == (
        "ALLOW", ["default"])
    (default,) = [r for r in rules_of(workmail, org_id) if r["Name"] == "default"]
    workmail.delete_mobile_device_access_rule(OrganizationId=org_id,
                                              MobileDeviceAccessRuleId=default["MobileDeviceAccessRuleId"])
    assert effect_of(workmail, org_id, **IPHONE) == ("DENY", [])
    create(workmail, org_id, "iphones", "ALLOW", DeviceTypes=["iPhone"])
    create(workmail, org_id, "everything", "ALLOW")
    assert effect_of(workmail, org_id, **IPHONE) == ("ALLOW", ["iphones", "everything"])
    assert effect_of(workmail, org_id, DeviceType="Android") == ("ALLOW", ["everything"])


def test_overrides_put_get_list_delete(workmail, org_id, user_id, server) -> None:
    workmail.put_mobile_device_access_override(OrganizationId=org_id, UserId="ann", DeviceId="6APMEKPHCP2ND42V",
                                               Effect="DENY", Description="lost phone")
    got = workmail.get_mobile_device_access_override(OrganizationId=org_id, UserId=user_id,
                                                     DeviceId="6apmekphcp2nd42v")
    assert (got["UserId"], got["DeviceId"], got["Effect"], got["Description"]) == (
        user_id, "6APMEKPHCP2ND42V", "DENY", "lost phone")
    created = got["DateCreated"]
    server.control("POST", "/clock", {"advance_seconds": 60})
    workmail.put_mobile_device_access_override(OrganizationId=org_id, UserId=user_id, DeviceId="6apmekphcp2nd42v",
                                               Effect="ALLOW")
    got = workmail.get_mobile_device_access_override(OrganizationId=org_id, UserId=user_id,
                                                     DeviceId="6APMEKPHCP2ND42V")
    assert (got["Effect"], got["DeviceId"], got["DateCreated"]) == ("ALLOW", "6apmekphcp2nd42v", created)
    assert "Description" not in got and got["DateModified"] > created

    bob = workmail.create_user(OrganizationId=org_id, Name="bob", DisplayName="Bob")["UserId"]
    for device in ("DEV1", "DEV2", "DEV3"):
        workmail.put_mobile_device_access_override(OrganizationId=org_id, UserId=bob, DeviceId=device, Effect="DENY")
    everything = workmail.list_mobile_device_access_overrides(OrganizationId=org_id)["Overrides"]
    assert [(o["UserId"], o["DeviceId"]) for o in everything] == [
        (user_id, "6apmekphcp2nd42v"), (bob, "DEV1"), (bob, "DEV2"), (bob, "DEV3")]
    page = workmail.list_mobile_device_access_overrides(OrganizationId=org_id, UserId="bob", MaxResults=2)
    assert [o["DeviceId"] for o in page["Overrides"]] == ["DEV1", "DEV2"]
    rest = workmail.list_mobile_device_access_overrides(OrganizationId=org_id, UserId="bob", MaxResults=2,
                                                        NextToken=page["NextToken"])
    assert [o["DeviceId"] for o in rest["Overrides"]] == ["DEV3"] and "NextToken" not in rest
    by_device = workmail.list_mobile_device_access_overrides(OrganizationId=org_id, DeviceId="dev2")["Overrides"]
    assert [(o["UserId"], o["DeviceId"]) for o in by_device] == [(bob, "DEV2")]

    workmail.delete_mobile_device_access_override(OrganizationId=org_id, UserId=bob, DeviceId="dev1")
    workmail.delete_mobile_device_access_override(OrganizationId=org_id, UserId=bob, DeviceId="dev1")  # again
    with pytest.raises(ClientError) as exc:
        workmail.get_mobile_device_access_override(OrganizationId=org_id, UserId=bob, DeviceId="DEV1")
    assert code_of(exc) == "ResourceNotFoundException"
    # Deleting a user removes their overrides.
    workmail.delete_user(OrganizationId=org_id, UserId=bob)
    assert [o["UserId"] for o in workmail.list_mobile_device_access_overrides(OrganizationId=org_id)["Overrides"]] \
        == [user_id]


def test_override_errors(workmail, org_id, user_id) -> None:
    gone = workmail.create_user(OrganizationId=org_id, Name="gone", DisplayName="Gone")["UserId"]
    workmail.delete_user(OrganizationId=org_id, UserId=gone)
    base = {"OrganizationId": org_id, "DeviceId": "DEV1"}
    for identifier in (NO_SUCH_USER, "nobody@acme.awsapps.com"):
        for call in (lambda: workmail.put_mobile_device_access_override(**base, UserId=identifier, Effect="DENY"),
                     lambda: workmail.get_mobile_device_access_override(**base, UserId=identifier),
                     lambda: workmail.delete_mobile_device_access_override(**base, UserId=identifier),
                     lambda: workmail.list_mobile_device_access_overrides(OrganizationId=org_id, UserId=identifier)):
            with pytest.raises(ClientError) as exc:
                call()
            assert code_of(exc) == "EntityNotFoundException"
    with pytest.raises(ClientError) as exc:
        workmail.put_mobile_device_access_override(**base, UserId=gone, Effect="DENY")
    assert code_of(exc) == "EntityStateException"
    with pytest.raises(ClientError) as exc:
        workmail.put_mobile_device_access_override(OrganizationId=org_id, UserId=user_id, DeviceId="--",
                                                   Effect="DENY")
    assert code_of(exc) == "InvalidParameterException"


def activesync(world, device: dict | None = None, **extra) -> dict:
    body = {"Username": world.email, "Secret": DIRECTORY_PASSWORD, "Protocol": "ActiveSync", **extra}
    if device is not None:
        body["Device"] = device
    status, answer = world.server.control("POST", "/mailbox/authenticate", body)
    assert status == 200, answer
    return answer


def test_activesync_logins_pass_the_rules_or_the_override(server) -> None:
    world = build_world(server, configure=False)
    wm, org = world.workmail, world.org_id
    phone = {"DeviceId": "PHONE1", **IPHONE}
    allowed = activesync(world, phone)
    assert allowed["Authenticated"] is True and allowed["MatchedMobileDeviceAccessRules"][0]["Name"] == "default"
    assert "MobileDeviceAccessOverride" not in allowed

    rule_id = create(wm, org, "no-iphones", DeviceTypes=["iPhone"])
    assert activesync(world, phone) == {
        "Authenticated": False, "Reason": "MOBILE_DEVICE_ACCESS_DENIED",
        "MatchedMobileDeviceAccessRules": [{"MobileDeviceAccessRuleId": rule_id, "Name": "no-iphones"}]}
    assert activesync(world, {"DeviceId": "DROID", "DeviceType": "Android"})["Authenticated"] is True
    # Mobile device rules are for ActiveSync only.
    assert world.authenticate(DIRECTORY_PASSWORD, "IMAP")["Authenticated"] is True

    # An override for this user's device replaces the rules, both ways.
    wm.put_mobile_device_access_override(OrganizationId=org, UserId=world.user_id, DeviceId="phone1", Effect="ALLOW")
    answer = activesync(world, phone)
    assert answer["Authenticated"] is True and answer["MobileDeviceAccessOverride"] == "ALLOW"
    assert answer["MatchedMobileDeviceAccessRules"] == []
    assert activesync(world, {**phone, "DeviceId": "PHONE2"})["Reason"] == "MOBILE_DEVICE_ACCESS_DENIED"
    wm.put_mobile_device_access_override(OrganizationId=org, UserId=world.user_id, DeviceId="DROID", Effect="DENY")
    answer = activesync(world, {"DeviceId": "droid", "DeviceType": "Android"})
    assert (answer["Reason"], answer["MobileDeviceAccessOverride"]) == ("MOBILE_DEVICE_ACCESS_DENIED", "DENY")
    wm.delete_mobile_device_access_override(OrganizationId=org, UserId=world.user_id, DeviceId="PHONE1")
    assert activesync(world, phone)["Reason"] == "MOBILE_DEVICE_ACCESS_DENIED"

    # A device that reports nothing: $NONE rules and no override.
    wm.update_mobile_device_access_rule(OrganizationId=org, MobileDeviceAccessRuleId=rule_id, Name="silent",
                                        Effect="DENY", DeviceTypes=["$NONE"])
    assert activesync(world)["Reason"] == "MOBILE_DEVICE_ACCESS_DENIED"
    assert activesync(world, phone)["Authenticated"] is True
    # The access control rules come first.
    wm.put_access_control_rule(OrganizationId=org, Name="no-eas", Effect="DENY", Description="x",
                               Actions=["ActiveSync"])
    assert activesync(world, phone) == {"Authenticated": False, "Reason": "ACCESS_CONTROL_RULE_DENIED",
                                        "MatchedRules": ["no-eas"]}


def test_the_endpoint_checks_the_device(server) -> None:
    world = build_world(server, configure=False)
    for device in ("PHONE1", {"DeviceType": "iPhone"}, {"DeviceId": 7}, {"DeviceId": "A", "Colour": "red"}):
        status, answer = server.control("POST", "/mailbox/authenticate", {
            "Username": world.email, "Secret": DIRECTORY_PASSWORD, "Protocol": "ActiveSync", "Device": device})
        assert status == 400 and answer["__type"] == "ValidationException", device


def test_organization_errors_and_isolation(workmail, org_id, user_id, server) -> None:
    calls = [
        lambda wm: create(wm, org_id, "x"),
        lambda wm: wm.update_mobile_device_access_rule(OrganizationId=org_id, MobileDeviceAccessRuleId="x",
                                                       Name="x", Effect="DENY"),
        lambda wm: wm.delete_mobile_device_access_rule(OrganizationId=org_id, MobileDeviceAccessRuleId="x"),
        lambda wm: wm.list_mobile_device_access_rules(OrganizationId=org_id),
        lambda wm: wm.get_mobile_device_access_effect(OrganizationId=org_id),
        lambda wm: wm.put_mobile_device_access_override(OrganizationId=org_id, UserId=user_id, DeviceId="D",
                                                        Effect="DENY"),
        lambda wm: wm.get_mobile_device_access_override(OrganizationId=org_id, UserId=user_id, DeviceId="D"),
        lambda wm: wm.delete_mobile_device_access_override(OrganizationId=org_id, UserId=user_id, DeviceId="D"),
        lambda wm: wm.list_mobile_device_access_overrides(OrganizationId=org_id),
    ]
    for client in (server.client("workmail", account="210987654321"), server.client("workmail", region="eu-west-1")):
        for call in calls:
            with pytest.raises(ClientError) as exc:
                call(client)
            assert code_of(exc) == "OrganizationNotFoundException"
    workmail.delete_organization(OrganizationId=org_id, DeleteDirectory=True)
    for call in calls:
        with pytest.raises(ClientError) as exc:
            call(workmail)
        assert code_of(exc) == "OrganizationStateException"
