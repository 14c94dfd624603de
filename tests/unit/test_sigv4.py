"""SigV4 verification, checked against botocore's own signer (the reference)."""

from __future__ import annotations

import calendar
import hashlib
import hmac
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import botocore.auth
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from hypothesis import given, settings
from hypothesis import strategies as st

from workmail_local.protocol import sigv4_canonical
from workmail_local.protocol.errors import ServiceError
from workmail_local.protocol.sigv4 import (
    SIGNATURE_MISMATCH,
    UNRECOGNIZED_KEY,
    account_for,
    verify,
)
from workmail_local.protocol.sigv4_canonical import (
    canonical_query,
    canonical_request,
    canonical_uri,
    signing_key,
    signing_pads,
)

KEY = "AKIDEXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
SECRETS = {KEY: SECRET}
SIGNED_AT = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)
NOW = float(calendar.timegm(SIGNED_AT.timetuple()))
BODY = b'{"Alias": "acme"}'


@dataclass(frozen=True)
class Wire:
    """A request as the server receives it."""

    method: str
    raw_path: str
    query: str
    headers: dict[bytes, bytes]
    body: bytes

    def header(self, name: str) -> str:
        return self.headers[name.encode()].decode("latin-1")

    def with_header(self, name: str, value: str | None) -> Wire:
        headers = dict(self.headers)
        if value is None:
            headers.pop(name.encode(), None)
        else:
            headers[name.encode()] = value.encode("latin-1")
        return replace(self, headers=headers)


def sign(monkeypatch: pytest.MonkeyPatch, url: str = "http://127.0.0.1:8038/", body: bytes = BODY,
         headers: dict[str, str] | None = None, region: str = "us-east-1", service: str = "workmail",
         key: str = KEY, secret: str = SECRET, params: dict[str, str] | None = None) -> Wire:
    """Sign with botocore's SigV4Auth at SIGNED_AT; return what goes on the wire."""
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda: SIGNED_AT.replace(tzinfo=None))
    request = AWSRequest(method="POST", url=url, data=body, params=params or {}, headers={
        "Content-Type": "application/x-amz-json-1.1",
        "X-Amz-Target": "WorkMailService.CreateOrganization",
        **(headers or {}),
    })
    SigV4Auth(Credentials(key, secret), service, region).add_auth(request)
    prepared = request.prepare()
    parts = urlsplit(prepared.url)
    wire_headers = {name.lower().encode(): str(value).encode("latin-1") for name, value in prepared.headers.items()}
    wire_headers.setdefault(b"host", parts.netloc.encode())  # what the HTTP client sends
    return Wire("POST", parts.path or "/", parts.query, wire_headers, body)


def check(wire: Wire, now: float = NOW, service: str = "workmail", secrets: dict[str, str] = SECRETS) -> Any:
    return verify(wire.method, wire.raw_path, wire.query, wire.headers, wire.body, secrets, service, now)


def refused(wire: Wire, **kwargs: Any) -> ServiceError:
    with pytest.raises(ServiceError) as info:
        check(wire, **kwargs)
    assert info.value.status == 400
    return info.value


# -- agreement with botocore ---------------------------------------------------------


def test_a_botocore_signed_request_verifies(monkeypatch: pytest.MonkeyPatch) -> None:
    credential = check(sign(monkeypatch))
    assert (credential.access_key, credential.region, credential.service) == (KEY, "us-east-1", "workmail")
    assert credential.date == "20260301"
    assert {"host", "x-amz-date", "x-amz-target", "content-type"} <= set(credential.signed_headers)


