"""Page tokens: signed with keyed BLAKE2b, bound to their query, refused when altered."""

from __future__ import annotations

import base64
import hashlib

import pytest

from workmail_local.protocol.pagination import PageTokens

SECRET = bytes(range(32))


def test_the_mac_is_keyed_blake2b_of_binding_and_payload() -> None:
    # The same MAC as before the keyed state was kept: tokens issued by an earlier run stay valid.
    tokens = PageTokens(SECRET)
    for _ in range(2):  # the kept state is copied, never consumed
        assert tokens._mac("op|a|r|[]", b"[1]") == hashlib.blake2b(b"op|a|r|[]\0[1]", key=SECRET,
                                                                   digest_size=16).digest()


def test_a_token_reads_back_only_for_its_binding_and_secret() -> None:
    tokens = PageTokens(SECRET)
    token = tokens.encode("workmail.ListUsers|123|us-east-1|[]", [1.5, "u-1"])
    assert tokens.decode("workmail.ListUsers|123|us-east-1|[]", token) == [1.5, "u-1"]
    assert tokens.decode("workmail.ListUsers|123|eu-west-1|[]", token) is None
    assert PageTokens(bytes(32)).decode("workmail.ListUsers|123|us-east-1|[]", token) is None


@pytest.mark.parametrize("token", ["", "!!!", "AAAA", base64.urlsafe_b64encode(b"x" * 40).decode()])
def test_garbage_is_not_a_token(token: str) -> None:
    assert PageTokens(SECRET).decode("b", token) is None
