"""The ``workmail-local`` command: ``serve``, ``coverage``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from urllib.parse import urlsplit

from workmail_local import __version__
from workmail_local.config import Settings, SettingError, add_serve_arguments, settings_from_args


def serve(settings: Settings) -> int:
    """Run the server in the foreground until interrupted: this process alone, or with
    ``--workers N`` a parent supervising N worker processes (``supervisor.py``)."""
    if settings.workers > 1:
        from workmail_local.supervisor import serve_workers

        return serve_workers(settings)
    import uvicorn

    from workmail_local import serving
    from workmail_local.app import App

    started = serving.start(settings, lambda: App(settings), lambda app: app.store.location,
                            lambda app: app.mail_info)
    if started is None:
        return 2
    app, sock, mail_sockets = started
    serving.run(uvicorn.Server(serving.uvicorn_config(app, settings)), app, sock, mail_sockets)
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


def _check_port(name: str, text: str | None, problems: list[str]) -> int | None:
    if text is None:
        return None
    if not text.strip().isdigit() or not 1 <= int(text) <= 65535:
        problems.append(f"{name} must be a port number from 1 to 65535; got {text!r}")
        return None
    return int(text)


def _check_dovecot_arguments(port: str, endpoint: str, lmtp_port: str | None = None,
                             imaps_port: str | None = None) -> tuple[int, int | None, int | None]:
    """The IMAP, LMTP and IMAPS ports (1-65535) and WorkMail Local's URL (http(s)://host[:port]);
    every problem in one line (SettingError)."""
    problems: list[str] = []
    ports = [_check_port(name, text, problems)
             for name, text in (("--port", port), ("--lmtp-port", lmtp_port), ("--imaps-port", imaps_port))]
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
    return ports[0], ports[1], ports[2]  # type: ignore[return-value]


def _dovecot_tls(imaps_port: int | None, cert: Path | None, key: Path | None) -> tuple[Path, Path] | None:
    """IMAPS' certificate: the one given, else the one ``serve`` generated in the default data directory."""
    if imaps_port is None:
        return None
    if (cert is None) != (key is None):
        raise SettingError("--tls-cert and --tls-key go together: give both")
    if cert is None or key is None:
        from workmail_local.config import default_data_dir
        from workmail_local.mail.tls import CERT_NAME, KEY_NAME

        cert, key = default_data_dir() / "tls" / CERT_NAME, default_data_dir() / "tls" / KEY_NAME
        if not cert.is_file():
            raise SettingError(f"--imaps-port needs a certificate: pass --tls-cert FILE --tls-key FILE (the "
                               f"\"TLS certificate:\" serve printed, and the .key beside it); {cert} does not exist")
    for path in (cert, key):
        if not path.is_file():
            raise SettingError(f"{path} is not a file (--tls-cert/--tls-key)")
    return cert, key


def dovecot_config(directory: Path, port_text: str, endpoint: str, lmtp_text: str | None = None,
                   imaps_text: str | None = None, cert: Path | None = None, key: Path | None = None,
                   mail_dir: Path | None = None) -> int:
    """Write a Dovecot configuration; the last line printed is the command that starts it."""
    from workmail_local.mailbox_auth.dovecot import ConfigError, find_reply_program, write_config

    port, lmtp_port, imaps_port = _check_dovecot_arguments(port_text, endpoint, lmtp_text, imaps_text)
    tls = _dovecot_tls(imaps_port, cert, key)
    try:
        find_reply_program()
        command = write_config(directory, port, endpoint, lmtp_port, imaps_port, tls, mail_dir)
    except (FileNotFoundError, ConfigError) as exc:
        print(f"workmail-local: {exc}", file=sys.stderr)
        return 1
    print(f"Dovecot configuration written to {directory.resolve() / 'dovecot.conf'}")
    listeners = [f"IMAP on 127.0.0.1:{port}"]
    if imaps_port is not None:
        listeners.append(f"IMAPS on 127.0.0.1:{imaps_port}")
    if lmtp_port is not None:
        listeners.append(f"LMTP on 127.0.0.1:{lmtp_port} (serve --lmtp 127.0.0.1:{lmtp_port} "
                         f"--mail-dir {(mail_dir or directory / 'mail').resolve()})")
    print(f"{'; '.join(listeners)}; logins checked by {endpoint}; log: {directory.resolve() / 'dovecot.log'}")
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
    dovecot.add_argument("--lmtp-port", help="LMTP port on 127.0.0.1 for delivery (serve --lmtp 127.0.0.1:PORT)")
    dovecot.add_argument("--imaps-port", help="IMAPS (implicit TLS) port on 127.0.0.1")
    dovecot.add_argument("--tls-cert", type=Path, help="IMAPS certificate (default: the one serve generated)")
    dovecot.add_argument("--tls-key", type=Path, help="IMAPS private key")
    dovecot.add_argument("--mail-dir", type=Path, help="where the mailboxes are, DIR/<entity-id>/Maildir "
                                                       "(default: the mail folder of --dir; serve --mail-dir)")
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
        return dovecot_config(args.dir, args.port, args.endpoint, args.lmtp_port, args.imaps_port,
                              args.tls_cert, args.tls_key, args.mail_dir)
    parser.error(f"unknown command {args.command}")
    return 2
