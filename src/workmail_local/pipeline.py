"""The AWS JSON 1.1 pipeline, as methods of :class:`~workmail_local.app.App`:

    route (X-Amz-Target → operation) → authenticate (SigV4 → account, region)
    → parse (JSON → values) → validate (every constraint) → handler (one transaction)
    → serialize (output shape → JSON; errors → __type/message)

A mixin rather than functions the app calls: the code moved here, the per-request call
path did not grow (bench/ measures it). The attributes it reads are set by ``App``.
"""

from __future__ import annotations

import logging
import time
import traceback
from typing import TYPE_CHECKING, Any

import orjson

from workmail_local.context import RequestContext
from workmail_local.idempotency import run_once
from workmail_local.protocol.errors import (
    InternalFailure,
    NotImplementedOperation,
    SerializationException,
    ServiceError,
    UnknownOperationException,
    error_class,
    internal_failure,
)
from workmail_local.protocol.model import Operation
from workmail_local.protocol.serialize import RenderedStructure
from workmail_local.protocol.sigv4 import ALGORITHM, DEFAULT_ACCOUNT, DEFAULT_REGION, account_for, claimed_scope, verify
from workmail_local.protocol.validate import summary
from workmail_local.store import Tx

if TYPE_CHECKING:
    from workmail_local.access_log import AccessLog
    from workmail_local.config import Settings
    from workmail_local.protocol.pagination import PageTokens
    from workmail_local.request_ids import RequestIds
    from workmail_local.sealed import SecretBox
    from workmail_local.store import Store

log = logging.getLogger("workmail_local.requests")
ALGORITHM_BYTES = ALGORITHM.encode()
#: Credential scopes whose account and region are remembered (clients × days).
REMEMBERED_CALLERS = 1024


