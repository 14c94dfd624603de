"""The one pagination helper, driven by botocore's paginator definitions.

Tokens are opaque and signed: they carry the position after the last item and are
bound to the operation, the caller's account and region, and the query, so a token
cannot be replayed against another query or forged into another account's data.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

DEFAULT_PAGE_SIZE = 100


class PageTokens:
    """Encode and check page tokens with a server secret."""

    def __init__(self, secret: bytes) -> None:
        self.secret = secret
        # The key's block is hashed once: each MAC starts from a copy of this state.
        self._keyed = hashlib.blake2b(key=secret[:64], digest_size=16)

    def _mac(self, binding: str, payload: bytes) -> bytes:
        # Keyed BLAKE2b (a MAC by design, RFC 7693): CPython's own C, where HMAC-SHA256
        # through OpenSSL 3 costs more than twice as much per call (its context set-up).
        mac = self._keyed.copy()
        mac.update(binding.encode() + b"\0" + payload)
        return mac.digest()

    def encode(self, binding: str, cursor: Sequence[Any]) -> str:
        payload = orjson.dumps(list(cursor))
        raw = payload + self._mac(binding, payload)
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    def decode(self, binding: str, token: str) -> list[Any] | None:
        """The cursor a token carries, or ``None`` when it is not one we issued for this query."""
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        except (ValueError, TypeError):
            return None
        payload, mac = raw[:-16], raw[-16:]
        if len(raw) <= 16 or not hmac.compare_digest(mac, self._mac(binding, payload)):
            return None
        try:
            cursor = orjson.loads(payload)
        except orjson.JSONDecodeError:
            return None
        return cursor if isinstance(cursor, list) else None


Fetch = Callable[[list[Any] | None, int], list[Any]]


@dataclass(frozen=True, slots=True)
class PageSpec:
    """How one list operation pages, worked out from its model once at start-up."""

    input_token: str
    limit_key: str
    #: The page size when the request sets none, and the most a page may hold (None: no cap).
    default_limit: int
    max_items: int | None
    #: ``service.operation|`` — the start of every token binding of this operation.
    binding_prefix: str


def page_spec(service_name: str, model: Any, paginator: dict[str, Any] | None) -> PageSpec:
    """The :class:`PageSpec` of an operation (``model``: botocore's OperationModel) and its
    botocore paginator definition (``None``: the NextToken/MaxResults convention)."""
    spec = paginator or {"input_token": "NextToken", "output_token": "NextToken", "limit_key": "MaxResults"}
    limit_key = spec.get("limit_key", "MaxResults")
    input_token = spec.get("input_token", "NextToken")
    input_shape = model.input_shape
    limit_shape = input_shape.members.get(limit_key) if input_shape is not None else None
    default = min(DEFAULT_PAGE_SIZE, (limit_shape.metadata.get("max") if limit_shape else None) or DEFAULT_PAGE_SIZE)
    # A page never holds more than the output list may (ListApplications: 50, though MaxResults allows 100).
    result_key = spec.get("result_key")
    output_shape = model.output_shape
    result_shape = output_shape.members.get(result_key) if output_shape and isinstance(result_key, str) else None
    max_items = result_shape.metadata.get("max") if result_shape is not None else None
    return PageSpec(input_token, limit_key, min(default, max_items or default), max_items,
                    f"{service_name}.{model.name}|")


def paginate(
    ctx: Any,
    params: dict[str, Any],
    fetch: Fetch,
    cursor_of: Callable[[Any], Sequence[Any]],
    query: Sequence[Any] = (),
) -> tuple[list[Any], str | None]:
    """One page of a list operation.

    ``fetch(after, n)`` returns up to ``n`` items in a stable order, starting after the
    cursor ``after`` (``None`` for the first page); ``cursor_of(item)`` is an item's
    position in that order; ``query`` is everything else that shapes the result
    (filters), which the token is bound to. Returns the items and the next token
    (``None`` on the last page).
    """
    op = ctx.operation
    spec: PageSpec = op.page
    limit = params.get(spec.limit_key)
    if limit is None:
        limit = spec.default_limit
    elif spec.max_items is not None and limit > spec.max_items:
        limit = spec.max_items
    binding = f"{spec.binding_prefix}{ctx.account}|{ctx.region}|{orjson.dumps(list(query)).decode()}"
    token = params.get(spec.input_token)
    after = None
    if token is not None:
        after = ctx.tokens.decode(binding, token)
        if after is None:
            raise getattr(op.service.errors, op.service.invalid_input_error)(
                f"The {spec.input_token} is invalid or was issued for a different request."
            )
    items = fetch(after, limit + 1)
    if len(items) <= limit:
        return items, None
    items = items[:limit]
    return items, ctx.tokens.encode(binding, cursor_of(items[-1]))
