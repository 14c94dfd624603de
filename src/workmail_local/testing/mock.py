"""The application in-process behind botocore, no server and no socket:

    with mock_workmail() as local:
        wm = boto3.client("workmail", region_name="us-east-1")
        wm.create_organization(Alias="acme")
        local.control("POST", "/clock", {"advance_seconds": 60})

Every botocore session gets a ``before-call`` hook that hands a hosted service's
serialized request to the innermost active block's app and returns its parsed response,
as botocore's own ``Stubber`` answers at that event: the request is not signed and no
HTTP request is prepared, which the app does not need (it reads the caller's access key
and region from the client's own signer). With ``--auth enforce`` settings the signature
is what is checked, so the request goes on to be signed and is answered at ``before-send``.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any
from urllib.parse import urlsplit

from botocore.awsrequest import AWSResponse, HeadersDict
from botocore.parsers import create_parser

from workmail_local.testing.server import DEFAULT_TEST_ACCOUNT


class StreamBody:
    """The ``raw`` of a botocore response: something with ``stream()``."""

    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, **_: Any) -> Any:
        yield self._data


class InProcessWorkMail:
    """An in-memory WorkMail Local answering botocore directly (see :func:`mock_workmail`)."""

    def __init__(self, settings: Any = None) -> None:
        from workmail_local.app import App
        from workmail_local.config import Settings

        self.app = App(settings or Settings(in_memory=True, log_level="warning"))
        self.app.exports.start()  # no lifespan in-process: mailbox export jobs run all the same

    def answer_call(self, model: Any, params: dict[str, Any], request_signer: Any = None,
                    context: dict[str, Any] | None = None, **_: Any) -> Any:
        """botocore ``before-call``: ``(http_response, parsed)`` for a hosted service, else ``None``.

        ``params`` is the request botocore serialized (body, headers, URL); the caller is the
        client's access key and signing region, as its signature would claim them. The
        answer is parsed by botocore's own parser for the protocol, with the modeled error
        fields and ``RetryAttempts`` botocore's endpoint adds, so a client sees what it sees
        through ``before-send``. ``None`` (sign and send as usual) in enforce mode, for a
        client with no credentials (botocore then raises its NoCredentialsError), and for
        a service the app does not host."""
        # RequestSigner has no public getter; were it renamed, calls would take the signed
        # before-send path, answered the same way.
        credentials = getattr(request_signer, "_credentials", None)
        if credentials is None or self.app.key_secrets is not None:
            return None
        headers = _lower_case_headers(params["headers"])
        if not self._hosts(headers):
            return None
        signing = (context or {}).get("signing") or {}
        caller = self.app.claimed_caller(credentials.get_frozen_credentials().access_key,
                                         signing.get("region") or request_signer.region_name)
        body = params.get("body") or b""
        if isinstance(body, str):
            body = body.encode()
        path = params.get("url_path") or "/"
        status, payload, extra = self.app.handle_aws(params.get("method", "POST"), path, headers, body, b"",
                                                     path.encode(), caller=caller)
        http = AWSResponse(params.get("url", ""), status, _response_headers(payload, extra), StreamBody(payload))
        return http, _parsed(http, payload, model)

    def answer(self, request: Any, **_: Any) -> Any:
        """botocore ``before-send``: the app's response for a hosted service, else ``None`` (send it).

        The request goes to the same ``handle_aws`` the server's ASGI layer calls, as the
        server would receive it: lower-case header names and values as bytes, the path
        and query string as sent."""
        headers = _lower_case_headers(request.headers)
        if not self._hosts(headers):
            return None
        if b"host" not in headers:  # what the HTTP client would send, and the signature covers
            headers[b"host"] = _host_of(request.url).encode("latin-1")
        body = request.body or b""
        if hasattr(body, "read"):
            body = body.read()
        if isinstance(body, str):
            body = body.encode()
        # scheme://host[:port]/path?query → path and query, as they were sent.
        after_host = request.url.partition("://")[2]
        slash = after_host.find("/")
        path, _, query = (after_host[slash:] if slash >= 0 else "/").partition("?")
        status, payload, extra = self.app.handle_aws(request.method, path, headers, body, query.encode(),
                                                     path.encode())
        return AWSResponse(request.url, status, _response_headers(payload, extra), StreamBody(payload))

    def _hosts(self, headers: dict[bytes, bytes]) -> bool:
        """Whether the request's X-Amz-Target names a service the app hosts."""
        target = headers.get(b"x-amz-target")
        return target is not None and target.partition(b".")[0].decode("latin-1") in self.app.prefixes

    def control(self, method: str, path: str, body: dict[str, Any] | None = None) -> tuple[int, dict[str, Any]]:
        """The control API, in-process: ``control("POST", "/clock", {"advance_seconds": 60})``."""
        data = b"" if body is None else json.dumps(body).encode()
        path, _, query = path.partition("?")  # GET /mailbox/logins?OrganizationId=…
        status, payload, _ = self.app.handle_control(method, "/_workmail-local" + path, {}, data, query.encode())
        return status, json.loads(payload) if payload else {}


