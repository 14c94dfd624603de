"""What a SigV4 signature covers: the canonical request and the signing key, as AWS
and botocore compute them (``sigv4.verify`` checks a request's signature with them)."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from functools import lru_cache
from typing import Any, NamedTuple
from urllib.parse import quote, unquote_plus

TERMINATOR = "aws4_request"
_SHA256_BLOCK = 64  # bytes: an HMAC key is padded to one block
_SEPARATORS_AS_SPACES = bytes.maketrans(b"\x1c\x1d\x1e\x1f", b"    ")


def signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    """``kSigning`` for a secret and scope."""
    key = hmac.new(f"AWS4{secret}".encode(), date.encode("utf-8"), hashlib.sha256).digest()
    for part in (region, service, TERMINATOR):
        key = hmac.new(key, part.encode("utf-8"), hashlib.sha256).digest()
    return key


@lru_cache(maxsize=1024)
def signing_pads(secret: str, date: str, region: str, service: str) -> tuple[Any, Any]:
    """SHA-256 already fed the signing key's inner and outer HMAC pads (RFC 2104); cached,
    as a key serves a whole day of requests."""
    block = signing_key(secret, date, region, service).ljust(_SHA256_BLOCK, b"\0")
    return (hashlib.sha256(bytes(byte ^ 0x36 for byte in block)),
            hashlib.sha256(bytes(byte ^ 0x5C for byte in block)))


def sign(secret: str, date: str, region: str, service: str, string_to_sign: bytes) -> str:
    """The hex HMAC-SHA256 of ``string_to_sign`` under the scope's signing key.

    HMAC written out over copies of the two padded hashes: OpenSSL 3's one-shot HMAC
    (``hmac.digest``) sets up a MAC context on every call (measured: 25k instructions a
    signature, against 9k this way)."""
    inner, outer = signing_pads(secret, date, region, service)
    inner = inner.copy()
    inner.update(string_to_sign)
    outer = outer.copy()
    outer.update(inner.digest())
    return outer.hexdigest()


#: The SHA-256 of nothing: hashes start as copies of it (OpenSSL 3 looks the digest up
#: again for every new one, which cost as much as hashing a request body).
_SHA256 = hashlib.sha256()
#: The most header lines one SignedHeaders entry remembers before it starts again, and
#: the longest value whose line it keeps.
REMEMBERED_LINES = 64
REMEMBERED_VALUE_BYTES = 256


class SignedForm(NamedTuple):
    """What a SignedHeaders list contributes to every canonical request it signs: for each
    header, its name to look up (latin-1, as it came), its line's start (UTF-8, as botocore
    hashes the text) and the lines of the short values it was last seen with (a client
    sends the same host, target and content type all day); and the list's own line.

    A form is made per request until its header verifies; ``sigv4.verify`` then keeps it
    with the header (bounded, as that memo is), so nothing a caller sends unsigned is kept."""

    names: tuple[tuple[bytes, bytes, dict[bytes, bytes]], ...]
    line: bytes


def signed_form(signed_headers: tuple[str, ...]) -> SignedForm:
    """A new :class:`SignedForm` of a SignedHeaders list."""
    return SignedForm(tuple((name.encode("latin-1"), name.encode("utf-8") + b":", {}) for name in signed_headers),
                      ";".join(signed_headers).encode("utf-8"))


def sha256_hex(data: bytes) -> bytes:
    """The hex SHA-256 of ``data``, as ASCII bytes."""
    digest = _SHA256.copy()
    digest.update(data)
    return digest.hexdigest().encode("ascii")


def canonical_request(method: str, raw_path: str, query: str, headers: Mapping[bytes, bytes],
                      signed_headers: tuple[str, ...], body: bytes) -> str:
    """SigV4's canonical request, over the headers the client says it signed and the raw body."""
    return canonical_bytes(method, raw_path, query, headers, signed_form(signed_headers), body).decode("utf-8")


def canonical_bytes(method: str, raw_path: str, query: str, headers: Mapping[bytes, bytes],
                    form: SignedForm, body: bytes) -> bytes:
    """:func:`canonical_request` as the UTF-8 bytes SigV4 hashes, built as bytes: header
    values arrive as bytes, and an ASCII one (every SDK's) is written as it came."""
    if method == "POST" and raw_path == "/" and not query:
        lines = [b"POST", b"/", b""]  # every JSON-protocol request
    else:
        lines = [method.upper().encode("utf-8"), canonical_uri(raw_path).encode("utf-8"),
                 canonical_query(query).encode("utf-8") if query else b""]
    for key, label, seen in form.names:
        value = headers.get(key, b"")
        line = seen.get(value)
        if line is None:
            line = header_line(label, value)
            if len(value) <= REMEMBERED_VALUE_BYTES:
                if len(seen) >= REMEMBERED_LINES:
                    seen.clear()
                seen[value] = line
        lines.append(line)
    lines.append(b"")
    lines.append(form.line)
    lines.append(sha256_hex(body))
    return b"\n".join(lines)


def header_line(label: bytes, value: bytes) -> bytes:
    """``name:value`` with the value trimmed and each inner whitespace run made one space,
    as botocore writes the text it sent. A value that is not ASCII is read as latin-1
    (as HTTP carries it) and written in UTF-8; ``str.split`` also splits at \\x1c-\\x1f,
    where ``bytes.split`` does not, so those become spaces first."""
    if value.isascii():
        return label + b" ".join(value.translate(_SEPARATORS_AS_SPACES).split())
    return label + " ".join(value.decode("latin-1").split()).encode("utf-8")


def canonical_uri(raw_path: str) -> str:
    """The path with dot segments and empty segments removed, URI-encoded once more
    (non-S3 services encode the already-encoded path again, as SDKs sign it)."""
    if raw_path == "/":
        return raw_path  # every JSON-protocol request
    segments: list[str] = []
    for segment in raw_path.split("/"):
        if segment == "..":
            if segments:
                segments.pop()
        elif segment and segment != ".":
            segments.append(segment)
    path = "/" + "/".join(segments)
    if segments and raw_path.endswith("/"):
        path += "/"
    return quote(path, safe="/~")


def canonical_query(query: str) -> str:
    """Each name and value decoded, re-encoded the RFC 3986 way, sorted by name then value.

    A ``+`` decodes to a space, as in form encoding: that is how botocore's own
    ``params`` reach the wire, signed as ``%20``."""
    pairs = []
    for item in query.split("&"):
        if not item:
            continue
        name, _, value = item.partition("=")
        pairs.append((quote(unquote_plus(name), safe="-_.~"), quote(unquote_plus(value), safe="-_.~")))
    return "&".join(f"{name}={value}" for name, value in sorted(pairs))
