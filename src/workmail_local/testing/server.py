"""The real server as a subprocess on a free loopback port, and clients for it:

    with LocalServer(data_dir=tmp) as server:          # a real server, real HTTP
        wm = server.client("workmail")
        wm.create_organization(Alias="acme")
        server.control("POST", "/clock", {"advance_seconds": 60})

plus :func:`signed_headers`, SigV4 headers for a request sent by hand.
"""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from workmail_local.access_log import FLUSH_AFTER_SECONDS

DEFAULT_TEST_ACCOUNT = "123456789012"


class LocalServer:
    """``workmail-local serve`` in a subprocess; stopped on :meth:`stop` or context exit."""

    def __init__(self, data_dir: Path | None = None, in_memory: bool = False, extra_args: list[str] | None = None,
                 env: dict[str, str] | None = None, database_url: str | None = None,
                 control_key: tuple[str, str] | None = None) -> None:
        self.data_dir = data_dir
        self.in_memory = in_memory
        self.database_url = database_url
        self.extra_args = extra_args or []
        self.env = env or {}
        self.url = ""
        self.process: subprocess.Popen[str] | None = None
        self._log = tempfile.NamedTemporaryFile(prefix="workmail-local-", suffix=".log", delete=False)  # noqa: SIM115
        self.log_path = Path(self._log.name)
        self._clients: dict[tuple[Any, ...], Any] = {}
        # (access key ID, secret) that signs control calls; under --auth enforce the admin
        # endpoints need it. By default, the first key of the server's credentials file.
        self.control_key = control_key if control_key is not None else self._enforce_key()

    def _enforce_key(self) -> tuple[str, str] | None:
        args = self.extra_args
        env = {**os.environ, **self.env}
        auth = args[args.index("--auth") + 1] if "--auth" in args[:-1] else env.get("WORKMAIL_LOCAL_AUTH", "open")
        path = (args[args.index("--credentials-file") + 1] if "--credentials-file" in args[:-1]
                else env.get("WORKMAIL_LOCAL_CREDENTIALS_FILE"))
        if auth != "enforce" or not path:
            return None
        from workmail_local.credentials import CredentialsFileError, load_credentials_file

        try:
            key = next(iter(load_credentials_file(Path(path)).values()))
        except CredentialsFileError:
            return None  # the server will refuse to start and say why
        return key.access_key_id, key.secret_access_key

    def start(self, timeout: float = 20.0) -> LocalServer:
        args = [sys.executable, "-m", "workmail_local", "serve", "--port", "0", *self.extra_args]
        if self.database_url:
            args += ["--database-url", self.database_url]
        elif self.in_memory:
            args.append("--in-memory")
        elif self.data_dir is not None:
            args += ["--data-dir", str(self.data_dir)]
        env = {**os.environ, **self.env}
        self.process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=self._log, text=True, env=env)
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if "listening on " not in line:
            self.stop()
            raise RuntimeError(f"server did not start: {line!r}\n{self.log()}")
        self.url = line.split("listening on ", 1)[1].strip()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if self.control("GET", "/health")[0] == 200:
                    return self
            except OSError:
                time.sleep(0.02)
        self.stop()
        raise RuntimeError(f"server did not become healthy\n{self.log()}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._clients.clear()

    def log(self) -> str:
        """Everything the server has written to stderr (its request log).

        The server writes request lines in batches a moment apart: wait one batch first."""
        time.sleep(FLUSH_AFTER_SECONDS * 4)
        self._log.flush()
        return self.log_path.read_text(errors="replace")

    def __enter__(self) -> LocalServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- clients -------------------------------------------------------------------

    def client(self, service: str, account: str = DEFAULT_TEST_ACCOUNT, region: str = "us-east-1",
               validate: bool = True) -> Any:
        """A boto3 client for this server; the access key is the account ID (cached per arguments)."""
        key = (service, account, region, validate, self.url)
        if key not in self._clients:
            import boto3
            from botocore.config import Config

            self._clients[key] = boto3.client(
                service,
                endpoint_url=self.url,
                region_name=region,
                aws_access_key_id=account,
                aws_secret_access_key="secret",
                config=Config(parameter_validation=validate, retries={"max_attempts": 1}),
            )
        return self._clients[key]

    def _request(self, method: str, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        parts = urlsplit(self.url)
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        try:
            conn.request(method, path, body=body, headers=headers)
            resp = conn.getresponse()
            return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
        finally:
            conn.close()

    def control(self, method: str, path: str, body: dict[str, Any] | None = None,
                key: tuple[str, str] | None = None, signed: bool = True,
                region: str = "us-east-1") -> tuple[int, dict[str, Any]]:
        """Call the control API: ``control("POST", "/clock", {"advance_seconds": 60})``.

        Signed (SigV4, signing name ``workmail``, ``region``) with ``key`` or
        :attr:`control_key` when either is set, unless ``signed=False``."""
        data = b"" if body is None else json.dumps(body).encode()
        headers = {"Content-Type": "application/json"}
        key = key or self.control_key
        if signed and key is not None:
            headers = signed_headers(method, self.url + "/_workmail-local" + path, data, headers, key, region)
        status, _, payload = self._request(method, "/_workmail-local" + path, data, headers)
        return status, json.loads(payload) if payload else {}

    def raw(self, target: str, body: bytes | dict[str, Any], account: str = DEFAULT_TEST_ACCOUNT,
            region: str = "us-east-1", headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], dict[str, Any]]:
        """Send a request boto3 would refuse to send (missing members, bad JSON …), with an
        unverified SigV4-shaped header naming ``account`` and ``region``."""
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        all_headers = {
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": target,
            "Authorization": f"AWS4-HMAC-SHA256 Credential={account}/20260101/{region}/workmail/aws4_request, "
                             "SignedHeaders=host;x-amz-date, Signature=0",
            **(headers or {}),
        }
        status, response_headers, payload = self._request("POST", "/", data, all_headers)
        return status, response_headers, json.loads(payload) if payload else {}

    def reset(self) -> None:
        status, body = self.control("POST", "/reset")
        if status != 200:
            raise RuntimeError(f"reset failed: {status} {body}")


def signed_headers(method: str, url: str, body: bytes, headers: dict[str, str], key: tuple[str, str],
                   region: str = "us-east-1", service: str = "workmail") -> dict[str, str]:
    """``headers`` plus the SigV4 ``Authorization`` and ``X-Amz-Date`` of a request (botocore signs)."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    request = AWSRequest(method=method, url=url, data=body, headers=headers)
    SigV4Auth(Credentials(*key), service, region).add_auth(request)
    return {k: v.decode() if isinstance(v, bytes) else v for k, v in request.headers.items()}