def _response_headers(payload: bytes, extra: list[tuple[bytes, bytes]]) -> dict[str, str]:
    """The headers the server would answer with."""
    headers = {"content-type": "application/x-amz-json-1.1", "content-length": str(len(payload))}
    for name, value in extra:
        headers[name.decode()] = value.decode()
    return headers


_parsers: dict[str, Any] = {}  # protocol → botocore's (stateless) response parser


def _parsed(http: AWSResponse, payload: bytes, model: Any) -> dict[str, Any]:
    """What botocore's endpoint makes of the response: parsed by the protocol's parser,
    a modeled error's own fields added, no retries made."""
    service = model.service_model
    protocol = getattr(service, "resolved_protocol", None) or service.protocol
    parser = _parsers.get(protocol)
    if parser is None:
        parser = _parsers[protocol] = create_parser(protocol)
    response = {"headers": http.headers, "status_code": http.status_code, "body": payload,
                "context": {"operation_name": model.name}}
    parsed: dict[str, Any] = parser.parse(response, model.output_shape)
    if http.status_code >= 300:
        error_shape = service.shape_for_error_code(parsed.get("Error", {}).get("Code"))
        if error_shape is not None:
            parsed.update(parser.parse(response, error_shape))
    if "ResponseMetadata" in parsed:
        parsed["ResponseMetadata"]["RetryAttempts"] = 0
    return parsed


def _host_of(url: str) -> str:
    """The Host header an HTTP client sends for ``url`` (no default port), as botocore signs it."""
    parts = urlsplit(url)
    host = f"[{parts.hostname}]" if ":" in (parts.hostname or "") else parts.hostname or ""
    if parts.port is not None and parts.port != {"http": 80, "https": 443}.get(parts.scheme):
        host = f"{host}:{parts.port}"
    return host


def _lower_case_headers(headers: Any) -> dict[bytes, bytes]:
    """A botocore request's headers as the server's ASGI layer has them: lower-case names,
    values as bytes.

    botocore's ``HeadersDict`` is a ``MutableMapping`` over case-insensitive keys that
    already hold their lower-case form: its ``items()`` builds a key object and a lookup
    per header, which cost more than the rest of the hand-over, so its own dict is read
    when it has one."""
    keys = getattr(headers, "_dict", None)
    pairs = ((key._lower, value) for key, value in keys.items()) \
        if type(headers) is HeadersDict and type(keys) is dict else ((n.lower(), v) for n, v in headers.items())
    return {name.encode("latin-1"): value if value.__class__ is bytes else str(value).encode("latin-1")
            for name, value in pairs}


_active: list[InProcessWorkMail] = []


def _before_call(**kwargs: Any) -> Any:
    return _active[-1].answer_call(**kwargs) if _active else None


