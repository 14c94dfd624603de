"""The ASGI application: start-up, the emulator's state (clock, page-token secret),
lifespan, and the dispatch of each HTTP request to its part:

    the body          read within --max-request-bytes, else 413 (request_body.py)
    pages             the web sub-application (workmail_local.web)
    /_workmail-local/ the control API's dispatch (control/dispatch.py)
    everything else   the AWS JSON 1.1 pipeline (pipeline.py): route → authenticate
                      → parse → validate → handler (one transaction) → serialize

Those parts are mixins of :class:`App`, so a request goes through no more calls than
when they lived here. CPU-heavy work inside a handler (password hashing) runs between
two runs of the request, off the event loop and outside any transaction: see
``workmail_local.slow``.

Written against raw ASGI: this is the hot path, and a framework's request objects
would cost more than the work itself.
"""

from __future__ import annotations

import logging
import secrets
from typing import Any

import orjson

from workmail_local.access_log import AccessLog
from workmail_local.clock import Clock
from workmail_local.config import Settings
from workmail_local.control import PREFIX as CONTROL_PREFIX
from workmail_local.control import load_routes
from workmail_local.control.dispatch import ControlDispatch
from workmail_local.credentials import load_credentials_file
from workmail_local.jobs.export import ExportRunner
from workmail_local.mailbox_auth import logins
from workmail_local.pipeline import AwsPipeline
from workmail_local.protocol.errors import InternalFailure, internal_failure
from workmail_local.protocol.model import Operation, Service, load_service
from workmail_local.protocol.pagination import PageTokens
from workmail_local.request_body import BodyLimit
from workmail_local.request_ids import RequestIds
from workmail_local.sealed import SecretBox, box_for
from workmail_local.services import HOSTED, load_handlers
from workmail_local.slow import in_rounds
from workmail_local.store import Store, Tx, open_store
from workmail_local.store.durability import IN_REQUEST
from workmail_local.web import PAGE_PREFIXES, Pages, is_page

JSON_11 = b"application/x-amz-json-1.1"
JSON = b"application/json"


def load_keys(settings: Settings) -> tuple[dict[str, str], dict[str, str] | None]:
    """The configured access keys' accounts, and (enforce mode only) their secrets."""
    keys = load_credentials_file(settings.credentials_file) if settings.credentials_file else {}
    if settings.auth == "enforce" and not keys:
        raise ValueError("--auth enforce needs a credentials file")
    accounts = {key_id: key.account for key_id, key in keys.items()}
    # Only enforce mode keeps secrets in memory.
    secrets_ = {key_id: key.secret_access_key for key_id, key in keys.items()} if settings.auth == "enforce" else None
    return accounts, secrets_


def load_state(tx: Tx, settings: Settings, box: SecretBox, new_secret: str) -> tuple[bytes, float]:
    """The emulator's state kept in ``meta``: ``(page-token secret, clock offset)``.

    The secret is created when absent: insert-if-absent, then read back, so processes
    sharing a database that start at once agree on one. Also checks the secrets key against
    the database and records the login-history setting."""
    tx.execute("INSERT INTO meta (key, value) VALUES ('page_token_secret', ?) ON CONFLICT (key) DO NOTHING",
               (new_secret,))
    rows = {r["key"]: r["value"] for r in tx.all("SELECT key, value FROM meta")}
    box.check_database(tx)
    logins.set_history(tx, settings.login_history)
    return bytes.fromhex(rows["page_token_secret"]), float(rows.get("clock_offset", 0.0))


class App(BodyLimit, AwsPipeline, ControlDispatch):
    """WorkMail Local as an ASGI callable."""

    def __init__(self, settings: Settings, store: Store | None = None) -> None:
        self.settings = settings
        # Keys first: a bad credentials file must stop start-up before any file is written.
        self.key_accounts, self.key_secrets = load_keys(settings)
        self._callers: dict[bytes, tuple[str, str]] = {}  # credential scope → (account, region)
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
        # False only in a worker of `serve --workers` until every worker serves: health says "starting".
        self.ready = True
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
        """Clock offset and page-token secret survive restarts (:func:`load_state`)."""
        secret, self.clock.offset = load_state(tx, self.settings, self.secrets, new_secret)
        self.tokens = PageTokens(secret)

    def _now(self, tx: Tx) -> float:
        """The clock reading for one transaction. With a shared database (PostgreSQL, or the
        SQLite file of ``serve --workers``) another process may have moved the clock: read
        its offset in this transaction first (``remembered_value``: on PostgreSQL, checked
        with the transaction's first statement rather than in a round trip of its own)."""
        if self.store.shared:
            offset = tx.remembered_value("SELECT value FROM meta WHERE key = 'clock_offset'")
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
        headers = dict(scope["headers"])
        path = scope["path"]
        body = await self._read_body(headers, receive)
        if body is None:  # the client went away
            return
        # Its durable commits join the loop's group commit. Not reset: uvicorn runs each
        # request in a task of its own, whose context ends with it.
        group_commit = self.store.group_commit
        if group_commit.enabled:
            IN_REQUEST.set(True)
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
        needed = group_commit.committed
        if group_commit.synced < needed:
            # Nothing is answered while a commit it may have seen is not on disk.
            try:
                await group_commit.wait(needed)
            except OSError as exc:
                status, payload, extra = self._not_synced(exc)
                content_type = JSON_11 if content_type == JSON_11 else JSON
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

    def _not_synced(self, exc: OSError) -> tuple[int, bytes, list[tuple[bytes, bytes]]]:
        """500 for a request whose answer could not be made durable (the fsync failed, or
        the batch of writes it saw could not be committed)."""
        request_id = self.request_ids.next()
        payload = orjson.dumps(internal_failure(request_id,
                                                f"The database could not be synced to disk ({exc.strerror})."))
        return 500, payload, [(b"x-amzn-requestid", request_id.encode()),
                              (b"x-amzn-errortype", InternalFailure.code.encode())]

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
