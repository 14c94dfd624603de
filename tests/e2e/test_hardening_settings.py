"""Every bad setting, from a flag or the environment, stops with one line naming the
setting, the value and what is allowed; exit status 2; no traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SRC = str(Path(__file__).resolve().parents[2] / "src")


def run(*args: str, env: dict[str, str] | None = None, timeout: float = 15) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("WORKMAIL_LOCAL_")}
    clean["PYTHONPATH"] = SRC + os.pathsep + os.environ.get("PYTHONPATH", "")
    return subprocess.run([sys.executable, "-m", "workmail_local", *args], capture_output=True, text=True,
                          env={**clean, **(env or {})}, timeout=timeout)


def assert_refused(result: subprocess.CompletedProcess[str], *parts: str) -> None:
    assert result.returncode == 2, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
    for part in parts:
        assert part in lines[0], (part, lines[0])


@pytest.mark.parametrize("args, env, parts", [
    (["--port", "70000"], {}, ["--port", "'70000'", "0 to 65535"]),
    (["--port", "-1"], {}, ["--port", "'-1'", "0 to 65535"]),
    (["--port", "abc"], {}, ["--port", "'abc'", "0 to 65535"]),
    ([], {"WORKMAIL_LOCAL_PORT": "abc"}, ["WORKMAIL_LOCAL_PORT", "'abc'", "0 to 65535"]),
    ([], {"WORKMAIL_LOCAL_PORT": "65536"}, ["WORKMAIL_LOCAL_PORT", "'65536'"]),
    ([], {"WORKMAIL_LOCAL_ORG_ACTIVATION_DELAY": "abc"}, ["WORKMAIL_LOCAL_ORG_ACTIVATION_DELAY", "'abc'", "seconds"]),
    (["--org-activation-delay", "-5"], {}, ["--org-activation-delay", "'-5'", "0 or more"]),
    (["--org-activation-delay", "nan"], {}, ["--org-activation-delay", "'nan'"]),
    ([], {"WORKMAIL_LOCAL_LOG_LEVEL": "bogus"}, ["WORKMAIL_LOCAL_LOG_LEVEL", "'bogus'", "debug, info, warning, error"]),
    (["--log-level", "loud"], {}, ["--log-level", "'loud'", "debug, info, warning, error"]),
    (["--validation-error", "Oops"], {}, ["--validation-error", "InvalidParameterException, ValidationException"]),
    ([], {"WORKMAIL_LOCAL_AUTH": "strict"}, ["WORKMAIL_LOCAL_AUTH", "'strict'", "open, enforce"]),
    ([], {"WORKMAIL_LOCAL_MAIL_DOMAIN_VERIFICATION": "sometimes"}, ["WORKMAIL_LOCAL_MAIL_DOMAIN_VERIFICATION"]),
    ([], {"WORKMAIL_LOCAL_IN_MEMORY": "perhaps"}, ["WORKMAIL_LOCAL_IN_MEMORY", "'perhaps'"]),
    (["--max-request-bytes", "8MB"], {}, ["--max-request-bytes", "'8MB'", "bytes"]),
    ([], {"WORKMAIL_LOCAL_MAX_REQUEST_BYTES": "0"}, ["WORKMAIL_LOCAL_MAX_REQUEST_BYTES", "'0'"]),
    (["--idle-timeout", "0"], {}, ["--idle-timeout", "'0'", "greater than 0"]),
    ([], {"WORKMAIL_LOCAL_IDLE_TIMEOUT": "soon"}, ["WORKMAIL_LOCAL_IDLE_TIMEOUT", "'soon'"]),
])
def test_a_bad_value_is_one_line_and_exit_2(args: list[str], env: dict[str, str], parts: list[str]) -> None:
    base = [] if "WORKMAIL_LOCAL_IN_MEMORY" in env else ["--in-memory"]
    assert_refused(run("serve", *base, *args, env=env), *parts)


def test_help_works_whatever_the_environment_holds() -> None:
    for command in (["--help"], ["serve", "--help"]):
        result = run(*command, env={"WORKMAIL_LOCAL_PORT": "abc", "WORKMAIL_LOCAL_ORG_ACTIVATION_DELAY": "x"})
        assert result.returncode == 0 and "usage:" in result.stdout and not result.stderr


def test_a_data_dir_whose_parent_is_missing_is_refused_and_not_created(tmp_path: Path) -> None:
    target = tmp_path / "no" / "such" / "data"
    assert_refused(run("serve", "--port", "0", "--data-dir", str(target)), "--data-dir", str(target),
                   "parent exists")
    assert not (tmp_path / "no").exists()
    assert_refused(run("serve", "--port", "0", env={"WORKMAIL_LOCAL_DATA_DIR": str(target)}),
                   "WORKMAIL_LOCAL_DATA_DIR")
    assert not (tmp_path / "no").exists()


def test_a_data_dir_that_is_a_file_is_refused(tmp_path: Path) -> None:
    file = tmp_path / "file"
    file.write_text("")
    assert_refused(run("serve", "--port", "0", "--data-dir", str(file)), "--data-dir", "not a file")


def test_a_database_that_is_not_sqlite_is_refused_and_left_alone(tmp_path: Path) -> None:
    foreign = tmp_path / "workmail-local.sqlite3"
    foreign.write_bytes(b"not a database, " * 512)
    assert_refused(run("serve", "--port", "0", "--data-dir", str(tmp_path)), "cannot open the database",
                   str(foreign), "not a database")
    assert foreign.read_bytes() == b"not a database, " * 512


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads and writes any directory")
def test_an_unwritable_data_dir_is_refused(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    assert_refused(run("serve", "--port", "0", "--data-dir", str(locked)), "--data-dir", "read and write")
    assert_refused(run("serve", "--port", "0", "--data-dir", str(locked / "new")), "--data-dir", "not writable")


@pytest.mark.parametrize("args, parts", [
    (["--port", "99999", "--endpoint", "http://127.0.0.1:8038"], ["--port", "'99999'", "1 to 65535"]),
    (["--port", "0", "--endpoint", "http://127.0.0.1:8038"], ["--port", "'0'"]),
    (["--port", "10143", "--endpoint", "not-a-url"], ["--endpoint", "'not-a-url'", "http://host[:port]"]),
    (["--port", "10143", "--endpoint", "ftp://127.0.0.1:8038"], ["--endpoint"]),
    (["--port", "10143", "--endpoint", "http://127.0.0.1:99999"], ["--endpoint"]),
    (["--port", "99999", "--endpoint", "not-a-url"], ["--port", "'99999'", "; --endpoint", "'not-a-url'"]),
])
def test_dovecot_config_refuses_a_bad_port_or_endpoint(tmp_path: Path, args: list[str], parts: list[str]) -> None:
    assert_refused(run("dovecot-config", "--dir", str(tmp_path / "dovecot"), *args), *parts)
    assert not (tmp_path / "dovecot").exists()
