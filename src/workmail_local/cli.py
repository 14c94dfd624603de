"""The ``workmail-local`` command: ``serve``, ``coverage``."""

from __future__ import annotations

import argparse
import logging
import socket
import sys
from pathlib import Path
from urllib.parse import urlsplit

from workmail_local import __version__
from workmail_local.config import Settings, SettingError, add_serve_arguments, settings_from_args


def serve(settings: Settings) -> int:
    """Run the server in the foreground until interrupted."""
    import uvicorn

    from workmail_local.app import App
    from workmail_local.connections import BoundedHttpProtocol
    from workmail_local.credentials import CredentialsFileError
    from workmail_local.sealed import SecretsKeyError
    from workmail_local.store import StoreInUseError, StoreUnavailableError

    logging.basicConfig(
        level=getattr(logging, settings.log_level.upper()),
        format="%(asctime)s %(levelname)s %(message)s",
        stream=sys.stderr,
    )
    try:
        app = App(settings)
    except (CredentialsFileError, StoreInUseError, StoreUnavailableError, SecretsKeyError, OSError) as exc:
        print(f"workmail-local: {exc}", file=sys.stderr)
        return 2
    family = socket.AF_INET6 if ":" in settings.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((settings.host, settings.port))
    except OSError as exc:
        print(f"workmail-local: cannot listen on {settings.host}:{settings.port}: {exc.strerror}", file=sys.stderr)
        return 2
    port = sock.getsockname()[1]
    host = f"[{settings.host}]" if family == socket.AF_INET6 else settings.host
    print(f"WorkMail Local {__version__} listening on http://{host}:{port}", flush=True)
    print(f"data: {app.store.location}", flush=True)
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
    uvicorn.Server(config).run(sockets=[sock])
    return 0


def coverage(markdown: bool) -> int:
    """Print which operations of each hosted service are implemented."""
    from workmail_local.protocol.model import load_service
    from workmail_local.services import HOSTED, load_handlers

    registries = load_handlers()
    for name in HOSTED:
        operations = sorted(load_service(name).operations)
        done = registries[name].by_operation
        count = sum(op in done for op in operations)
        if markdown:
            print(f"**{name}** — {count} of {len(operations)} operations implemented; "
                  "the others answer HTTP 501 `NotImplemented`.\n")
            if count:
                print("| Operation | |\n|---|---|")
                for op in operations:
                    if op in done:
                        print(f"| `{op}` | implemented |")
                print()
        else:
            print(f"{name}: {count}/{len(operations)} implemented")
            for op in operations:
                print(f"  [{'x' if op in done else ' '}] {op}")
    return 0


def checkpassword(endpoint: str, reply: list[str]) -> int:
    """Dovecot's checkpassword protocol against the mailbox authentication endpoint."""
    from workmail_local.mailbox_auth.checkpassword import run

    return run(endpoint, reply)


def _check_dovecot_arguments(port: str, endpoint: str) -> int:
    """The IMAP port (1-65535) and WorkMail Local's URL (http(s)://host[:port]); both
    problems in one line (SettingError) when both are wrong."""
    problems = []
    if not port.strip().isdigit() or not 1 <= int(port) <= 65535:
        problems.append(f"--port must be a port number from 1 to 65535; got {port!r}")
    parts = urlsplit(endpoint)
    try:
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError:
        parts = parts._replace(netloc="")
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.path not in ("", "/") \
            or parts.query or parts.fragment:
        problems.append("--endpoint must be WorkMail Local's URL, http://host[:port] (e.g. http://127.0.0.1:8038); "
                        f"got {endpoint!r}")
    if problems:
        raise SettingError("; ".join(problems))
    return int(port)


def dovecot_config(directory: Path, port_text: str, endpoint: str) -> int:
    """Write a Dovecot configuration; the last line printed is the command that starts it."""
    from workmail_local.mailbox_auth.dovecot import ConfigError, find_reply_program, write_config

    port = _check_dovecot_arguments(port_text, endpoint)
    try:
        find_reply_program()
        command = write_config(directory, port, endpoint)
    except (FileNotFoundError, ConfigError) as exc:
        print(f"workmail-local: {exc}", file=sys.stderr)
        return 1
    print(f"Dovecot configuration written to {directory.resolve() / 'dovecot.conf'}")
    print(f"IMAP on 127.0.0.1:{port}; logins checked by {endpoint}; log: {directory.resolve() / 'dovecot.log'}")
    print("Start Dovecot in the foreground with:")
    print(command)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="workmail-local", description="A local Amazon WorkMail API.")
    parser.add_argument("--version", action="version", version=f"workmail-local {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    serve_parser = commands.add_parser("serve", help="run the server")
    add_serve_arguments(serve_parser)
    coverage_parser = commands.add_parser("coverage", help="list implemented operations")
    coverage_parser.add_argument("--markdown", action="store_true", help="print the README's table")
    check = commands.add_parser("checkpassword", help="Dovecot checkpassword adapter (credentials on fd 3)")
    check.add_argument("--endpoint", required=True, help="WorkMail Local's URL, e.g. http://127.0.0.1:8038")
    check.add_argument("reply", nargs=argparse.REMAINDER, help="the reply program and its arguments")
    dovecot = commands.add_parser("dovecot-config", help="write a Dovecot configuration wired to checkpassword")
    dovecot.add_argument("--dir", type=Path, required=True, help="directory for the configuration, state and mail")
    dovecot.add_argument("--port", required=True, help="IMAP port on 127.0.0.1 (1-65535)")
    dovecot.add_argument("--endpoint", required=True, help="WorkMail Local's URL")
    args = parser.parse_args(argv)
    try:
        return _run(parser, args)
    except SettingError as exc:
        # One line naming the setting, the value and what is allowed; no traceback.
        print(f"workmail-local: {exc}", file=sys.stderr)
        return 2


def _run(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    if args.command == "serve":
        return serve(settings_from_args(args))
    if args.command == "coverage":
        return coverage(args.markdown)
    if args.command == "checkpassword":
        return checkpassword(args.endpoint, args.reply)
    if args.command == "dovecot-config":
        return dovecot_config(args.dir, args.port, args.endpoint)
    parser.error(f"unknown command {args.command}")
    return 2
