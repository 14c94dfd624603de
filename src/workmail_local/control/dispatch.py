"""The control API's dispatch, as a method of :class:`~workmail_local.app.App`: find the
route, read the JSON body (and a GET's query string), settle the caller's account and
region (under ``--auth enforce`` an admin route must be SigV4-signed), check the body's
members, run the route in one transaction, answer JSON.

A mixin, like :mod:`workmail_local.pipeline`: the attributes it reads are set by ``App``.
"""

from __future__ import annotations

import logging
import time
import traceback
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl

import orjson

from workmail_local.access_log import elapsed_ms, escape
from workmail_local.control import (
    ADMIN,
    CONTROL_SIGNING_NAME,
    NOT_DURABLE,
    ControlError,
    ControlHandler,
    ControlRequest,
    caller_scope,
    check_members,
)
from workmail_local.protocol.errors import InternalFailure, ServiceError, internal_failure
from workmail_local.protocol.sigv4 import verify

if TYPE_CHECKING:
    from workmail_local.access_log import AccessLog
    from workmail_local.request_ids import RequestIds
    from workmail_local.store import Store, Tx

log = logging.getLogger("workmail_local.requests")


class ControlDispatch:
    """``handle_control``; mixed into :class:`~workmail_local.app.App`."""

    store: Store
    request_ids: RequestIds
    access_log: AccessLog
    key_accounts: dict[str, str]
    key_secrets: dict[str, str] | None
    control_routes: dict[tuple[str, str], ControlHandler]

    if TYPE_CHECKING:
        def _now(self, tx: Tx) -> float: ...
        def _caller(self, headers: dict[bytes, bytes]) -> tuple[str, str]: ...

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
            result = internal_failure(request_id)
        if self.access_log.enabled:
            self.access_log.write(f"{escape(method)} {escape(path)} account={escape(account)} "
                                  f"region={escape(region)} status={status} error={error} {elapsed_ms(started)}")
        return status, orjson.dumps(result), extra