class AwsPipeline:
    """``handle_aws`` and its steps; mixed into :class:`~workmail_local.app.App`."""

    settings: Settings
    store: Store
    secrets: SecretBox
    tokens: PageTokens
    request_ids: RequestIds
    access_log: AccessLog
    key_accounts: dict[str, str]
    key_secrets: dict[str, str] | None
    _callers: dict[bytes, tuple[str, str]]
    targets: dict[str, tuple[Operation, Any]]
    prefixes: set[str]

    if TYPE_CHECKING:
        def _now(self, tx: Tx) -> float: ...

    def _caller(self, headers: dict[bytes, bytes]) -> tuple[str, str]:
        """Account and region as the SigV4 header claims them, unverified (open mode, control API).

        The credential scope (``key/date/region/service/aws4_request``) is the same on every
        request of a client for a whole day, so its answer is remembered by the scope's
        bytes (a bounded memo); the rest of the header changes with every request."""
        auth = headers.get(b"authorization")
        start = auth.find(b"Credential=") if auth else -1
        end = auth.find(b",", start) if start >= 0 else -1
        if end < 0 or not auth.startswith(ALGORITHM_BYTES):
            scope = claimed_scope(auth.decode("latin-1")) if auth else None
            return (DEFAULT_ACCOUNT, DEFAULT_REGION) if scope is None else self.claimed_caller(*scope)
        credential = auth[start:end]
        known = self._callers.get(credential)
        if known is None:
            scope = claimed_scope(auth.decode("latin-1"))
            known = (DEFAULT_ACCOUNT, DEFAULT_REGION) if scope is None else self.claimed_caller(*scope)
            if len(self._callers) >= REMEMBERED_CALLERS:
                self._callers.clear()
            self._callers[credential] = known
        return known

    def claimed_caller(self, access_key: str, region: str) -> tuple[str, str]:
        """Account and region of a caller known without a header (in-process): what its
        signature would claim."""
        return account_for(access_key, self.key_accounts), region

    def _verified_caller(self, op: Operation, method: str, raw_path: str, query: str,
                         headers: dict[bytes, bytes], body: bytes) -> tuple[str, str]:
        """Account and region of a request whose signature checks out (enforce mode), or the AWS error.

        The date is checked against real time, not the emulator's clock: clients sign with
        their wall clock, and advancing the emulator's clock must not lock them out."""
        assert self.key_secrets is not None
        credential = verify(method, raw_path, query, headers, body, self.key_secrets,
                            op.service.signing_name, time.time())
        return self.key_accounts[credential.access_key], credential.region

    def handle_aws(
        self, method: str, path: str, headers: dict[bytes, bytes], body: bytes,
        query: bytes = b"", raw_path: bytes | None = None, caller: tuple[str, str] | None = None,
    ) -> tuple[int, bytes, list[tuple[bytes, bytes]]]:
        """Answer one AWS JSON 1.1 request: status, body and extra headers.

        ``query`` and ``raw_path`` are the query string and path as received (percent-encoded),
        which enforce mode signs over; ``raw_path`` defaults to ``path``. ``caller``: the
        claimed account and region when they are known without the Authorization header
        (in-process, open mode; :meth:`claimed_caller`)."""
        started = time.perf_counter()
        request_id = self.request_ids.next()
        target = headers.get(b"x-amz-target", b"").decode("latin-1")
        op_label = target.rpartition(".")[2] or "-"
        enforce = self.key_secrets is not None
        account, region = ("-", "-") if enforce else caller or self._caller(headers)
        extra = [(b"x-amzn-requestid", request_id.encode())]
        try:
            op, handler = self._route(method, path, target)
            if enforce:
                account, region = self._verified_caller(
                    op, method, raw_path.decode("latin-1") if raw_path is not None else path,
                    query.decode("latin-1"), headers, body)
            status, payload = 200, self._run(op, handler, account, region, request_id, body)
            error = "-"
        except ServiceError as exc:
            status, error = exc.status, exc.code
            payload = orjson.dumps({"__type": exc.code, "message": exc.message, **exc.fields})
            extra.append((b"x-amzn-errortype", exc.code.encode()))
        except Exception:  # noqa: BLE001 - a fault answers 500, never a stack trace
            status, error = 500, InternalFailure.code
            log.error("request %s failed:\n%s", request_id, traceback.format_exc())
            payload = orjson.dumps(internal_failure(request_id))
            extra.append((b"x-amzn-errortype", InternalFailure.code.encode()))
        self.access_log.request(op_label, account, region, status, error, started, request_id)
        return status, payload, extra

    def _route(self, method: str, path: str, target: str) -> tuple[Operation, Any]:
        """The operation and its handler (None when not implemented) for an X-Amz-Target."""
        if method != "POST" or path != "/":
            raise UnknownOperationException(f"Only POST / is served; got {method} {path}")
        entry = self.targets.get(target)
        if entry is None:
            prefix = target.partition(".")[0]
            if prefix in self.prefixes:
                raise UnknownOperationException(f"Unknown operation {target}")
            raise UnknownOperationException(f"Unknown target {target!r}: no hosted service has it")
        return entry

    def _run(self, op: Operation, handler: Any, account: str, region: str, request_id: str, body: bytes) -> bytes:
        try:
            data = orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            if body.strip():
                raise SerializationException(f"The request body is not valid JSON: {exc}") from None
            data = {}  # an empty (or blank) body is an empty input
        if type(data) is not dict:
            raise SerializationException("The request body must be a JSON object")
        params = op.parse(data, "") if op.parse is not None else {}
        if op.validate is not None:
            problems: list[str] = []
            op.validate(params, "", problems)
            if problems:
                raise error_class(op.service.validation_error)(summary(problems))
        if handler is None:
            raise NotImplementedOperation(f"{op.name} is not implemented by WorkMail Local yet")

        def attempt(tx: Tx) -> Any:
            ctx = RequestContext(account, region, request_id, op, tx, self._now(tx), self.settings, self.tokens,
                                 self.secrets)
            if op.idempotency_token is None:
                return handler(ctx, params)
            return run_once(ctx, params, lambda: handler(ctx, params))

        # Run again from the start if it lost a race with another process (PostgreSQL).
        result = self.store.run(attempt)
        if not result:
            if op.service.strict_output and op.serialize is not None:
                op.serialize({})  # strict mode: an empty answer must have no required members
            return b"{}"
        if op.serialize is None or result.__class__ is RenderedStructure:  # written as it is
            return orjson.dumps(result)
        return orjson.dumps(op.serialize(result))
