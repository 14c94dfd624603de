"""SigV4 ``Authorization`` headers: who is calling, for which region, and — with
``--auth enforce`` — whether the request really was signed with that key's secret.

``--auth open`` only parses the header (:func:`parse_authorization`, never an error).
``--auth enforce`` verifies it (:func:`verify`): the canonical request is rebuilt from
the method, path, query, the client's SignedHeaders and the SHA-256 of the raw body,
signed with the key derived from the configured secret, and compared in constant time.
Failures answer with the errors and texts AWS JSON services use (HTTP 400).
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import NamedTuple

from workmail_local.protocol.errors import error_class
from workmail_local.protocol.sigv4_canonical import TERMINATOR, SignedForm, canonical_bytes, sha256_hex, sign, signed_form

DEFAULT_ACCOUNT = "000000000000"
DEFAULT_REGION = "us-east-1"
ALGORITHM = "AWS4-HMAC-SHA256"
MAX_SKEW_SECONDS = 300  # AWS's bound: a signature is good 5 minutes either side of now
ISO_BASIC = "%Y%m%dT%H%M%SZ"

MissingAuthenticationTokenException = error_class("MissingAuthenticationTokenException")
IncompleteSignatureException = error_class("IncompleteSignatureException")
UnrecognizedClientException = error_class("UnrecognizedClientException")
InvalidSignatureException = error_class("InvalidSignatureException")

MISSING_TOKEN = "Missing Authentication Token"
UNRECOGNIZED_KEY = "The security token included in the request is invalid."
SIGNATURE_MISMATCH = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
)
_REQUIRED_PARAMETERS = ("Credential", "Signature", "SignedHeaders")
_ISO_BASIC_SHAPE = re.compile(r"\d{8}T\d{6}Z")
_SEPARATORS = re.compile(r"[, ]+")


class Credential(NamedTuple):
    """The parts of a SigV4 ``Authorization`` header (a tuple: made on every request, and
    a frozen dataclass's ``__init__`` cost a tenth of the signature check)."""

    access_key: str
    date: str
    region: str
    service: str
    signed_headers: tuple[str, ...]
    signature: str


# -- open mode: who the caller says it is -------------------------------------------


def parse_authorization(header: str) -> Credential | None:
    """Parse ``AWS4-HMAC-SHA256 Credential=AK/date/region/service/aws4_request, …``.

    Returns ``None`` for anything that is not a well-formed SigV4 header.
    """
    algorithm, _, rest = header.partition(" ")
    if algorithm != ALGORITHM:
        return None
    parts: dict[str, str] = {}
    for item in rest.split(","):
        name, _, value = item.strip().partition("=")
        parts[name] = value
    scope = parts.get("Credential", "").split("/")
    if len(scope) != 5 or scope[4] != TERMINATOR:
        return None
    return Credential(
        access_key=scope[0],
        date=scope[1],
        region=scope[2],
        service=scope[3],
        signed_headers=tuple(parts.get("SignedHeaders", "").split(";")),
        signature=parts.get("Signature", ""),
    )


def default_account(access_key: str) -> str:
    """The account of a key nobody configured: a 12-digit key is that account, else the default."""
    if len(access_key) == 12 and access_key.isdigit():
        return access_key
    return DEFAULT_ACCOUNT


def claimed_scope(header: str) -> tuple[str, str] | None:
    """``(access key, region)`` from an ``Authorization`` header's credential scope, or
    ``None`` when it has none. The cheap read open mode needs on every request."""
    start = header.find("Credential=")
    if start < 0 or not header.startswith(ALGORITHM):
        return None
    start += len("Credential=")
    end = header.find(",", start)
    scope = (header[start:] if end < 0 else header[start:end]).strip().split("/")
    if len(scope) != 5 or scope[4] != TERMINATOR:
        return None
    return scope[0], scope[2]


def account_for(access_key: str, accounts: Mapping[str, str] | None = None) -> str:
    """The account an access key belongs to: its configured account (``accounts`` maps
    key ID → account), else :func:`default_account`."""
    if accounts:
        configured = accounts.get(access_key)
        if configured is not None:
            return configured
    return default_account(access_key)


# -- enforce mode: verify the signature ---------------------------------------------


def verify(
    method: str,
    raw_path: str,
    query: str,
    headers: Mapping[bytes, bytes],
    body: bytes,
    secrets: Mapping[str, str],
    service: str,
    now: float,
) -> Credential:
    """Verify a request's SigV4 signature; return its credential or raise the AWS error.

    ``raw_path`` and ``query`` are as received (still percent-encoded); ``headers`` has
    lowercase names; ``secrets`` maps access key ID → secret access key; ``service`` is
    the signing name the credential scope must carry; ``now`` (epoch seconds) is the
    time the request date is checked against.

    A client sends the same header but for its signature all day (same key, scope and
    signed headers): what the header's own checks found is remembered by the text before
    ``, Signature=`` (a bounded memo of headers that verified), so a known header skips
    parsing; a new or odd one takes the whole path, whose errors come in AWS's order.
    """
    raw = headers.get(b"authorization")
    if raw is None:
        raise MissingAuthenticationTokenException(MISSING_TOKEN)
    date_text = _request_date_text(headers)
    # The memo is read in bytes, as the header came: a bytes check of the signature's
    # characters costs a tenth of the same check on text.
    cut = raw.rfind(b", Signature=")
    prefix, tail = (raw[:cut], raw[cut + 12:]) if cut > 0 else (b"", b"")
    known = _VERIFIED_HEADERS.get(prefix) if tail.isalnum() else None
    if known is None or date_text is None:
        signed_headers, scope, text = _read_header(raw.decode("latin-1"), date_text)
        form, signature = signed_form(signed_headers), text.encode("latin-1")
    else:
        (signed_headers, scope, form), signature = known, tail
    assert date_text is not None  # _read_header raised otherwise
    timestamp, when = _request_time(date_text)
    _check_skew(timestamp, when, now)
    if len(scope) != 5:
        raise IncompleteSignatureException(
            "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term,"
            f" got '{'/'.join(scope)}'")
    access_key, date, region, scope_service, terminator = scope
    _check_scope(timestamp, date, region, scope_service, terminator, service)
    secret = secrets.get(access_key)
    if secret is None:
        raise UnrecognizedClientException(UNRECOGNIZED_KEY)
    canonical = canonical_bytes(method, raw_path, query, headers, form, body)
    to_sign = f"{ALGORITHM}\n{timestamp}\n{date}/{region}/{scope_service}/{TERMINATOR}\n".encode("utf-8") \
        + sha256_hex(canonical)
    if not hmac.compare_digest(sign(secret, date, region, scope_service, to_sign).encode("ascii"), signature):
        raise InvalidSignatureException(SIGNATURE_MISMATCH)
    if known is None and prefix and tail == signature:  # read the same way next time
        if len(_VERIFIED_HEADERS) >= REMEMBERED_HEADERS:
            _VERIFIED_HEADERS.clear()
        _VERIFIED_HEADERS[prefix] = (signed_headers, scope, form)
    return Credential(access_key, date, region, scope_service, signed_headers, signature.decode("latin-1"))


#: Headers (all but the signature) that verified → their signed headers, scope and signed form.
_VERIFIED_HEADERS: dict[bytes, tuple[tuple[str, ...], tuple[str, ...], SignedForm]] = {}
REMEMBERED_HEADERS = 1024


def _read_header(header: str, date_text: str | None) -> tuple[tuple[str, ...], tuple[str, ...], str]:
    """The signed headers, the credential scope and the signature of an ``Authorization``
    header, after its own checks (and the date header's presence, reported with them)."""
    algorithm, params = _parameters(header)
    missing = [f"Authorization header requires '{name}' parameter." for name in _REQUIRED_PARAMETERS
               if not params.get(name)]
    if date_text is None:
        missing.append("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
    if missing:
        raise IncompleteSignatureException(" ".join(missing) + f" Authorization={header}")
    if algorithm != ALGORITHM:
        raise IncompleteSignatureException(f"Unsupported AWS 'algorithm': '{algorithm}'")
    signed_headers = tuple(params["SignedHeaders"].split(";"))
    if "host" not in signed_headers:
        raise IncompleteSignatureException("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.")
    return signed_headers, tuple(params["Credential"].split("/")), params["Signature"]


def _parameters(header: str) -> tuple[str, dict[str, str]]:
    """The algorithm and the ``name=value`` parameters; AWS splits on commas and spaces."""
    algorithm, _, rest = header.partition(" ")
    params: dict[str, str] = {}
    for item in _SEPARATORS.split(rest):
        if not item:
            continue
        name, equals, value = item.partition("=")
        if not equals:
            raise IncompleteSignatureException(
                f"'{item}' not a valid key=value pair (missing equal-sign) in Authorization header: '{header}'.")
        params[name] = value
    return algorithm, params


def _request_date_text(headers: Mapping[bytes, bytes]) -> str | None:
    value = headers.get(b"x-amz-date") or headers.get(b"date")
    return value.decode("latin-1").strip() if value else None


def _request_time(text: str) -> tuple[str, float]:
    """The request time as SigV4's ``YYYYMMDDTHHMMSSZ`` and as epoch seconds.

    ``X-Amz-Date`` is in that form; a ``Date`` header (RFC 7231) is accepted as AWS does.
    The last answer is kept: requests of the same second carry the same date."""
    global _last_time
    last = _last_time
    if last[0] == text:
        return last[1]
    answer = _read_time(text)
    _last_time = (text, answer)
    return answer


_last_time: tuple[str, tuple[str, float]] = ("", ("", 0.0))


def _read_time(text: str) -> tuple[str, float]:
    try:
        if _ISO_BASIC_SHAPE.fullmatch(text):
            # YYYYMMDDTHHMMSSZ read by position (strptime parses its format with a regex
            # on every call: the most expensive step of checking a signature).
            when = datetime(int(text[0:4]), int(text[4:6]), int(text[6:8]), int(text[9:11]), int(text[11:13]),
                            int(text[13:15]), tzinfo=UTC)
            if text.isascii():
                return text, when.timestamp()
        else:
            when = parsedate_to_datetime(text)
            when = when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
    except (ValueError, TypeError, OverflowError):
        raise IncompleteSignatureException(
            f"Date must be in ISO-8601 'basic format'. Got '{text}'. See http://en.wikipedia.org/wiki/ISO_8601"
        ) from None
    return when.strftime(ISO_BASIC), when.timestamp()


def _iso(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).strftime(ISO_BASIC)


def _check_skew(timestamp: str, when: float, now: float) -> None:
    now = float(int(now))
    if when < now - MAX_SKEW_SECONDS:
        raise InvalidSignatureException(
            f"Signature expired: {timestamp} is now earlier than {_iso(now - MAX_SKEW_SECONDS)} ({_iso(now)} - 5 min.)")
    if when > now + MAX_SKEW_SECONDS:
        raise InvalidSignatureException(
            f"Signature not yet current: {timestamp} is still later than {_iso(now + MAX_SKEW_SECONDS)}"
            f" ({_iso(now)} + 5 min.)")


def _check_scope(timestamp: str, date: str, region: str, service: str, terminator: str, expected_service: str) -> None:
    if region and service == expected_service and terminator == TERMINATOR and date == timestamp[:8]:
        return  # every signed request: no list of problems made
    problems = []
    if not region:
        problems.append(f"Credential should be scoped to a valid region, not '{region}'.")
    if service != expected_service:
        problems.append(f"Credential should be scoped to correct service: '{expected_service}'.")
    if terminator != TERMINATOR:
        problems.append(f"Credential should be scoped with a valid terminator: '{TERMINATOR}', not '{terminator}'.")
    if date != timestamp[:8]:
        problems.append("Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: "
                        f"'{date}' != '{timestamp[:8]}', from '{timestamp}'.")
    if problems:
        raise InvalidSignatureException(" ".join(problems))