def test_canonical_request_is_botocores(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda: SIGNED_AT.replace(tzinfo=None))
    url = "http://127.0.0.1:8038/a/./b/../c%20d/?b=2&a=x%2Fy&a=1&empty="
    request = AWSRequest(method="POST", url=url, data=BODY,
                         headers={"X-Amz-Target": "T.Op", "X-Spaced": "  two   inner   runs  "})
    signer = SigV4Auth(Credentials(KEY, SECRET), "workmail", "us-east-1")
    signer.add_auth(request)
    expected = signer.canonical_request(request)
    parts = urlsplit(url)
    headers = {k.lower().encode(): str(v).encode() for k, v in request.headers.items()}
    headers[b"host"] = parts.netloc.encode()
    signed = tuple(signer.signed_headers(signer.headers_to_sign(request)).split(";"))
    assert canonical_request("POST", parts.path, parts.query, headers, signed, BODY) == expected


@settings(max_examples=300, deadline=None)
@given(value=st.text(alphabet=st.characters(max_codepoint=255, blacklist_categories=("Cs",)), max_size=40))
def test_a_header_line_is_what_botocore_hashes_for_the_text_it_sent(value: str) -> None:
    # botocore trims the text and makes each whitespace run (str.split's: Unicode's,
    # \x1c-\x1f included) one space, then hashes UTF-8; the server has the latin-1 bytes.
    expected = ("x-spaced:" + " ".join(value.split())).encode("utf-8")
    assert sigv4_canonical.header_line(b"x-spaced:", value.encode("latin-1")) == expected


def test_remembered_header_lines_are_bounded_and_keep_their_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sigv4_canonical, "REMEMBERED_LINES", 4)
    form = sigv4_canonical.signed_form(("x-remembered",))
    seen = form.names[0][2]
    for round_ in range(2):  # the second round reads what the first remembered, or starts again
        for n in range(10):
            value = f"  v{n}\t\x1c two ".encode()
            canonical = sigv4_canonical.canonical_bytes("POST", "/", "", {b"x-remembered": value}, form, b"")
            assert canonical.split(b"\n")[3] == f"x-remembered:v{n} two".encode(), round_
            assert len(seen) <= 4
    long_value = b"x" * (sigv4_canonical.REMEMBERED_VALUE_BYTES + 1)
    seen.clear()
    canonical = sigv4_canonical.canonical_bytes("POST", "/", "", {b"x-remembered": long_value}, form, b"")
    assert canonical.split(b"\n")[3] == b"x-remembered:" + long_value
    assert seen == {}  # a long value is written, not kept


def test_a_header_that_does_not_verify_leaves_no_signed_form_behind(monkeypatch: pytest.MonkeyPatch) -> None:
    from workmail_local.protocol import sigv4

    sigv4._VERIFIED_HEADERS.clear()
    wire = sign(monkeypatch)
    assert outcome(wire.with_header("authorization", wire.header("authorization")[:-4] + "0000"))[0] \
        == "InvalidSignatureException"
    assert sigv4._VERIFIED_HEADERS == {}
    assert outcome(wire) == ("ok", KEY)
    (_, _, form), = sigv4._VERIFIED_HEADERS.values()
    assert {line for _, _, seen in form.names for line in seen.values()} >= {b"x-amz-target:" + wire.headers[b"x-amz-target"]}


@pytest.mark.parametrize("path", ["", "/", "//", "/a/b", "/a/./b/../c/", "/a%20b/c~d", "/x/..", "/a//b/"])
def test_canonical_uri_is_botocores(path: str) -> None:
    assert canonical_uri(path) == SigV4Auth(None, "s", "r")._normalize_url_path(path)


def test_canonical_query_sorts_and_reencodes_like_botocore() -> None:
    params = {"b": "2", "a": "x/y z", "Z": "~ok", "é": "ü"}
    expected = SigV4Auth(None, "s", "r")._canonical_query_string_params(params)
    sent = "b=2&a=x%2Fy%20z&Z=~ok&%C3%A9=%C3%BC"
    assert canonical_query(sent) == expected


