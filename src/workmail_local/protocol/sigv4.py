"""SigV4 ``Authorization`` headers: who is calling, and for which region.

In ``--auth open`` mode (the only one so far) the signature is parsed, not verified;
the parsed parts and the raw request stay available for a verifying mode.
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_ACCOUNT = "000000000000"
DEFAULT_REGION = "us-east-1"


@dataclass(frozen=True, slots=True)
class Credential:
    """The parts of a SigV4 ``Authorization`` header."""

    access_key: str
    date: str
    region: str
    service: str
    signed_headers: tuple[str, ...]
    signature: str


def parse_authorization(header: str) -> Credential | None:
    """Parse ``AWS4-HMAC-SHA256 Credential=AK/date/region/service/aws4_request, …``.

    Returns ``None`` for anything that is not a well-formed SigV4 header.
    """
    algorithm, _, rest = header.partition(" ")
    if algorithm != "AWS4-HMAC-SHA256":
        return None
    parts: dict[str, str] = {}
    for item in rest.split(","):
        name, _, value = item.strip().partition("=")
        parts[name] = value
    scope = parts.get("Credential", "").split("/")
    if len(scope) != 5 or scope[4] != "aws4_request":
        return None
    return Credential(
        access_key=scope[0],
        date=scope[1],
        region=scope[2],
        service=scope[3],
        signed_headers=tuple(parts.get("SignedHeaders", "").split(";")),
        signature=parts.get("Signature", ""),
    )


def account_for(access_key: str, keys: dict[str, str] | None = None) -> str:
    """The account an access key belongs to: a 12-digit key is that account, a
    configured key maps to its account, anything else is the default account."""
    if len(access_key) == 12 and access_key.isdigit():
        return access_key
    if keys and access_key in keys:
        return keys[access_key]
    return DEFAULT_ACCOUNT
