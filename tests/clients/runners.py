"""The three clients of the scenario test, each run against a live WorkMail Local.

- boto3 (:func:`run_boto3`): one client per service, one method call per step;
- the AWS CLI (:func:`run_cli`): ``aws <service> <operation> --cli-input-json <input>
  --endpoint-url <server> --no-paginate`` per step, exit code and stderr read as a script
  would (through :mod:`tests.clients.cli_batch`, the ``aws`` script's entry point in one process);
- the AWS SDK for JavaScript v3 (:func:`run_js`): ``node tests/clients/js/run.mjs``, which
  executes the whole scenario itself and prints its results.

Each returns the engine's results (see :mod:`tests.clients.scenario`); :func:`js_missing`
and :func:`cli_missing` say why a client cannot run here.
"""

from __future__ import annotations

import datetime
import json
import os
import re
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from botocore import xform_name
from botocore.exceptions import ClientError, ParamValidationError

from tests.clients.scenario import Control, Failure, path_of, run
from workmail_local.testing import DEFAULT_TEST_ACCOUNT, LocalServer

REGION = "us-east-1"
ROOT = Path(__file__).resolve().parents[2]
JS_DIR = Path(__file__).resolve().parent / "js"
JS_RUNNER = JS_DIR / "run.mjs"
JS_PACKAGES = ("@aws-sdk/client-workmail", "@aws-sdk/client-sso-admin", "@aws-sdk/client-identitystore")
NODE_MAJOR = 20  # what the SDK packages' "engines" ask for
AWS_CLI = Path(sys.executable).with_name("aws")
_CLI_ERROR = re.compile(r"An error occurred \(([^)]+)\) when calling the \w+ operation"
                        r"(?: \(reached max retries: \d+\))?: (.*)", re.DOTALL)


def _json_ready(value: Any) -> Any:
    """boto3's output as JSON would carry it (datetimes as ISO text; the normaliser masks them anyway)."""
    return json.loads(json.dumps(value, default=lambda v: v.isoformat() if isinstance(v, datetime.datetime) else str(v)))


def _control(server: LocalServer) -> Control:
    """Control-API steps, sent over plain HTTP (as every client's user would)."""
    def call(method: str, path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        request = urllib.request.Request(f"{server.url}/_workmail-local{path}", method=method,
                                         data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - the local server
                return response.status, json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as refused:
            return refused.code, json.loads(refused.read() or b"{}")
    return call


def run_boto3(server: LocalServer, scenario: dict[str, Any]) -> dict[str, Any]:
    def call(service: str, operation: str, given: dict[str, Any]) -> dict[str, Any]:
        client = server.client(service, account=DEFAULT_TEST_ACCOUNT, region=REGION)
        try:
            output = getattr(client, xform_name(operation))(**given)
        except ClientError as error:
            raise Failure(error.response["Error"]["Code"], error.response["Error"]["Message"]) from None
        except ParamValidationError as error:
            raise Failure("ParamValidationError", str(error)) from None
        output.pop("ResponseMetadata", None)
        return _json_ready(output)
    return run(scenario, call, _control(server))


def cli_missing() -> str | None:
    """Why the AWS CLI cannot run here, or ``None``."""
    return None if AWS_CLI.exists() else f"the AWS CLI is not installed next to {sys.executable} (pip install awscli)"


def _cli_env(home: Path) -> dict[str, str]:
    """The test account's keys, empty config files (the machine's own cannot leak in), no retries."""
    (home / "config").write_text("")
    (home / "credentials").write_text("")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ACCESS_KEY_ID=DEFAULT_TEST_ACCOUNT, AWS_SECRET_ACCESS_KEY="secret", AWS_DEFAULT_REGION=REGION,
               AWS_CONFIG_FILE=str(home / "config"), AWS_SHARED_CREDENTIALS_FILE=str(home / "credentials"),
               AWS_MAX_ATTEMPTS="1", AWS_RETRY_MODE="standard", AWS_PAGER="")
    return env


def run_cli(server: LocalServer, scenario: dict[str, Any], home: Path) -> dict[str, Any]:
    """Each step as the command line ``aws <service> <operation> --cli-input-json <input> …``,
    run by :mod:`tests.clients.cli_batch` (the ``aws`` script's own entry point, one process)."""
    batch = subprocess.Popen([sys.executable, "-m", "tests.clients.cli_batch"], cwd=ROOT, env=_cli_env(home),
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert batch.stdin is not None and batch.stdout is not None

    def call(service: str, operation: str, given: dict[str, Any]) -> dict[str, Any]:
        argv = [service, xform_name(operation, "-"), "--cli-input-json", json.dumps(given),
                "--endpoint-url", server.url, "--output", "json", "--no-paginate"]
        batch.stdin.write(json.dumps(argv) + "\n")
        batch.stdin.flush()
        line = batch.stdout.readline()
        if not line:
            raise AssertionError(f"the AWS CLI batch process ended (rc {batch.wait()})")
        done = json.loads(line)
        if done["rc"] != 0:
            error = _CLI_ERROR.search(done["stderr"])
            if error is None:
                # botocore's own client-side check, worded as boto3's ParamValidationError is
                code = "ParamValidationError" if "Parameter validation failed" in done["stderr"] else "CliFailure"
                raise Failure(code, done["stderr"].strip())
            raise Failure(error.group(1), error.group(2).strip())
        return json.loads(done["stdout"]) if done["stdout"].strip() else {}

    try:
        return run(scenario, call, _control(server))
    finally:
        batch.stdin.close()
        batch.wait(30)


def js_missing() -> str | None:
    """Why the JavaScript runner cannot run here (no node, too old a node, packages not installed), or ``None``."""
    node = shutil.which("node")
    if node is None:
        return "node is not installed (.ci/run installs Debian's nodejs and npm)"
    version = subprocess.run([node, "--version"], capture_output=True, text=True, check=False).stdout.strip()
    major = version.lstrip("v").partition(".")[0]
    if not major.isdigit() or int(major) < NODE_MAJOR:
        return f"node {version} is older than the AWS SDK for JavaScript v3 needs (>= {NODE_MAJOR})"
    missing = [p for p in JS_PACKAGES if not (JS_DIR / "node_modules" / p / "package.json").exists()]
    if missing:
        return f"npm packages not installed ({', '.join(missing)}): run `npm ci` in {JS_DIR}"
    return None


def run_js(server: LocalServer, scenario_name: str) -> dict[str, Any]:
    done = subprocess.run(
        ["node", str(JS_RUNNER), str(path_of(scenario_name)), server.url, DEFAULT_TEST_ACCOUNT, REGION],
        capture_output=True, text=True, timeout=300, check=False,
    )
    if done.returncode != 0:
        raise AssertionError(f"the JavaScript runner failed ({done.returncode}):\n{done.stderr}")
    return json.loads(done.stdout)
