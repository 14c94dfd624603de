"""The validator: each constraint kind, each message form, several violations at once,
nested paths, sensitive members never echoed."""

from __future__ import annotations

from typing import Any

import pytest

from workmail_local.protocol.model import load_service
from workmail_local.protocol.validate import java_pattern, summary


def problems(service: str, operation: str, params: dict[str, Any]) -> list[str]:
    op = load_service(service).operations[operation]
    found: list[str] = []
    assert op.validate is not None
    op.validate(op.parse(params, ""), "", found)
    return found


VALID_PUT = {
    "OrganizationId": "m-" + "0" * 32,
    "AuthenticationMode": "IDENTITY_PROVIDER_ONLY",
    "IdentityCenterConfiguration": {
        "InstanceArn": "arn:aws:sso:::instance/ssoins-0123456789abcdef",
        "ApplicationArn": "arn:aws:sso::123456789012:application/ssoins-0123456789abcdef/apl-0123456789abcdef",
    },
    "PersonalAccessTokenConfiguration": {"Status": "ACTIVE", "LifetimeInDays": 30},
}


def test_valid_input_has_no_problems() -> None:
    assert problems("workmail", "PutIdentityProviderConfiguration", VALID_PUT) == []


def test_missing_required_members_are_null() -> None:
    assert problems("workmail", "PutIdentityProviderConfiguration", {}) == [
        f"Value null at '{m}' failed to satisfy constraint: Member must not be null"
        for m in ("organizationId", "authenticationMode", "identityCenterConfiguration",
                  "personalAccessTokenConfiguration")
    ]


def test_nested_required_member_path_is_dotted() -> None:
    params = {**VALID_PUT, "PersonalAccessTokenConfiguration": {}}
    assert problems("workmail", "PutIdentityProviderConfiguration", params) == [
        "Value null at 'personalAccessTokenConfiguration.status' failed to satisfy constraint: Member must not be null"
    ]


def test_length_and_pattern_each_count() -> None:
    found = problems("workmail", "DescribeOrganization", {"OrganizationId": "m-x"})
    assert found == [
        "Value 'm-x' at 'organizationId' failed to satisfy constraint: Member must have length greater than or equal to 34",
        "Value 'm-x' at 'organizationId' failed to satisfy constraint: Member must satisfy regular expression pattern: ^m-[0-9a-f]{32}$",
    ]
    assert summary(found).startswith("2 validation errors detected: Value 'm-x' at 'organizationId'")
    assert "; Value 'm-x'" in summary(found)


def test_max_length() -> None:
    found = problems("workmail", "DescribeOrganization", {"OrganizationId": "m-" + "0" * 33})
    assert found[0].endswith("Member must have length less than or equal to 34")


def test_summary_singular() -> None:
    assert summary(["x"]) == "1 validation error detected: x"


def test_number_range_quotes_the_number() -> None:
    for value, text in ((0, "greater than or equal to 1"), (3654, "less than or equal to 3653")):
        params = {**VALID_PUT, "PersonalAccessTokenConfiguration": {"Status": "ACTIVE", "LifetimeInDays": value}}
        assert problems("workmail", "PutIdentityProviderConfiguration", params) == [
            f"Value '{value}' at 'personalAccessTokenConfiguration.lifetimeInDays' failed to satisfy constraint: "
            f"Member must have value {text}"
        ]


def test_enum_lists_the_allowed_values_in_model_order() -> None:
    params = {**VALID_PUT, "AuthenticationMode": "BOTH"}
    assert problems("workmail", "PutIdentityProviderConfiguration", params) == [
        "Value 'BOTH' at 'authenticationMode' failed to satisfy constraint: Member must satisfy enum value set: "
        "[IDENTITY_PROVIDER_ONLY, IDENTITY_PROVIDER_AND_DIRECTORY]"
    ]


def test_list_length_and_member_paths() -> None:
    domains = [{"DomainName": f"d{i}.example.com"} for i in range(6)]
    found = problems("workmail", "CreateOrganization", {"Alias": "acme", "Domains": domains})
    assert len(found) == 1
    assert "at 'domains' failed to satisfy constraint: Member must have length less than or equal to 5" in found[0]
    found = problems("workmail", "CreateOrganization", {"Alias": "acme", "Domains": [{"HostedZoneId": "Z1"}]})
    assert found == ["Value null at 'domains.1.member.domainName' failed to satisfy constraint: Member must not be null"]


def test_sensitive_values_are_never_echoed() -> None:
    params = {"OrganizationId": "m-" + "0" * 32, "Name": "ann", "DisplayName": "Ann",
              "Password": "Secret" * 50}  # 300 characters: longer than 256
    found = problems("workmail", "CreateUser", params)
    assert found and all("Secret" not in p for p in found)
    assert any(p.startswith("Value '***' at 'password'") for p in found)


