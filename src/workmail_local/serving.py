"""The pieces of ``serve`` that one process and the workers of ``serve --workers`` share:
logging, the listening sockets (HTTP, SMTP submission) and what they print, and running
uvicorn (with SMTP on the same event loop) over sockets opened beforehand.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from workmail_local import __version__
from workmail_local.config import Settings

if TYPE_CHECKING:
    import uvicorn

    from workmail_local.app import App

T = TypeVar("T")
#: A listening SMTP socket and its TLS context (``None``: plain SMTP).
MailSocket = tuple[socket.socket, Any]


def configure_logging(settings: Settings, worker: int | None = None) -> None:
    """Log records (not the request lines: ``access_log``) to stderr at ``--log-level``;
    a worker of ``serve --workers`` names itself in each."""
    logging.basicConfig(
        level=getattr(logging, settings.log_level.upper()),
        format="%(asctime)s %(levelname)s " + ("" if worker is None else f"[worker {worker}] ") + "%(message)s",
        stream=sys.stderr,
    )


def start_up_errors() -> tuple[type[BaseException], ...]:
    """What stops start-up with one line (exit status 2) rather than a traceback: a bad
    credentials file, a database in use or out of reach, a secrets key that cannot be used."""
    from workmail_local.credentials import CredentialsFileError
    from workmail_local.sealed import SecretsKeyError
    from workmail_local.store import StoreInUseError, StoreUnavailableError

    return CredentialsFileError, StoreInUseError, StoreUnavailableError, SecretsKeyError, OSError


def bind_http(settings: Settings) -> socket.socket | None:
    """The HTTP socket, bound (listened on once uvicorn serves it); ``None`` when the
    address cannot be had (the reason printed)."""
    family = socket.AF_INET6 if ":" in settings.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((settings.host, settings.port))
    except OSError as exc:
        print(f"workmail-local: cannot listen on {settings.host}:{settings.port}: {exc.strerror}", file=sys.stderr)
        sock.close()
        return None
    return sock


def start(settings: Settings, prepare: Callable[[], T], location: Callable[[T], str],
          info: Callable[[T], dict[str, Any]]) -> tuple[T, socket.socket, list[MailSocket]] | None:
    """The start-up both ways of serving share: logging, ``prepare()`` (the app, or the
    parent's preparations; its known errors as one line), the HTTP socket, the start-up
    lines (``location`` of what was prepared), then the SMTP sockets, noted in its ``info``.
    ``None`` when start-up must stop (exit status 2, the reason printed)."""
    configure_logging(settings)
    try:
        prepared = prepare()
    except start_up_errors() as exc:
        print(f"workmail-local: {exc}", file=sys.stderr)
        return None
    sock = bind_http(settings)
    if sock is None:
        return None
    announce(settings, sock, location(prepared))
    mail = mail_sockets(settings, info(prepared))
    if mail is None:
        return None
    return prepared, sock, mail


def announce(settings: Settings, sock: socket.socket, location: str) -> None:
    """The start-up lines: the URL (with the port chosen when ``--port 0``) and the data."""
    host = f"[{settings.host}]" if sock.family == socket.AF_INET6 else settings.host
    print(f"WorkMail Local {__version__} listening on http://{host}:{sock.getsockname()[1]}", flush=True)
    print(f"data: {location}", flush=True)


def mail_sockets(settings: Settings, info: dict[str, Any]) -> list[MailSocket] | None:
    """SMTP submission's listening sockets (with their TLS context, None for plain), printed
    like the HTTP URL and noted in ``info`` (GET /_workmail-local/mail); ``None`` when one
    cannot be opened (the reason printed)."""
    from workmail_local.mail import tls

    wanted = []
    if settings.smtps_port is not None:
        wanted.append(("SMTPS", settings.smtps_port))
    if settings.smtp_port is not None:
        wanted.append(("SMTP", settings.smtp_port))
    opened: list[MailSocket] = []
    context = None
    if settings.smtps_port is not None:
        try:
            cert, key = tls.certificate_paths(settings)
            context = tls.server_context(cert, key)
        except (OSError, ValueError) as exc:
            print(f"workmail-local: cannot use the TLS certificate: {exc}", file=sys.stderr)
            return None
        print(f"TLS certificate: {cert}", flush=True)
        info.update(TlsCertificate=str(cert.resolve()), TlsKey=str(key.resolve()))
    if settings.lmtp is not None:
        info["Lmtp"] = f"{settings.lmtp[0]}:{settings.lmtp[1]}"
    if settings.mail_dir is not None:
        info["MailDir"] = str(settings.mail_dir.resolve())
    if wanted:
        # Only now: aiosmtpd and the email package take a tenth of start-up to import.
        from workmail_local.mail import smtp
    for name, port in wanted:
        try:
            mail_sock = smtp.listen(settings.host, port)
        except OSError as exc:
            print(f"workmail-local: cannot listen on {settings.host}:{port} ({name}): {exc.strerror}", file=sys.stderr)
            return None
        host = f"[{settings.host}]" if ":" in settings.host else settings.host
        print(f"{name} on {host}:{mail_sock.getsockname()[1]}", flush=True)
        info[name.title()] = f"{host}:{mail_sock.getsockname()[1]}"
        opened.append((mail_sock, context if name == "SMTPS" else None))
    return opened


def uvicorn_config(app: App, settings: Settings) -> uvicorn.Config:
    """uvicorn's settings for ``app``: uvloop, the bounded httptools protocol, lifespan on
    (the export runner starts and stops with it), no access log of its own."""
    import uvicorn

    from workmail_local.connections import BoundedHttpProtocol

    config = uvicorn.Config(
        app,
        loop="uvloop",
        http=BoundedHttpProtocol,
        timeout_keep_alive=max(1, int(settings.idle_timeout)),
        lifespan="on",
        access_log=False,
        log_level="warning",
        server_header=False,
    )
    config.workmail_idle_timeout = settings.idle_timeout  # type: ignore[attr-defined]
    return config


def run(server: uvicorn.Server, app: App, sock: socket.socket, mail: list[MailSocket]) -> None:
    """Serve HTTP on ``sock`` (and SMTP on ``mail``) until the server is told to stop."""
    if not mail:
        server.run(sockets=[sock])
        return
    _serve_with_mail(server, server.config, sock, app, mail)


def _serve_with_mail(server: Any, config: Any, sock: socket.socket, app: Any, mail: list[MailSocket]) -> None:
    """uvicorn and SMTP submission on one event loop (uvicorn's, uvloop)."""
    from workmail_local.mail import smtp

    async def run_all() -> None:
        servers = [await smtp.start(app, mail_sock, context) for mail_sock, context in mail]
        try:
            await server.serve(sockets=[sock])
        finally:
            for mail_server in servers:
                mail_server.close()

    factory = getattr(config, "get_loop_factory", None)
    if factory is None:  # uvicorn before 0.36
        config.setup_event_loop()
        asyncio.run(run_all())
        return
    with asyncio.Runner(loop_factory=factory()) as runner:
        runner.run(run_all())
