"""SMTP submission without Dovecot: what it keeps across restarts (the generated
certificate, made once into the data directory, and the outbound queue), and what it
answers when mailbox delivery is not configured or Dovecot's LMTP is down (451)."""

from __future__ import annotations

import smtplib
import ssl
from pathlib import Path

from tests.e2e.dovecot_rig import free_port
from tests.e2e.mail_helpers import message
from tests.e2e.world import build_world
from workmail_local.testing import LocalServer


def _printed(server: LocalServer) -> dict[str, str]:
    """The start-up lines after the URL: ``{"TLS certificate": path, "SMTPS": host:port, …}``."""
    printed: dict[str, str] = {}
    assert server.process is not None and server.process.stdout is not None
    while "SMTPS" not in printed:
        line = server.process.stdout.readline().strip()
        assert line
        name, _, value = line.partition(" on " if " on " in line else ": ")
        printed[name] = value
    return printed


def test_the_certificate_and_the_outbound_queue_survive_a_restart(data_dir: Path) -> None:
    with LocalServer(data_dir=data_dir, extra_args=["--smtps-port", "0"]) as server:
        printed = _printed(server)
        cert = Path(printed["TLS certificate"])
        assert cert == data_dir / "tls" / "localhost.crt" and (cert.with_suffix(".key").stat().st_mode & 0o777) == 0o600
        pem = cert.read_bytes()
        world = build_world(server)
        context = ssl.create_default_context(cafile=str(cert))
        with smtplib.SMTP_SSL("127.0.0.1", int(printed["SMTPS"].rpartition(":")[2]), context=context) as client:
            client.login(world.email, world.token())
            client.send_message(message(world.email, ["pal@example.org"], "Kept"))
        before = server.control("GET", "/mail/outbound")[1]["Messages"]
        assert [m["Subject"] for m in before] == ["Kept"]
    with LocalServer(data_dir=data_dir, extra_args=["--smtps-port", "0"]) as again:
        assert Path(_printed(again)["TLS certificate"]) == cert and cert.read_bytes() == pem
        assert again.control("GET", "/mail/outbound")[1]["Messages"] == before


def test_in_memory_generates_into_a_temporary_directory_and_given_files_are_used(tmp_path: Path) -> None:
    # The environment works as the flag does.
    with LocalServer(in_memory=True, env={"WORKMAIL_LOCAL_SMTPS_PORT": "0"}) as server:
        generated = Path(_printed(server)["TLS certificate"])
        assert generated.is_file() and "workmail-local-tls-" in str(generated.parent)
    mine = tmp_path / "mine.crt"
    mine.write_bytes(generated.read_bytes())
    (tmp_path / "mine.key").write_bytes(generated.with_suffix(".key").read_bytes())
    with LocalServer(in_memory=True, extra_args=["--smtps-port", "0", "--tls-cert", str(mine),
                                                 "--tls-key", str(tmp_path / "mine.key")]) as server:
        assert Path(_printed(server)["TLS certificate"]) == mine


def test_mailbox_delivery_unconfigured_or_down_answers_451(data_dir: Path) -> None:
    for extra in ([], ["--lmtp", f"127.0.0.1:{free_port()}"]):
        with LocalServer(in_memory=True, extra_args=["--smtp-port", "0", *extra]) as server:
            printed: dict[str, str] = {}
            assert server.process is not None and server.process.stdout is not None
            while "SMTP" not in printed:
                name, _, value = server.process.stdout.readline().strip().partition(" on ")
                printed[name] = value
            world = build_world(server)
            with smtplib.SMTP("127.0.0.1", int(printed["SMTP"].rpartition(":")[2])) as client:
                client.login(world.email, world.token())
                assert client.mail(world.email)[0] == 250
                code, text = client.rcpt(world.email)
                if not extra:
                    assert code == 451 and b"--lmtp" in text
                    continue
                assert code == 250
                assert client.data(message(world.email, [world.email], "Down").as_string())[0] == 451