def test_the_secret_is_derived_into_the_same_signing_key_as_botocore(monkeypatch: pytest.MonkeyPatch) -> None:
    wire = sign(monkeypatch)
    request = AWSRequest(method="POST", url="http://h/", data=b"")
    request.context["timestamp"] = "20260301T120000Z"
    signer = SigV4Auth(Credentials(KEY, SECRET), "workmail", "us-east-1")
    ours = hmac.new(signing_key(SECRET, "20260301", "us-east-1", "workmail"), b"x", hashlib.sha256).hexdigest()
    assert ours == signer.signature("x", request)
    assert check(wire).access_key == KEY


# -- what a signature covers ---------------------------------------------------------


def test_tampered_body_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    wire = replace(sign(monkeypatch), body=b'{"Alias": "evil"}')
    error = refused(wire)
    assert (error.code, error.message) == ("InvalidSignatureException", SIGNATURE_MISMATCH)


def test_tampered_signed_header_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    wire = sign(monkeypatch).with_header("x-amz-target", "WorkMailService.DeleteOrganization")
    assert refused(wire).message == SIGNATURE_MISMATCH


def test_removed_signed_header_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    assert refused(sign(monkeypatch).with_header("content-type", None)).message == SIGNATURE_MISMATCH


def test_wrong_secret_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    error = refused(sign(monkeypatch, secret="not-the-secret"))
    assert (error.code, error.message) == ("InvalidSignatureException", SIGNATURE_MISMATCH)


def test_other_region_scope_verifies_and_names_that_region(monkeypatch: pytest.MonkeyPatch) -> None:
    wire = sign(monkeypatch, region="eu-west-1")
    assert check(wire).region == "eu-west-1"


def test_region_rewritten_in_the_scope_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    wire = sign(monkeypatch, region="eu-west-1")
    wire = wire.with_header("authorization", wire.header("authorization").replace("/eu-west-1/", "/us-east-1/"))
    assert refused(wire).message == SIGNATURE_MISMATCH


def test_unsigned_headers_may_change(monkeypatch: pytest.MonkeyPatch) -> None:
    wire = sign(monkeypatch, headers={"User-Agent": "botocore/1"})
    assert "user-agent" not in check(wire).signed_headers
    wire = wire.with_header("user-agent", "a-proxy/2").with_header("x-forwarded-for", "10.0.0.1")
    assert check(wire).access_key == KEY


def test_header_whitespace_is_trimmed_and_compressed(monkeypatch: pytest.MonkeyPatch) -> None:
    wire = sign(monkeypatch, headers={"X-Spaced": "  two   inner   runs  "})
    assert check(wire).access_key == KEY
    # A proxy that normalises the whitespace leaves the signature valid; changing a word does not.
    assert check(wire.with_header("x-spaced", "two inner runs")).access_key == KEY
    assert refused(wire.with_header("x-spaced", "two inner walks")).message == SIGNATURE_MISMATCH


def test_query_strings_are_signed(monkeypatch: pytest.MonkeyPatch) -> None:
    wire = sign(monkeypatch, url="http://127.0.0.1:8038/?b=2&a=x%20y&a=1")
    assert check(wire).access_key == KEY
    assert check(replace(wire, query="a=1&b=2&a=x%20y")).access_key == KEY  # order is canonicalised
    assert refused(replace(wire, query="b=3&a=x%20y&a=1")).message == SIGNATURE_MISMATCH
    assert refused(replace(wire, query="")).message == SIGNATURE_MISMATCH


def test_params_signed_by_botocore_verify(monkeypatch: pytest.MonkeyPatch) -> None:
    assert check(sign(monkeypatch, params={"q": "a b/c", "n": "1"})).access_key == KEY


def test_path_is_signed(monkeypatch: pytest.MonkeyPatch) -> None:
    wire = sign(monkeypatch, url="http://127.0.0.1:8038/some/path")
    assert check(wire).access_key == KEY
    assert refused(replace(wire, raw_path="/other/path")).message == SIGNATURE_MISMATCH


