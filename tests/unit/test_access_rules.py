"""The pure access-rule evaluation, for the facts GetAccessControlEffect cannot express:
logins with no known client address, and IPv6 clients."""

from __future__ import annotations

from workmail_local.mailbox_auth.access_rules import Request, Rule, evaluate, normalize_ip

DEFAULT = Rule("default", "ALLOW", {})


def test_without_a_client_address_ip_conditions_fail_both_ways() -> None:
    request = Request("IMAP", None, "u-1")
    assert evaluate([DEFAULT, Rule("in", "DENY", {"IpRanges": ["0.0.0.0/0"]})], request) == ("ALLOW", ["default"])
    assert evaluate([DEFAULT, Rule("out", "DENY", {"NotIpRanges": ["10.0.0.0/8"]})], request) == ("ALLOW", ["default"])
    assert evaluate([Rule("only-office", "ALLOW", {"IpRanges": ["10.0.0.0/8"]})], request) == ("DENY", [])


def test_an_ipv6_client_is_in_no_range() -> None:
    request = Request("IMAP", "2001:db8::1", "u-1")
    assert evaluate([DEFAULT, Rule("all-v4", "DENY", {"IpRanges": ["0.0.0.0/0"]})], request)[0] == "ALLOW"
    assert evaluate([DEFAULT, Rule("outside", "DENY", {"NotIpRanges": ["10.0.0.0/8"]})], request) == (
        "DENY", ["outside"])


def test_ipv4_mapped_addresses_are_their_ipv4_address() -> None:
    assert normalize_ip("::ffff:127.0.0.1") == "127.0.0.1"
    assert normalize_ip(" 10.0.0.1 ") == "10.0.0.1"
    assert normalize_ip("::1") == "::1"


def test_empty_lists_are_no_condition() -> None:
    assert evaluate([Rule("r", "DENY", {"Actions": [], "UserIds": []})], Request("EWS")) == ("DENY", ["r"])
