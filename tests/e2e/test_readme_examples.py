"""The README's first examples, followed literally and in order against one persistent
server, as a newcomer does: the boto3 snippet, the AWS CLI session, the mock_workmail test."""

from __future__ import annotations

import contextlib
import io
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from workmail_local.testing import LocalServer

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()
AWS = Path(sys.executable).with_name("aws")
DEFAULT_URL = "http://127.0.0.1:8038"


def section(title: str) -> str:
    return README.split(f"\n## {title}\n", 1)[1].split("\n## ", 1)[0]


def block(text: str, language: str) -> str:
    found = re.search(rf"```{language}\n(.*?)```", text, re.S)
    assert found, f"no {language} block"
    return found.group(1)


def test_the_first_examples_work_in_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if not AWS.exists():
        pytest.fail(f"the AWS CLI is not installed next to {sys.executable} (scripts/setup installs it)")
    with LocalServer(data_dir=tmp_path / "data") as server:
        # 1. boto3
        code = block(section("Use it from boto3"), "python").replace(DEFAULT_URL, server.url)
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            exec(compile(code, "README boto3 example", "exec"), {})  # noqa: S102 - our own README
        assert printed.getvalue().startswith("Active\nAn error occurred (InvalidParameterException)")

        # 2. the AWS CLI, each `$ ` line in one shell, the outputs compared with the README's
        session = block(section("Use it from the AWS CLI"), "console").replace(DEFAULT_URL, server.url)
        commands = [line[2:] for line in session.splitlines() if line.startswith("$ ")]
        (tmp_path / "aws-config").write_text("")
        (tmp_path / "aws-credentials").write_text("")
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(PATH=f"{AWS.parent}{os.pathsep}{env.get('PATH', '')}", AWS_CONFIG_FILE=str(tmp_path / "aws-config"),
                   AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "aws-credentials"), AWS_PAGER="")
        script = "set -e\n" + "\n".join(commands)
        result = subprocess.run(["bash", "-c", script], env=env, capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr
        expected = session.split(commands[-1], 1)[1].strip()
        assert result.stdout.strip().endswith(expected)
        assert re.search(r'"OrganizationId": "m-[0-9a-f]{32}"', result.stdout)
        assert shlex.split(commands[0])[0] == "export"

    # 3. mock_workmail, with no AWS settings at all
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "aws-credentials"))
    import boto3

    monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)
    namespace: dict = {}
    exec(compile(block(section("In your own tests"), "python"), "README mock example", "exec"), namespace)  # noqa: S102
    namespace["test_my_code"]()
