"""Requests the suite sends: SigV4-signed AWS JSON 1.1 calls and control API calls.

A :class:`Request` is signed once and then replayed byte for byte (by wrk, or by
:func:`send` for probes), except a request whose body holds :data:`UNIQUE`: every send
puts a new token there (a new user's name, say). The signature is then the template's,
which a server in ``--auth open`` mode (the bench's) parses but does not verify.
:func:`call_all` signs each call afresh, for set-up and bulk loading.
"""

from __future__ import annotations

import http.client
import itertools
import secrets
import threading
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import botocore.session
import orjson
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

HOST = "127.0.0.1"
SECRET_KEY = "bench-secret"
JSON_11 = "application/x-amz-json-1.1"
# In a request body: replaced by a new token (letters and digits) on every send.
UNIQUE = "UNIQUE0TOKEN"
_tokens = itertools.count(1)
_RUN = secrets.token_hex(4)

_models_lock = threading.Lock()
_service_meta: dict[str, tuple[str, str]] = {}


def service_meta(service: str) -> tuple[str, str]:
    """(X-Amz-Target prefix, SigV4 signing name) of a botocore service, from its model."""
    with _models_lock:
        if service not in _service_meta:
            model = botocore.session.get_session().get_service_model(service)
            signing = model.metadata.get("signingName") or model.metadata["endpointPrefix"]
            _service_meta[service] = (model.metadata["targetPrefix"], signing)
        return _service_meta[service]


@dataclass(frozen=True)
class Request:
    """One HTTP request, replayed exactly as built."""

    method: str
    path: str
    headers: tuple[tuple[str, str], ...]
    body: bytes
    label: str

    @property
    def unique(self) -> bool:
        """Whether every send carries a new token in place of :data:`UNIQUE`."""
        return UNIQUE.encode() in self.body

    def fresh_body(self) -> bytes:
        """The body to send now: the template with a new token where :data:`UNIQUE` is."""
        if not self.unique:
            return self.body
        return self.body.replace(UNIQUE.encode(), f"p{_RUN}n{next(_tokens)}".encode())


def aws_request(port: int, service: str, operation: str, params: dict[str, Any],
                account: str, region: str) -> Request:
    """An AWS JSON 1.1 call, signed with SigV4 as botocore signs it (access key = the account)."""
    prefix, signing_name = service_meta(service)
    body = orjson.dumps(params)
    raw = AWSRequest(method="POST", url=f"http://{HOST}:{port}/", data=body,
                     headers={"Content-Type": JSON_11, "X-Amz-Target": f"{prefix}.{operation}"})
    SigV4Auth(Credentials(account, SECRET_KEY), signing_name, region).add_auth(raw)
    headers = (("Host", f"{HOST}:{port}"), *((k, str(v)) for k, v in raw.headers.items()))
    return Request("POST", "/", headers, body, f"{service} {operation}")


def control_request(port: int, method: str, path: str, body: dict[str, Any] | None = None) -> Request:
    """A call to WorkMail Local's control API (JSON, unsigned)."""
    data = b"" if body is None else orjson.dumps(body)
    headers = (("Host", f"{HOST}:{port}"), ("Content-Type", "application/json"))
    return Request(method, path, headers, data, f"control {method} {path}")


@dataclass(frozen=True)
class Answer:
    """A response: status and the JSON body (``{}`` when it is not JSON)."""

    status: int
    body: dict[str, Any]

    @property
    def error(self) -> str:
        """``__type`` and message of an error answer, for humans."""
        return f"{self.status} {self.body.get('__type', '')}: {self.body.get('message', '')}".strip()


def _decode(raw: bytes) -> dict[str, Any]:
    try:
        value = orjson.loads(raw) if raw else {}
    except orjson.JSONDecodeError:
        return {}
    return value if isinstance(value, dict) else {}


class Connection:
    """One keep-alive HTTP/1.1 connection to a local server."""

    def __init__(self, port: int, timeout: float = 30.0) -> None:
        self.port = port
        self._conn = http.client.HTTPConnection(HOST, port, timeout=timeout)

    def send(self, request: Request) -> Answer:
        """Send a request as built; reconnect once if the server closed the connection."""
        for attempt in (1, 2):
            try:
                self._conn.request(request.method, request.path, body=request.fresh_body(),
                                   headers=dict(request.headers))
                response = self._conn.getresponse()
                return Answer(response.status, _decode(response.read()))
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self._conn.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        self._conn.close()


def send(port: int, request: Request) -> Answer:
    """Send one request on a fresh connection."""
    conn = Connection(port)
    try:
        return conn.send(request)
    finally:
        conn.close()


class LoadError(Exception):
    """A bulk-loading call did not answer 200."""


Call = tuple[str, str, dict[str, Any], str, str]  # service, operation, params, account, region


def call_all(port: int, calls: Iterable[Call], workers: int = 4) -> list[dict[str, Any]]:
    """Make many API calls over ``workers`` keep-alive connections; every answer must be 200.

    Several connections keep the (single-core) server busy while the client signs the
    next request. Answers come back in the order of ``calls``.
    """
    items: Sequence[Call] = list(calls)
    chunks = [items[i::workers] for i in range(workers)]

    def run(chunk: Sequence[Call]) -> list[dict[str, Any]]:
        conn = Connection(port)
        answers = []
        try:
            for service, operation, params, account, region in chunk:
                answer = conn.send(aws_request(port, service, operation, params, account, region))
                if answer.status != 200:
                    raise LoadError(f"{operation} {params}: {answer.error}")
                answers.append(answer.body)
        finally:
            conn.close()
        return answers

    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = list(pool.map(run, chunks))
    ordered: list[dict[str, Any]] = [{}] * len(items)
    for offset, answers in enumerate(results):
        for i, answer in enumerate(answers):
            ordered[offset + i * workers] = answer
    return ordered