def _before_send(request: Any, **kwargs: Any) -> Any:
    return _active[-1].answer(request, **kwargs) if _active else None


#: The hooks every botocore session gets, with their unique IDs in boto3's default session.
HOOKS = (("before-call", _before_call, "workmail-local-mock-call"),
         ("before-send", _before_send, "workmail-local-mock"))


def _install() -> None:
    """Hook :data:`HOOKS` into every botocore session: new ones (botocore's built-in
    handlers) and boto3's default session if it already exists (a session copies the
    built-in handlers only when it is made)."""
    import botocore.handlers

    boto3 = sys.modules.get("boto3")
    for event, hook, unique_id in HOOKS:
        if (event, hook) not in botocore.handlers.BUILTIN_HANDLERS:
            botocore.handlers.BUILTIN_HANDLERS.append((event, hook))
        if boto3 is not None and boto3.DEFAULT_SESSION is not None:
            boto3.DEFAULT_SESSION._session.register(event, hook, unique_id=unique_id)


def _configured() -> tuple[bool, bool]:
    """Whether botocore finds credentials and a region of the user's own (environment,
    shared files, profiles), asking no instance-metadata service."""
    import botocore.session

    saved = os.environ.get("AWS_EC2_METADATA_DISABLED")
    os.environ["AWS_EC2_METADATA_DISABLED"] = "true"
    try:
        session = botocore.session.Session()
        try:
            credentials = session.get_credentials() is not None
        except Exception:  # noqa: BLE001 - a broken profile: leave it to the user's clients to report
            credentials = True
        return credentials, bool(session.get_config_variable("region"))
    finally:
        if saved is None:
            os.environ.pop("AWS_EC2_METADATA_DISABLED", None)
        else:
            os.environ["AWS_EC2_METADATA_DISABLED"] = saved


class mock_workmail:  # noqa: N801 - used like moto's mock_aws
    """Answer every botocore client created inside the block from an in-memory WorkMail
    Local (WorkMail, sso-admin, identitystore); other services go to the network as usual.

    Clients need no endpoint URL. Like moto's ``mock_aws``, the block provides fake
    credentials (access key ``123456789012``, so account 123456789012) and a default
    region (``us-east-1``) when the environment sets none; ones the caller set are kept.
    State lives for the block. Usable as a context manager or a decorator.
    """

    # Set for the block only when absent; AWS_PROFILE et al. count as "set" for credentials.
    FAKE_CREDENTIALS = {"AWS_ACCESS_KEY_ID": DEFAULT_TEST_ACCOUNT, "AWS_SECRET_ACCESS_KEY": "workmail-local"}
    DEFAULT_REGION = "us-east-1"

    def __init__(self, settings: Any = None) -> None:
        self.settings = settings
        self.local: InProcessWorkMail | None = None
        self._added_env: list[str] = []

    def __enter__(self) -> InProcessWorkMail:
        _install()
        self.local = InProcessWorkMail(self.settings)
        _active.append(self.local)
        self._added_env = []
        has_credentials, has_region = _configured()
        if not has_credentials:
            self._set_env(self.FAKE_CREDENTIALS)
        if not has_region:
            self._set_env({"AWS_DEFAULT_REGION": self.DEFAULT_REGION})
        return self.local

    def _set_env(self, values: dict[str, str]) -> None:
        for name, value in values.items():
            if name not in os.environ:
                os.environ[name] = value
                self._added_env.append(name)

    def __exit__(self, *exc: object) -> None:
        for name in self._added_env:
            os.environ.pop(name, None)
        self._added_env = []
        if self.local is not None:
            _active.remove(self.local)
            self.local.app.exports.stop()
            self.local.app.store.close()
            self.local = None

    def __call__(self, fn: Any) -> Any:
        import functools

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self.__class__(self.settings):
                return fn(*args, **kwargs)

        return wrapper
