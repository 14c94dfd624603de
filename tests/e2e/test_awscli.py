"""The IdC flow through the AWS CLI (``aws … --endpoint-url``), shorthand syntax included,
checking exit codes and output as a user's script would see them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from workmail_local.testing import LocalServer

AWS = Path(sys.executable).with_name("aws")

Cli = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def aws(server: LocalServer, tmp_path: Path) -> Cli:
    """Run ``aws <args> --endpoint-url <server>`` as account 123456789012 in us-east-1,
    with empty config and credentials files so the machine's own cannot leak in."""
    if not AWS.exists():
        pytest.fail(f"the AWS CLI is not installed next to {sys.executable} (pip install awscli)")
    (tmp_path / "config").write_text("")
    (tmp_path / "credentials").write_text("")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_ACCESS_KEY_ID="123456789012",
        AWS_SECRET_ACCESS_KEY="secret",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_CONFIG_FILE=str(tmp_path / "config"),
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "credentials"),
    )

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(AWS), *args, "--endpoint-url", server.url, "--output", "json"],
            env=env, capture_output=True, text=True, timeout=120,
        )

    return run


def ok(result: subprocess.CompletedProcess[str]) -> Any:
    """The JSON a successful command printed (``None`` for no output)."""
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout) if result.stdout.strip() else None


def test_identity_provider_flow_through_the_cli(aws: Cli) -> None:
    instance = ok(aws("sso-admin", "list-instances"))["Instances"][0]["InstanceArn"]
    org_id = ok(aws("workmail", "create-organization", "--alias", "clicorp"))["OrganizationId"]
    app = ok(aws("workmail", "create-identity-center-application", "--name", "WorkMail",
                 "--instance-arn", instance, "--client-token", "cli-1"))["ApplicationArn"]
    assert app.startswith(f"arn:aws:sso::123456789012:application/{instance.rpartition('/')[2]}/apl-")

    put = aws("workmail", "put-identity-provider-configuration",
              "--organization-id", org_id,
              "--authentication-mode", "IDENTITY_PROVIDER_AND_DIRECTORY",
              "--identity-center-configuration", f"InstanceArn={instance},ApplicationArn={app}",
              "--personal-access-token-configuration", "Status=ACTIVE,LifetimeInDays=30")
    assert (put.returncode, put.stdout, put.stderr) == (0, "", "")
    assert ok(aws("workmail", "describe-identity-provider-configuration", "--organization-id", org_id)) == {
        "AuthenticationMode": "IDENTITY_PROVIDER_AND_DIRECTORY",
        "IdentityCenterConfiguration": {"InstanceArn": instance, "ApplicationArn": app},
        "PersonalAccessTokenConfiguration": {"Status": "ACTIVE", "LifetimeInDays": 30},
    }

    # The other mode, LifetimeInDays left out.
    ok(aws("workmail", "put-identity-provider-configuration",
           "--organization-id", org_id,
           "--authentication-mode", "IDENTITY_PROVIDER_ONLY",
           "--identity-center-configuration", f"InstanceArn={instance},ApplicationArn={app}",
           "--personal-access-token-configuration", "Status=INACTIVE"))
    described = ok(aws("workmail", "describe-identity-provider-configuration", "--organization-id", org_id))
    assert described["AuthenticationMode"] == "IDENTITY_PROVIDER_ONLY"
    assert described["PersonalAccessTokenConfiguration"] == {"Status": "INACTIVE", "LifetimeInDays": 365}

    # A server-side refusal: non-zero exit, the modelled error on stderr.
    refused = aws("workmail", "put-identity-provider-configuration",
                  "--organization-id", org_id,
                  "--authentication-mode", "IDENTITY_PROVIDER_ONLY",
                  "--identity-center-configuration", f"InstanceArn={instance},ApplicationArn={app}",
                  "--personal-access-token-configuration", "Status=ACTIVE,LifetimeInDays=4000")
    assert refused.returncode != 0 and refused.stdout == ""
    assert "An error occurred (InvalidParameterException) when calling the PutIdentityProviderConfiguration " \
           "operation: 1 validation error detected: Value '4000' at " \
           "'personalAccessTokenConfiguration.lifetimeInDays'" in refused.stderr

    assert ok(aws("workmail", "delete-identity-provider-configuration", "--organization-id", org_id)) is None
    missing = aws("workmail", "describe-identity-provider-configuration", "--organization-id", org_id)
    assert missing.returncode != 0
    assert "(ResourceNotFoundException)" in missing.stderr

    assert ok(aws("workmail", "delete-identity-center-application", "--application-arn", app)) is None
    assert ok(aws("sso-admin", "list-applications", "--instance-arn", instance))["Applications"] == []
