"""``mock_workmail()`` answers at botocore's ``before-call`` (no signing, no HTTP request),
and a client sees exactly what it sees when the same request is signed and answered at
``before-send``; with enforce settings, requests are signed and verified."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from workmail_local.config import Settings
from workmail_local.testing import mock_workmail
from workmail_local.testing import mock as workmail_mock

KEY, SECRET, ACCOUNT = "AKIAMOCKEXAMPLE00001", "mock-secret", "111122223333"


@pytest.fixture(autouse=True)
def credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "123456789012")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    monkeypatch.delenv("AWS_PROFILE", raising=False)


def answered_at(client: Any, events: tuple[str, ...] = ("before-call", "before-send")) -> list[str]:
    """The events at which the mock answered ``client``'s calls, recorded by wrapping its
    handlers; the mock's handlers for other events are taken off the client."""
    seen: list[str] = []
    for event, hook, _ in workmail_mock.HOOKS:
        client.meta.events.unregister(event, hook)
        if event not in events:
            continue

        def recording(hook: Any = hook, event: str = event, **kwargs: Any) -> Any:
            answer = hook(**kwargs)
            if answer is not None:
                seen.append(event)
            return answer
        client.meta.events.register(event, recording)
    return seen


def comparable(response: dict[str, Any]) -> dict[str, Any]:
    """A parsed answer without what differs on every request (its request ID and date)."""
    meta = dict(response["ResponseMetadata"])
    meta["HTTPHeaders"] = {k: v for k, v in meta["HTTPHeaders"].items() if k != "x-amzn-requestid"}
    meta.pop("RequestId")
    return {**response, "ResponseMetadata": meta}


def test_answers_are_what_the_signed_path_gives() -> None:
    with mock_workmail():
        fast = boto3.client("workmail", region_name="eu-west-1")
        slow = boto3.client("workmail", region_name="eu-west-1")
        seen_fast, seen_slow = answered_at(fast), answered_at(slow, ("before-send",))
        org = fast.create_organization(Alias="parity")["OrganizationId"]
        user = fast.create_user(OrganizationId=org, Name="ann", DisplayName="Ann")["UserId"]
        for call in (lambda c: c.describe_organization(OrganizationId=org),
                     lambda c: c.describe_user(OrganizationId=org, UserId=user),  # timestamps parsed
                     lambda c: c.list_users(OrganizationId=org, MaxResults=1)):
            assert comparable(call(fast)) == comparable(call(slow))
        assert set(seen_fast) == {"before-call"} and set(seen_slow) == {"before-send"}
        assert comparable(fast.describe_organization(OrganizationId=org))["ResponseMetadata"]["RetryAttempts"] == 0
        assert fast.describe_organization(OrganizationId=org)["ARN"].startswith(
            "arn:aws:workmail:eu-west-1:123456789012:organization/")


def test_errors_carry_their_modeled_fields_as_through_the_signed_path() -> None:
    with mock_workmail():
        fast = boto3.client("identitystore", region_name="us-east-1")
        slow = boto3.client("identitystore", region_name="us-east-1")
        answered_at(slow, ("before-send",))
        store = boto3.client("sso-admin", region_name="us-east-1").list_instances()["Instances"][0]["IdentityStoreId"]
        errors = []
        for client in (fast, slow):
            with pytest.raises(client.exceptions.ResourceNotFoundException) as exc:
                client.describe_user(IdentityStoreId=store, UserId="c" * 8 + "-0000-0000-0000-" + "0" * 12)
            errors.append(comparable(exc.value.response))
        assert errors[0] == errors[1]
        assert errors[0]["ResourceType"] == "USER" and errors[0]["Error"]["Code"] == "ResourceNotFoundException"
        assert errors[0]["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_the_clients_access_key_decides_the_account(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "444455556666")
    with mock_workmail():
        wm = boto3.session.Session().client("workmail", region_name="ap-southeast-2")  # not the cached default
        org = wm.create_organization(Alias="keyed")["OrganizationId"]
        assert wm.describe_organization(OrganizationId=org)["ARN"] == (
            f"arn:aws:workmail:ap-southeast-2:444455556666:organization/{org}")


def test_enforce_settings_sign_and_verify(tmp_path: Path) -> None:
    credentials = tmp_path / "credentials"
    credentials.write_text(f"[mock]\naws_access_key_id = {KEY}\naws_secret_access_key = {SECRET}\n"
                           f"account_id = {ACCOUNT}\n")
    settings = Settings(in_memory=True, log_level="warning", auth="enforce", credentials_file=credentials)
    with mock_workmail(settings):
        good = boto3.client("workmail", region_name="us-east-1", aws_access_key_id=KEY, aws_secret_access_key=SECRET)
        seen = answered_at(good)
        org = good.create_organization(Alias="signed")["OrganizationId"]
        assert good.describe_organization(OrganizationId=org)["ARN"].startswith(f"arn:aws:workmail:us-east-1:{ACCOUNT}:")
        assert set(seen) == {"before-send"}
        wrong = boto3.client("workmail", region_name="us-east-1", aws_access_key_id=KEY, aws_secret_access_key="no")
        with pytest.raises(ClientError) as exc:
            wrong.describe_organization(OrganizationId=org)
        assert exc.value.response["Error"]["Code"] == "InvalidSignatureException"