def test_a_date_header_can_stand_for_x_amz_date(monkeypatch: pytest.MonkeyPatch) -> None:
    wire = sign(monkeypatch, headers={"Date": "Sun, 01 Mar 2026 11:00:00 GMT"})
    assert b"x-amz-date" not in wire.headers
    assert check(wire).date == "20260301"


# -- clock skew (5 minutes either side) ----------------------------------------------


def test_five_minutes_old_is_still_good(monkeypatch: pytest.MonkeyPatch) -> None:
    wire = sign(monkeypatch)
    assert check(wire, now=NOW + 300).access_key == KEY
    assert check(wire, now=NOW - 300).access_key == KEY


def test_expired_signature(monkeypatch: pytest.MonkeyPatch) -> None:
    error = refused(sign(monkeypatch), now=NOW + 301.9)
    assert error.code == "InvalidSignatureException"
    assert error.message == ("Signature expired: 20260301T120000Z is now earlier than 20260301T120001Z "
                             "(20260301T120501Z - 5 min.)")


def test_signature_not_yet_current(monkeypatch: pytest.MonkeyPatch) -> None:
    error = refused(sign(monkeypatch), now=NOW - 301)
    assert error.code == "InvalidSignatureException"
    assert error.message == ("Signature not yet current: 20260301T120000Z is still later than 20260301T115959Z "
                             "(20260301T115459Z + 5 min.)")


# -- malformed, missing, unknown -----------------------------------------------------


def test_no_authorization_header(monkeypatch: pytest.MonkeyPatch) -> None:
    error = refused(sign(monkeypatch).with_header("authorization", None))
    assert (error.code, error.message) == ("MissingAuthenticationTokenException", "Missing Authentication Token")


def test_truncated_header_lists_what_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    header = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260301/us-east-1/workmail/aws4_request"
    error = refused(sign(monkeypatch).with_header("authorization", header))
    assert error.code == "IncompleteSignatureException"
    assert error.message == ("Authorization header requires 'Signature' parameter. Authorization header requires "
                             f"'SignedHeaders' parameter. Authorization={header}")


def test_missing_date_is_incomplete(monkeypatch: pytest.MonkeyPatch) -> None:
    wire = sign(monkeypatch).with_header("x-amz-date", None)
    error = refused(wire)
    assert error.code == "IncompleteSignatureException"
    assert error.message == ("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. "
                             f"Authorization={wire.header('authorization')}")


def test_a_space_inside_the_credential_is_not_a_key_value_pair(monkeypatch: pytest.MonkeyPatch) -> None:
    wire = sign(monkeypatch)
    header = wire.header("authorization").replace("AKIDEXAMPLE/", "AKIDEXAMPLE /")
    error = refused(wire.with_header("authorization", header))
    assert error.code == "IncompleteSignatureException"
    assert error.message == ("'/20260301/us-east-1/workmail/aws4_request' not a valid key=value pair "
                             f"(missing equal-sign) in Authorization header: '{header}'.")


def test_credential_needs_five_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    wire = sign(monkeypatch)
    header = wire.header("authorization").replace("/workmail/aws4_request", "/workmail")
    error = refused(wire.with_header("authorization", header))
    assert error.code == "IncompleteSignatureException"
    assert error.message == ("Credential must have exactly 5 slash-delimited elements, e.g. "
                             "keyid/date/region/service/term, got 'AKIDEXAMPLE/20260301/us-east-1/workmail'")


def test_x_amz_date_must_be_iso_basic(monkeypatch: pytest.MonkeyPatch) -> None:
    error = refused(sign(monkeypatch).with_header("x-amz-date", "2026-03-01T12:00:00Z"))
    assert error.code == "IncompleteSignatureException"
    assert error.message == ("Date must be in ISO-8601 'basic format'. Got '2026-03-01T12:00:00Z'. "
                             "See http://en.wikipedia.org/wiki/ISO_8601")


