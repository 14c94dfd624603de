"""The ASGI application: the request pipeline, plus the control API.

    route (X-Amz-Target → operation) → authenticate (SigV4 → account, region)
    → parse (JSON → values) → validate (every constraint) → handler (one transaction)
    → serialize (output shape → JSON; errors → __type/message)

CPU-heavy work inside a handler (password hashing) runs between two runs of the request,
off the event loop and outside any transaction: see ``workmail_local.slow``.

Written against raw ASGI: this is the hot path, and a framework's request objects
would cost more than the work itself.
"""

from __future__ import annotations

import logging
import secrets
import time
import traceback
from typing import Any
from urllib.parse import parse_qsl

import orjson

from workmail_local.access_log import AccessLog, escape
from workmail_local.clock import Clock
from workmail_local.config import Settings
from workmail_local.context import RequestContext
from workmail_local.control import PREFIX as CONTROL_PREFIX
from workmail_local.control import (
    ADMIN,
    CONTROL_SIGNING_NAME,
    NOT_DURABLE,
    ControlError,
    ControlRequest,
    caller_scope,
    check_members,
    load_routes,
)
from workmail_local.credentials import load_credentials_file
from workmail_local.idempotency import run_once
from workmail_local.jobs.export import ExportRunner
from workmail_local.mailbox_auth import logins
from workmail_local.protocol.errors import (
    InternalFailure,
    NotImplementedOperation,
    RequestEntityTooLarge,
    SerializationException,
    ServiceError,
    UnknownOperationException,
    error_class,
)
from workmail_local.protocol.model import Operation, Service, load_service
from workmail_local.protocol.pagination import PageTokens
from workmail_local.protocol.sigv4 import DEFAULT_ACCOUNT, DEFAULT_REGION, account_for, claimed_scope, verify
from workmail_local.protocol.validate import summary
from workmail_local.request_ids import RequestIds
from workmail_local.sealed import box_for
from workmail_local.services import HOSTED, load_handlers
from workmail_local.slow import in_rounds
from workmail_local.store import Store, Tx, open_store
from workmail_local.web import PAGE_PREFIXES, Pages, is_page

log = logging.getLogger("workmail_local.requests")

JSON_11 = b"application/x-amz-json-1.1"
JSON = b"application/json"


