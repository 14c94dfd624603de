"""Idempotency tokens (``ClientToken``), for every operation whose model marks one.

The same token with the same parameters answers the first response again without
running the handler; the same token with other parameters is refused. Records are
kept per account, region and operation, in the request's own transaction.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import orjson

from workmail_local.context import RequestContext


def run_once(
    ctx: RequestContext,
    params: dict[str, Any],
    call: Callable[[], dict[str, Any] | None],
) -> dict[str, Any] | None:
    """Run ``call`` unless this request's idempotency token was already used."""
    op = ctx.operation
    token = params.get(op.idempotency_token) if op.idempotency_token else None
    if token is None:
        return call()
    rest = {k: v for k, v in params.items() if k != op.idempotency_token}
    request_hash = hashlib.sha256(orjson.dumps(rest, option=orjson.OPT_SORT_KEYS)).hexdigest()
    key = (ctx.account, ctx.region, op.name, token)
    row = ctx.tx.one(
        "SELECT request_hash, response FROM idempotency"
        " WHERE account = ? AND region = ? AND operation = ? AND token = ?",
        key,
    )
    if row is not None:
        if row["request_hash"] != request_hash:
            raise getattr(op.service.errors, op.service.invalid_input_error)(
                f"The {op.idempotency_token} {token} was already used with different parameters."
            )
        return orjson.loads(row["response"])
    result = call()
    ctx.tx.execute(
        "INSERT INTO idempotency (account, region, operation, token, request_hash, response, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (*key, request_hash, orjson.dumps(result or {}).decode(), ctx.now),
    )
    return result
