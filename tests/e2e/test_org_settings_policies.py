"""Organization settings: inbound DMARC, the retention policy, email monitoring — each
operation, every modelled error, durability and isolation."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.e2e.helpers import check_organization_errors, code_of, error_of, pattern
from workmail_local.testing import LocalServer

LOG_GROUP = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/workmail/emailevents/acme:*"
ROLE = "arn:aws:iam::123456789012:role/WorkMailEvents"
SLR = ("arn:aws:iam::123456789012:role/aws-service-role/events.workmail.amazonaws.com/"
       "AWSServiceRoleForAmazonWorkMailEvents")
FOLDERS = [{"Name": "INBOX", "Action": "NONE"}, {"Name": "DELETED_ITEMS", "Action": "PERMANENTLY_DELETE", "Period": 30},
           {"Name": "JUNK_EMAIL", "Action": "DELETE", "Period": 7}]


def _answer(response: dict[str, Any]) -> dict[str, Any]:
    response.pop("ResponseMetadata")
    return response


# -- inbound DMARC -----------------------------------------------------------------

def test_a_new_organization_enforces_dmarc_and_put_changes_it(workmail, org_id) -> None:
    assert _answer(workmail.describe_inbound_dmarc_settings(OrganizationId=org_id)) == {"Enforced": True}
    workmail.put_inbound_dmarc_settings(OrganizationId=org_id, Enforced=False)
    assert workmail.describe_inbound_dmarc_settings(OrganizationId=org_id)["Enforced"] is False
    other = workmail.create_organization(Alias="other")["OrganizationId"]
    assert workmail.describe_inbound_dmarc_settings(OrganizationId=other)["Enforced"] is True
    workmail.put_inbound_dmarc_settings(OrganizationId=org_id, Enforced=True)
    assert workmail.describe_inbound_dmarc_settings(OrganizationId=org_id)["Enforced"] is True


# -- retention policy ----------------------------------------------------------------

def test_retention_policy_put_get_replace_delete(workmail, org_id) -> None:
    with pytest.raises(ClientError) as exc:
        workmail.get_default_retention_policy(OrganizationId=org_id)
    assert error_of(exc) == ("EntityNotFoundException", f"Organization {org_id} has no retention policy.")
    workmail.put_retention_policy(OrganizationId=org_id, Name="keep-a-month", Description="Tidy: 30 days",
                                  FolderConfigurations=FOLDERS)
    policy = _answer(workmail.get_default_retention_policy(OrganizationId=org_id))
    assert pattern("workmail", "ShortString").search(policy["Id"])
    assert policy == {"Id": policy["Id"], "Name": "keep-a-month", "Description": "Tidy: 30 days",
                      "FolderConfigurations": FOLDERS}
    # Put without Id replaces it and keeps its Id; Put with its Id too.
    workmail.put_retention_policy(OrganizationId=org_id, Name="inbox-only", FolderConfigurations=FOLDERS[:1])
    assert _answer(workmail.get_default_retention_policy(OrganizationId=org_id)) == {
        "Id": policy["Id"], "Name": "inbox-only", "FolderConfigurations": FOLDERS[:1]}
    workmail.put_retention_policy(OrganizationId=org_id, Id=policy["Id"], Name="again", FolderConfigurations=[])
    assert workmail.get_default_retention_policy(OrganizationId=org_id)["Name"] == "again"
    # One policy per organization.
    with pytest.raises(ClientError) as exc:
        workmail.put_retention_policy(OrganizationId=org_id, Id="another-one", Name="second", FolderConfigurations=[])
    code, message = error_of(exc)
    assert code == "LimitExceededException" and policy["Id"] in message
    workmail.delete_retention_policy(OrganizationId=org_id, Id="not-this-one")  # unknown Id: 200, no change
    assert workmail.get_default_retention_policy(OrganizationId=org_id)["Id"] == policy["Id"]
    workmail.delete_retention_policy(OrganizationId=org_id, Id=policy["Id"])
    with pytest.raises(ClientError) as exc:
        workmail.get_default_retention_policy(OrganizationId=org_id)
    assert code_of(exc) == "EntityNotFoundException"
    # With none, Put with an Id creates the policy with that Id.
    workmail.put_retention_policy(OrganizationId=org_id, Id="chosen-id", Name="mine", FolderConfigurations=[])
    assert workmail.get_default_retention_policy(OrganizationId=org_id)["Id"] == "chosen-id"


def test_retention_policy_folder_rules(workmail, server, org_id) -> None:
    for folders, text in (
        ([{"Name": "INBOX", "Action": "NONE"}, {"Name": "INBOX", "Action": "DELETE", "Period": 3}],
         "The folder INBOX is configured more than once."),
        ([{"Name": "SENT_ITEMS", "Action": "DELETE"}],
         "The folder SENT_ITEMS has the action DELETE, which needs a Period in days."),
    ):
        with pytest.raises(ClientError) as exc:
            workmail.put_retention_policy(OrganizationId=org_id, Name="bad", FolderConfigurations=folders)
        assert error_of(exc) == ("InvalidParameterException", text)
    unchecked = server.client("workmail", validate=False)
    for folder in ({"Name": "DRAFTS", "Action": "DELETE", "Period": 731}, {"Name": "DRAFTS", "Action": "DELETE",
                                                                          "Period": 0},
                   {"Name": "OUTBOX", "Action": "NONE"}, {"Name": "DRAFTS", "Action": "ARCHIVE"}):
        with pytest.raises(ClientError) as exc:
            unchecked.put_retention_policy(OrganizationId=org_id, Name="bad", FolderConfigurations=[folder])
        assert code_of(exc) == "InvalidParameterException", folder
    with pytest.raises(ClientError) as exc:
        unchecked.delete_retention_policy(OrganizationId=org_id, Id="!!!")
    assert code_of(exc) == "InvalidParameterException"
    with pytest.raises(ClientError) as exc:
        unchecked.get_default_retention_policy(OrganizationId="m-1")
    assert code_of(exc) == "InvalidParameterException"
    # The description is sensitive: a bad one is never echoed.
    with pytest.raises(ClientError) as exc:
        unchecked.put_retention_policy(OrganizationId=org_id, Name="x", Description="s" * 257, FolderConfigurations=[])
    assert "s" * 257 not in error_of(exc)[1]


# -- email monitoring ----------------------------------------------------------------

def test_email_monitoring_put_describe_delete(workmail, org_id) -> None:
    with pytest.raises(ClientError) as exc:
        workmail.describe_email_monitoring_configuration(OrganizationId=org_id)
    assert error_of(exc) == ("ResourceNotFoundException",
                             f"Organization {org_id} has no email monitoring configuration.")
    workmail.delete_email_monitoring_configuration(OrganizationId=org_id)  # none: still 200
    workmail.put_email_monitoring_configuration(OrganizationId=org_id, LogGroupArn=LOG_GROUP)
    assert _answer(workmail.describe_email_monitoring_configuration(OrganizationId=org_id)) == {
        "RoleArn": SLR, "LogGroupArn": LOG_GROUP}
    other_group = LOG_GROUP.replace("emailevents/acme", "custom")
    workmail.put_email_monitoring_configuration(OrganizationId=org_id, LogGroupArn=other_group, RoleArn=ROLE)
    assert _answer(workmail.describe_email_monitoring_configuration(OrganizationId=org_id)) == {
        "RoleArn": ROLE, "LogGroupArn": other_group}
    workmail.delete_email_monitoring_configuration(OrganizationId=org_id)
    with pytest.raises(ClientError) as exc:
        workmail.describe_email_monitoring_configuration(OrganizationId=org_id)
    assert code_of(exc) == "ResourceNotFoundException"


def test_email_monitoring_log_group_must_be_the_organizations(workmail, server, org_id) -> None:
    for group in (LOG_GROUP.replace("us-east-1", "eu-west-1"), LOG_GROUP.replace("123456789012", "210987654321")):
        with pytest.raises(ClientError) as exc:
            workmail.put_email_monitoring_configuration(OrganizationId=org_id, LogGroupArn=group)
        code, message = error_of(exc)
        assert code == "ResourceNotFoundException" and group in message
    unchecked = server.client("workmail", validate=False)
    for params in ({"LogGroupArn": LOG_GROUP[:-2]}, {"LogGroupArn": LOG_GROUP, "RoleArn": "arn:aws:s3:::bucket-name"},
                   {"LogGroupArn": "arn:aws:logs:us-east-1:123456789012:log-group:a name:*"}):
        with pytest.raises(ClientError) as exc:
            unchecked.put_email_monitoring_configuration(OrganizationId=org_id, **params)
        assert code_of(exc) == "InvalidParameterException", params
    for call in (unchecked.describe_email_monitoring_configuration, unchecked.delete_email_monitoring_configuration):
        with pytest.raises(ClientError) as exc:
            call(OrganizationId="m-1")
        assert code_of(exc) == "InvalidParameterException"


# -- all of them -----------------------------------------------------------------------

CALLS = {
    "PutInboundDmarcSettings": lambda c, o: c.put_inbound_dmarc_settings(OrganizationId=o, Enforced=False),
    "DescribeInboundDmarcSettings": lambda c, o: c.describe_inbound_dmarc_settings(OrganizationId=o),
    "PutRetentionPolicy": lambda c, o: c.put_retention_policy(OrganizationId=o, Name="p", FolderConfigurations=[]),
    "GetDefaultRetentionPolicy": lambda c, o: c.get_default_retention_policy(OrganizationId=o),
    "DeleteRetentionPolicy": lambda c, o: c.delete_retention_policy(OrganizationId=o, Id="p"),
    "PutEmailMonitoringConfiguration": lambda c, o: c.put_email_monitoring_configuration(OrganizationId=o,
                                                                                          LogGroupArn=LOG_GROUP),
    "DescribeEmailMonitoringConfiguration": lambda c, o: c.describe_email_monitoring_configuration(OrganizationId=o),
    "DeleteEmailMonitoringConfiguration": lambda c, o: c.delete_email_monitoring_configuration(OrganizationId=o),
}


@pytest.mark.parametrize("operation", sorted(CALLS))
def test_organization_errors(workmail, server, org_id, operation: str) -> None:
    check_organization_errors(workmail, server, org_id, CALLS[operation])


def _configure(wm: Any, org: str) -> None:
    wm.put_inbound_dmarc_settings(OrganizationId=org, Enforced=False)
    wm.put_retention_policy(OrganizationId=org, Name="kept", Description="Secret-ish", FolderConfigurations=FOLDERS)
    wm.put_email_monitoring_configuration(OrganizationId=org, LogGroupArn=LOG_GROUP, RoleArn=ROLE)


def _settings(wm: Any, org: str) -> list[dict[str, Any]]:
    return [_answer(wm.describe_inbound_dmarc_settings(OrganizationId=org)),
            _answer(wm.get_default_retention_policy(OrganizationId=org)),
            _answer(wm.describe_email_monitoring_configuration(OrganizationId=org))]


def test_settings_survive_a_restart_and_are_isolated_and_removed_with_the_organization(tmp_path) -> None:
    data = tmp_path / "data"
    with LocalServer(data_dir=data) as server:
        wm = server.client("workmail")
        org = wm.create_organization(Alias="acme")["OrganizationId"]
        _configure(wm, org)
        before = _settings(wm, org)
        # Same alias, another account: its own organization, its own (default) settings.
        theirs = server.client("workmail", account="210987654321")
        their_org = theirs.create_organization(Alias="acme-two")["OrganizationId"]
        assert theirs.describe_inbound_dmarc_settings(OrganizationId=their_org)["Enforced"] is True
        with pytest.raises(ClientError):
            theirs.get_default_retention_policy(OrganizationId=their_org)
    with LocalServer(data_dir=data) as server:
        wm = server.client("workmail")
        assert _settings(wm, org) == before
        wm.delete_organization(OrganizationId=org, DeleteDirectory=True, ForceDelete=True)
    with sqlite3.connect(data / "workmail-local.sqlite3") as db:
        for table in ("inbound_dmarc", "retention_policies", "email_monitoring"):
            assert db.execute(f"SELECT COUNT(*) FROM {table} WHERE organization_id = ?", (org,)).fetchone() == (0,)