class App:
    """WorkMail Local as an ASGI callable."""

    def __init__(self, settings: Settings, store: Store | None = None) -> None:
        self.settings = settings
        # Keys first: a bad credentials file must stop start-up before any file is written.
        keys = load_credentials_file(settings.credentials_file) if settings.credentials_file else {}
        if settings.auth == "enforce" and not keys:
            raise ValueError("--auth enforce needs a credentials file")
        self.key_accounts = {key_id: key.account for key_id, key in keys.items()}
        # Only enforce mode keeps secrets in memory.
        self.key_secrets = ({key_id: key.secret_access_key for key_id, key in keys.items()}
                            if settings.auth == "enforce" else None)
        self.store = store or open_store(settings.resolved_data_dir, settings.in_memory, settings.database_url)
        try:
            self.secrets = box_for(settings)
        except BaseException:
            self.store.close()
            raise
        self.services_by_name: dict[str, Service] = {
            name: load_service(name, settings.validation_error) for name in HOSTED
        }
        registries = load_handlers()
        # "WorkMailService.CreateOrganization" → (operation, handler or None)
        self.targets: dict[str, tuple[Operation, Any]] = {}
        for name, service in self.services_by_name.items():
            handlers = registries[name].by_operation
            for op_name, op in service.operations.items():
                self.targets[f"{service.target_prefix}.{op_name}"] = (op, handlers.get(op_name))
        self.prefixes = {s.target_prefix for s in self.services_by_name.values()}
        self.control_routes = load_routes()
        self.clock = Clock()
        self.tokens = PageTokens(b"")
        self.request_ids = RequestIds()
        # Where mail is served (SMTPS/SMTP addresses, the TLS certificate, LMTP, the mail
        # directory), filled in by `serve` once it listens: GET /_workmail-local/mail.
        self.mail_info: dict[str, Any] = {}
        self.access_log = AccessLog(enabled=logging.getLevelName(settings.log_level.upper()) <= logging.INFO)
        self.store.run(self._start)
        # Mailbox export jobs run in this thread, started with the server (lifespan).
        self.exports = ExportRunner(self.store, settings, self._now)
        self.pages = Pages(self)

    def _start(self, tx: Tx) -> None:
        """Start-up: the emulator's state, and secrets an earlier version stored in clear sealed."""
        self._load_meta(tx, secrets.token_hex(32))
        self.secrets.seal_clear_secrets(tx)

    # -- emulator state -------------------------------------------------------------

    def _load_meta(self, tx: Tx, new_secret: str) -> None:
        """Clock offset and page-token secret survive restarts; the secret is created when
        absent. Insert-if-absent, then read back: processes sharing a database that start
        at once agree on one secret."""
        tx.execute("INSERT INTO meta (key, value) VALUES ('page_token_secret', ?) ON CONFLICT (key) DO NOTHING",
                   (new_secret,))
        rows = {r["key"]: r["value"] for r in tx.all("SELECT key, value FROM meta")}
        self.tokens = PageTokens(bytes.fromhex(rows["page_token_secret"]))
        self.clock.offset = float(rows.get("clock_offset", 0.0))
        self.secrets.check_database(tx)
        logins.set_history(tx, self.settings.login_history)

    def _now(self, tx: Tx) -> float:
        """The clock reading for one transaction. With a shared database another process
        may have moved the clock: read its offset in this transaction first."""
        if self.store.shared:
            offset = tx.value("SELECT value FROM meta WHERE key = 'clock_offset'")
            self.clock.offset = float(offset) if offset is not None else 0.0
        return self.clock.now()

    def set_clock_offset(self, tx: Tx, offset: float) -> None:
        tx.execute(
            "INSERT INTO meta (key, value) VALUES ('clock_offset', ?)"
            " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (repr(float(offset)),),
        )
        self.clock.offset = offset

    def reset(self, tx: Tx) -> None:
        """Wipe all state and set the clock back to real time.

        The page-token secret is kept: other processes sharing the database hold it."""
        self.store.wipe(tx)
        self.clock.reset()
        self._load_meta(tx, self.tokens.secret.hex())

    # -- ASGI -----------------------------------------------------------------------

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        headers = {k: v for k, v in scope["headers"]}
        path = scope["path"]
        body = await self._read_body(headers, receive)
        if body is None:  # the client went away
            return
        # In rounds: a request needing slow work (password hashing) has it done off the loop
        # and outside its transaction, then runs again (see workmail_local.slow).
        if type(body) is int:
            status, payload, extra = self.too_large(path, headers, body)
            content_type = JSON if path.startswith(CONTROL_PREFIX) else JSON_11
        elif path != "/" and path.startswith(PAGE_PREFIXES) or (
                path == "/" and scope["method"] != "POST" and is_page(scope["method"], path, headers)):
            # A page (never POST /): the web sub-application answers it (workmail_local.web).
            status, payload, extra, content_type = await in_rounds(lambda: self.pages.handle(scope, headers, body))
        elif path.startswith(CONTROL_PREFIX):
            status, payload, extra = await in_rounds(
                lambda: self.handle_control(scope["method"], path, headers, body,
                                            scope.get("query_string", b""), scope.get("raw_path")))
            content_type = JSON
        else:
            status, payload, extra = await in_rounds(
                lambda: self.handle_aws(scope["method"], path, headers, body,
                                        scope.get("query_string", b""), scope.get("raw_path")))
            content_type = JSON_11
        await send({
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", content_type),
                (b"content-length", str(len(payload)).encode()),
                *extra,
            ],
        })
        # HEAD answers like GET, without the body (the length says how long it would be).
        await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else payload})

    async def _read_body(self, headers: dict[bytes, bytes], receive: Any) -> bytes | int | None:
        """The request body; or, when it is over ``--max-request-bytes``, the size known so
        far (an ``int``: the declared Content-Length, else the bytes received when the
        running count passed the limit), without reading the rest; ``None`` when the
        client disconnected. Chunks are joined once: reading is linear in size."""
        limit = self.settings.max_request_bytes
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            return int(declared)
        chunks: list[bytes] = []
        total = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            chunk = message.get("body", b"")
            if chunk:
                total += len(chunk)
                if total > limit:
                    return total
                chunks.append(chunk)
            if not message.get("more_body"):
                break
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)

    def too_large(self, path: str, headers: dict[bytes, bytes],
                  size: int) -> tuple[int, bytes, list[tuple[bytes, bytes]]]:
        """413 for a body over the limit; the connection is closed (the rest is never read)."""
        request_id = self.request_ids.next()
        code = RequestEntityTooLarge.code
        limit = self.settings.max_request_bytes
        payload = orjson.dumps({
            "__type": code,
            "message": f"The request body ({size} bytes or more) is larger than the {limit} bytes this server "
                       "accepts (--max-request-bytes).",
        })
        if self.access_log.enabled:
            target = headers.get(b"x-amz-target", b"").decode("latin-1").rpartition(".")[2] or "-"
            label = path if path.startswith(CONTROL_PREFIX) else target
            self.access_log.write(f"{escape(label)} status=413 error={code} bytes={size}")
        return 413, payload, [(b"x-amzn-requestid", request_id.encode()), (b"x-amzn-errortype", code.encode()),
                              (b"connection", b"close")]

    async def _lifespan(self, receive: Any, send: Any) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                self.exports.start()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                self.exports.stop()
                self.access_log.flush()
                self.store.close()
                await send({"type": "lifespan.shutdown.complete"})
                return

    # -- the AWS pipeline -----------------------------------------------------------

    def _caller(self, headers: dict[bytes, bytes]) -> tuple[str, str]:
        """Account and region as the SigV4 header claims them, unverified (open mode, control API)."""
        auth = headers.get(b"authorization")
        scope = claimed_scope(auth.decode("latin-1")) if auth else None
        if scope is None:
            return DEFAULT_ACCOUNT, DEFAULT_REGION
        return account_for(scope[0], self.key_accounts), scope[1]

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
        query: bytes = b"", raw_path: bytes | None = None,
    ) -> tuple[int, bytes, list[tuple[bytes, bytes]]]:
        """Answer one AWS JSON 1.1 request: status, body and extra headers.

        ``query`` and ``raw_path`` are the query string and path as received (percent-encoded),
        which enforce mode signs over; ``raw_path`` defaults to ``path``."""
        started = time.perf_counter()
        request_id = self.request_ids.next()
        target = headers.get(b"x-amz-target", b"").decode("latin-1")
        op_label = target.rpartition(".")[2] or "-"
        enforce = self.key_secrets is not None
        account, region = ("-", "-") if enforce else self._caller(headers)
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
            payload = orjson.dumps({
                "__type": InternalFailure.code,
                "message": f"An internal error occurred. Request ID: {request_id}",
            })
            extra.append((b"x-amzn-errortype", InternalFailure.code.encode()))
        if self.access_log.enabled:
            elapsed = (time.perf_counter() - started) * 1000
            self.access_log.write(f"{escape(op_label)} account={escape(account)} region={escape(region)} "
                                  f"status={status} error={error} "
                                  f"{elapsed:.1f}ms{f' request_id={request_id}' if status >= 500 else ''}")
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
            data = orjson.loads(body) if body.strip() else {}
        except orjson.JSONDecodeError as exc:
            raise SerializationException(f"The request body is not valid JSON: {exc}") from None
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
        return orjson.dumps(op.serialize(result) if op.serialize is not None else result)

    # -- the control API ------------------------------------------------------------

    def handle_control(
        self, method: str, path: str, headers: dict[bytes, bytes], body: bytes,
        query: bytes = b"", raw_path: bytes | None = None,
    ) -> tuple[int, bytes, list[tuple[bytes, bytes]]]:
        """Answer one control API call under ``/_workmail-local/``.

        Under ``--auth enforce`` an admin route needs a request SigV4-signed (signing name
        ``workmail``) with a configured key, and acts in that key's account only."""
        started = time.perf_counter()
        request_id = self.request_ids.next()
        extra = [(b"x-amzn-requestid", request_id.encode())]
        account, region = self._caller(headers)
        # HEAD is GET without the body (the ASGI layer drops it).
        lookup = "GET" if method == "HEAD" else method
        try:
            route = self.control_routes.get((lookup, path.rstrip("/")))
            if route is None:
                known = sorted({p for (_, p) in self.control_routes})
                raise ControlError(404, "NotFound", f"No control endpoint {method} {path}; known: {', '.join(known)}")
            try:
                data = orjson.loads(body) if body.strip() else {}
            except orjson.JSONDecodeError as exc:
                raise ControlError(400, "SerializationException", f"The request body is not valid JSON: {exc}") from None
            if type(data) is not dict:
                raise ControlError(400, "SerializationException", "The request body must be a JSON object")
            if lookup == "GET" and query:  # a GET's parameters are its query string's
                data = {**dict(parse_qsl(query.decode("latin-1"))), **data}
            if self.key_secrets is not None and route in ADMIN:
                credential = verify(method, raw_path.decode("latin-1") if raw_path is not None else path,
                                    query.decode("latin-1"), headers, body, self.key_secrets, CONTROL_SIGNING_NAME,
                                    time.time())
                account, region = self.key_accounts[credential.access_key], credential.region
                account, region = caller_scope(data, account, region, signed=True)
            else:
                account, region = caller_scope(data, account, region)
            check_members(route, data)
            status, result = self.store.run(
                lambda tx: route(ControlRequest(self, lookup, path, data, account, region, self._now(tx), tx)),
                durable=route not in NOT_DURABLE)
            error = "-"
        except ControlError as exc:
            status, error, result = exc.status, exc.code, {"__type": exc.code, "message": exc.message}
        except ServiceError as exc:  # a refused signature
            status, error, result = exc.status, exc.code, {"__type": exc.code, "message": exc.message}
            extra.append((b"x-amzn-errortype", exc.code.encode()))
        except Exception:  # noqa: BLE001
            status, error = 500, InternalFailure.code
            log.error("control request %s failed:\n%s", request_id, traceback.format_exc())
            result = {"__type": InternalFailure.code, "message": f"An internal error occurred. Request ID: {request_id}"}
        if self.access_log.enabled:
            elapsed = (time.perf_counter() - started) * 1000
            self.access_log.write(f"{escape(method)} {escape(path)} account={escape(account)} "
                                  f"region={escape(region)} status={status} error={error} {elapsed:.1f}ms")
        return status, orjson.dumps(result), extra