def test_other_algorithms_are_unsupported(monkeypatch: pytest.MonkeyPatch) -> None:
    wire = sign(monkeypatch)
    header = wire.header("authorization").replace("AWS4-HMAC-SHA256", "AWS4-HMAC-SHA512")
    error = refused(wire.with_header("authorization", header))
    assert (error.code, error.message) == ("IncompleteSignatureException", "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA512'")


def test_host_must_be_signed(monkeypatch: pytest.MonkeyPatch) -> None:
    wire = sign(monkeypatch)
    header = wire.header("authorization").replace("SignedHeaders=content-type;host;", "SignedHeaders=content-type;")
    assert header != wire.header("authorization")
    error = refused(wire.with_header("authorization", header))
    assert error.code == "IncompleteSignatureException"
    assert error.message == "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."


def test_unknown_access_key(monkeypatch: pytest.MonkeyPatch) -> None:
    error = refused(sign(monkeypatch, key="AKIDUNKNOWN"))
    assert (error.code, error.message) == ("UnrecognizedClientException", UNRECOGNIZED_KEY)


def test_scope_must_name_the_service(monkeypatch: pytest.MonkeyPatch) -> None:
    wire = sign(monkeypatch, service="sso")
    assert check(wire, service="sso").service == "sso"
    error = refused(wire, service="identitystore")
    assert (error.code, error.message) == ("InvalidSignatureException",
                                           "Credential should be scoped to correct service: 'identitystore'.")


def test_scope_date_must_match_the_request_date(monkeypatch: pytest.MonkeyPatch) -> None:
    wire = sign(monkeypatch)
    header = wire.header("authorization").replace("/20260301/", "/20260228/")
    error = refused(wire.with_header("authorization", header))
    assert error.code == "InvalidSignatureException"
    assert error.message == ("Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from "
                             "HTTP: '20260228' != '20260301', from '20260301T120000Z'.")


def test_scope_terminator(monkeypatch: pytest.MonkeyPatch) -> None:
    wire = sign(monkeypatch)
    header = wire.header("authorization").replace("/aws4_request", "/aws5_request")
    error = refused(wire.with_header("authorization", header))
    assert error.message == "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5_request'."


def test_signing_keys_are_derived_once_per_scope(monkeypatch: pytest.MonkeyPatch) -> None:
    wire = sign(monkeypatch, region="ap-southeast-2")
    check(wire)
    hits = signing_pads.cache_info().hits
    check(wire)
    assert signing_pads.cache_info().hits == hits + 1


@settings(max_examples=200, deadline=None)
@given(secret=st.text(min_size=1, max_size=80), message=st.binary(max_size=5000),
       region=st.sampled_from(["us-east-1", "eu-west-1"]), date=st.sampled_from(["20260301", "20261202"]))
def test_the_signature_is_hmac_sha256_under_the_signing_key(secret: str, message: bytes, region: str,
                                                             date: str) -> None:
    # HMAC written out over the cached pads gives what hmac.new gives, for any message
    # length (one block, many, past hashlib's 2,048-byte locking threshold) and again
    # from the same cached pads (copies: the cached hashes are never fed).
    expected = hmac.new(signing_key(secret, date, region, "workmail"), message, hashlib.sha256).hexdigest()
    assert sigv4_canonical.sign(secret, date, region, "workmail", message) == expected
    assert sigv4_canonical.sign(secret, date, region, "workmail", message) == expected


# -- accounts ------------------------------------------------------------------------


def test_account_for_prefers_the_configured_account() -> None:
    accounts = {"AKIDEXAMPLE": "111122223333", "444455556666": "777788889999"}
    assert account_for("AKIDEXAMPLE", accounts) == "111122223333"
    assert account_for("444455556666", accounts) == "777788889999"
    assert account_for("123456789012", accounts) == "123456789012"
    assert account_for("AKIDOTHER", accounts) == "000000000000"
    assert account_for("AKIDOTHER") == "000000000000"