def test_many_violations_in_one_request_keep_member_order() -> None:
    params = {"OrganizationId": "m-x", "AuthenticationMode": "X",
              "PersonalAccessTokenConfiguration": {"LifetimeInDays": 0}}
    found = problems("workmail", "PutIdentityProviderConfiguration", params)
    assert [p.split(" at ")[1].split("'")[1] for p in found] == [
        "organizationId", "organizationId", "authenticationMode", "identityCenterConfiguration",
        "personalAccessTokenConfiguration.status", "personalAccessTokenConfiguration.lifetimeInDays",
    ]


def test_patterns_search_rather_than_full_match() -> None:
    # OrganizationName is ^(?!d-)(alnum+)(-alnum+)* with no $: a trailing "!" still matches.
    assert problems("workmail", "CreateOrganization", {"Alias": "acme!"}) == []
    assert problems("workmail", "CreateOrganization", {"Alias": "d-acme"}) != []


@pytest.mark.parametrize(("name", "ok"), [("WorkMail", True), ("Wörk", False), ("a.b-c_d@x", True)])
def test_java_word_class_is_ascii(name: str, ok: bool) -> None:
    # CreateIdentityCenterApplication's Name is ^[\w+=,.@-]+$ (anchored).
    params = {"Name": name, "InstanceArn": "arn:aws:sso:::instance/ssoins-0123456789abcdef"}
    assert (problems("workmail", "CreateIdentityCenterApplication", params) == []) is ok


@pytest.mark.parametrize(("account", "ok"), [("123456789012", True), ("١٢٣٤٥٦٧٨٩٠١٢", False)])
def test_java_digit_class_is_ascii(account: str, ok: bool) -> None:
    params = {**VALID_PUT, "IdentityCenterConfiguration": {
        "InstanceArn": "arn:aws:sso:::instance/ssoins-0123456789abcdef",
        "ApplicationArn": f"arn:aws:sso::{account}:application/ssoins-0123456789abcdef/apl-0123456789abcdef"}}
    assert (problems("workmail", "PutIdentityProviderConfiguration", params) == []) is ok


def test_unanchored_patterns_match_anywhere() -> None:
    # UserName is [\w\-.]+(…)? without ^…$: as on the service, any ASCII word character passes.
    params = {"OrganizationId": "m-" + "0" * 32, "Name": "jösé", "DisplayName": "x"}
    assert problems("workmail", "CreateUser", params) == []
    params["Name"] = "ö"
    assert problems("workmail", "CreateUser", params) != []


def test_unicode_property_classes_work() -> None:
    # identitystore patterns use \p{L} etc.; a Unicode display name is fine there.
    params = {"IdentityStoreId": "d-0123456789", "DisplayName": "Jöhn Dœ", "UserName": "john"}
    assert problems("identitystore", "CreateUser", params) == []


def test_java_pattern_translation() -> None:
    assert java_pattern(r"[\w\-.]+") == r"[a-zA-Z0-9_\-.]+"
    assert java_pattern(r"^\d{3}\w$") == r"^[0-9]{3}[a-zA-Z0-9_]$"
    assert java_pattern(r"\\w") == r"\\w"


def test_services_choose_their_validation_error() -> None:
    assert load_service("workmail").validation_error == "InvalidParameterException"
    assert load_service("workmail", "ValidationException").validation_error == "ValidationException"
    assert load_service("identitystore").validation_error == "ValidationException"
    assert load_service("sso-admin", "InvalidParameterException").validation_error == "ValidationException"


def test_collections_holding_sensitive_members_are_not_echoed() -> None:
    # identitystore's Emails list holds sensitive strings: a too-long list is shown as '***'.
    emails = [{"Value": f"secret{i}@example.com"} for i in range(2)]
    params = {"IdentityStoreId": "d-0123456789", "UserName": "u", "DisplayName": "U", "Emails": emails}
    found = problems("identitystore", "CreateUser", params)
    assert found, "Emails allows one address: two must violate its length"
    assert all("secret" not in p for p in found)
    assert any(p.startswith("Value '***' at 'emails'") for p in found)


def test_a_long_value_is_quoted_by_its_first_256_characters_and_its_length() -> None:
    value = "m-" + "0" * 1000
    found = problems("workmail", "DescribeOrganization", {"OrganizationId": value})
    quoted = f"Value '{value[:256]}…' (1002 characters) at 'organizationId' failed to satisfy constraint: "
    assert found == [quoted + "Member must have length less than or equal to 34",
                     quoted + "Member must satisfy regular expression pattern: ^m-[0-9a-f]{32}$"]


def test_a_value_of_256_characters_is_quoted_whole() -> None:
    from workmail_local.protocol.validate import violation

    assert violation("x" * 256, "name", "C") == f"Value '{'x' * 256}' at 'name' failed to satisfy constraint: C"
    assert violation(["y" * 300], "list", "C").startswith(f"Value '[{'y' * 255}…' (302 characters) at 'list'")