# -- a remembered header (the memo of headers that verified) -------------------------


def outcome(wire: Wire, **kwargs: Any) -> tuple[str, str]:
    """What verifying ``wire`` gives: ("ok", key) or (error code, message)."""
    try:
        return "ok", check(wire, **kwargs).access_key
    except ServiceError as error:
        return error.code, error.message


def variants(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Wire, dict[str, Any]]]:
    """Requests sharing one header but for their signature, each checked some way."""
    wire = sign(monkeypatch)
    auth = wire.header("authorization")
    other_date = sign(monkeypatch, body=b'{"Alias": "other"}')
    return [
        (wire, {}),
        (other_date, {}),                                                   # another signature, same header
        (wire.with_header("authorization", auth[:-4] + "0000"), {}),        # a wrong signature
        (wire, {"now": NOW + 400}),                                         # expired
        (wire, {"now": NOW - 400}),                                         # not yet current
        (wire.with_header("x-amz-date", None), {}),                         # no date
        (wire.with_header("x-amz-date", "20260302T120000Z"), {"now": NOW + 86400}),  # scope date mismatch
        (wire, {"service": "sso"}),                                         # another service
        (wire, {"secrets": {}}),                                            # the key is gone
        (wire.with_header("authorization", auth + ", Extra=1"), {}),        # ignored, not read from the memo
        (wire.with_header("authorization", auth.replace(", Signature=", ",Signature=")), {}),
    ]


def test_a_remembered_header_gives_every_answer_the_whole_path_gives(monkeypatch: pytest.MonkeyPatch) -> None:
    from workmail_local.protocol import sigv4

    cold = []
    for wire, kwargs in variants(monkeypatch):
        sigv4._VERIFIED_HEADERS.clear()
        cold.append(outcome(wire, **kwargs))
    sigv4._VERIFIED_HEADERS.clear()
    assert outcome(sign(monkeypatch)) == ("ok", KEY)
    assert len(sigv4._VERIFIED_HEADERS) == 1
    warm = [outcome(wire, **kwargs) for wire, kwargs in variants(monkeypatch)]
    assert warm == cold
    assert [code for code, _ in cold] == ["ok", "ok", "InvalidSignatureException", "InvalidSignatureException",
                                          "InvalidSignatureException", "IncompleteSignatureException",
                                          "InvalidSignatureException", "InvalidSignatureException",
                                          "UnrecognizedClientException", "ok", "ok"]


def test_only_headers_that_verified_are_remembered(monkeypatch: pytest.MonkeyPatch) -> None:
    from workmail_local.protocol import sigv4

    sigv4._VERIFIED_HEADERS.clear()
    wire = sign(monkeypatch)
    outcome(wire, secrets={})
    outcome(wire.with_header("authorization", wire.header("authorization")[:-4] + "0000"))
    assert sigv4._VERIFIED_HEADERS == {}
    monkeypatch.setattr(sigv4, "REMEMBERED_HEADERS", 1)
    assert outcome(wire) == ("ok", KEY)
    assert outcome(sign(monkeypatch, region="eu-west-1")) == ("ok", KEY)
    assert len(sigv4._VERIFIED_HEADERS) == 1  # bounded: full, it starts again


def test_request_times_are_read_per_date(monkeypatch: pytest.MonkeyPatch) -> None:
    from workmail_local.protocol.sigv4 import _request_time

    assert _request_time("20260301T120000Z") == ("20260301T120000Z", NOW)
    assert _request_time("20260301T120001Z") == ("20260301T120001Z", NOW + 1)
    assert _request_time("20260301T120001Z") == ("20260301T120001Z", NOW + 1)
    assert _request_time("Sun, 01 Mar 2026 12:00:00 GMT") == ("20260301T120000Z", NOW)
