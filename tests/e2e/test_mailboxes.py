"""Users' mailboxes end to end: GetMailboxDetails and UpdateMailboxQuota, with every
modelled error they can give; and that aliases, quotas and mailbox permissions survive a
restart.

Groups and resources (which have no mailbox here) are in test_directory_cross_kind.py.
"""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from tests.e2e.helpers import check_organization_errors, code_of, error_of
from tests.e2e.test_aliases import DOMAIN, UNKNOWN_ID, enabled
from tests.e2e.test_users import create
from workmail_local.testing import LocalServer


def details(workmail, org_id: str, user: str) -> dict:  # noqa: ANN001
    answer = workmail.get_mailbox_details(OrganizationId=org_id, UserId=user)
    answer.pop("ResponseMetadata")
    return answer


def test_a_new_mailbox_has_the_default_quota_and_is_empty(workmail, org_id) -> None:
    bob = enabled(workmail, org_id, "bob")
    assert details(workmail, org_id, bob) == {"MailboxQuota": 51200, "MailboxSize": 0.0}
    # The user by name and by address.
    assert details(workmail, org_id, "BOB") == details(workmail, org_id, f"bob@{DOMAIN}")


def test_update_mailbox_quota(workmail, org_id) -> None:
    bob = enabled(workmail, org_id, "bob")
    for quota in (1, 51200, 1024):
        workmail.update_mailbox_quota(OrganizationId=org_id, UserId=bob, MailboxQuota=quota)
        assert details(workmail, org_id, bob)["MailboxQuota"] == quota
    workmail.update_mailbox_quota(OrganizationId=org_id, UserId=f"bob@{DOMAIN}", MailboxQuota=2048)
    workmail.update_mailbox_quota(OrganizationId=org_id, UserId="bob", MailboxQuota=4096)
    assert details(workmail, org_id, bob)["MailboxQuota"] == 4096
    # A disabled user keeps its mailbox and quota; registering again finds them as they were.
    workmail.deregister_from_work_mail(OrganizationId=org_id, EntityId=bob)
    assert details(workmail, org_id, bob) == {"MailboxQuota": 4096, "MailboxSize": 0.0}
    workmail.register_to_work_mail(OrganizationId=org_id, EntityId=bob, Email=f"bob@{DOMAIN}")
    assert details(workmail, org_id, bob)["MailboxQuota"] == 4096


def test_update_mailbox_quota_errors(workmail, server, org_id) -> None:
    bob = enabled(workmail, org_id, "bob")
    with pytest.raises(ClientError) as exc:
        workmail.update_mailbox_quota(OrganizationId=org_id, UserId=bob, MailboxQuota=51201)
    assert error_of(exc) == ("InvalidParameterException",
                             "The mailbox quota 51201 MB is more than the largest a mailbox may have, 51200 MB.")
    status, _, body = server.raw("WorkMailService.UpdateMailboxQuota",
                                 {"OrganizationId": org_id, "UserId": bob, "MailboxQuota": 0})
    assert status == 400 and body["__type"] == "InvalidParameterException"  # the model's minimum
    assert details(workmail, org_id, bob)["MailboxQuota"] == 51200
    for unknown in (UNKNOWN_ID, "nobody", f"nobody@{DOMAIN}"):
        with pytest.raises(ClientError) as exc:
            workmail.update_mailbox_quota(OrganizationId=org_id, UserId=unknown, MailboxQuota=10)
        assert error_of(exc) == ("EntityNotFoundException", f"The user {unknown} was not found in organization {org_id}.")
    carol = create(workmail, org_id, "carol")
    with pytest.raises(ClientError) as exc:
        workmail.update_mailbox_quota(OrganizationId=org_id, UserId=carol, MailboxQuota=10)
    assert error_of(exc) == ("EntityStateException",
                             f"The user {carol} must be ENABLED to change its mailbox quota; state: DISABLED")
    workmail.deregister_from_work_mail(OrganizationId=org_id, EntityId=bob)
    with pytest.raises(ClientError) as exc:
        workmail.update_mailbox_quota(OrganizationId=org_id, UserId=bob, MailboxQuota=10)
    assert code_of(exc) == "EntityStateException"
    workmail.delete_user(OrganizationId=org_id, UserId=bob)
    with pytest.raises(ClientError) as exc:
        workmail.update_mailbox_quota(OrganizationId=org_id, UserId=bob, MailboxQuota=10)
    assert error_of(exc) == ("EntityStateException",
                             f"The user {bob} must be ENABLED to change its mailbox quota; state: DELETED")


def test_get_mailbox_details_errors(workmail, org_id) -> None:
    carol = create(workmail, org_id, "carol")
    with pytest.raises(ClientError) as exc:
        workmail.get_mailbox_details(OrganizationId=org_id, UserId=carol)
    assert error_of(exc) == ("EntityNotFoundException",
                             f"The user {carol} has no mailbox in organization {org_id} (never registered to WorkMail).")
    for unknown in (UNKNOWN_ID, "nobody", f"nobody@{DOMAIN}"):
        with pytest.raises(ClientError) as exc:
            workmail.get_mailbox_details(OrganizationId=org_id, UserId=unknown)
        assert error_of(exc) == ("EntityNotFoundException", f"The user {unknown} was not found in organization {org_id}.")
    bob = enabled(workmail, org_id, "bob")
    workmail.deregister_from_work_mail(OrganizationId=org_id, EntityId=bob)
    workmail.delete_user(OrganizationId=org_id, UserId=bob)
    with pytest.raises(ClientError) as exc:
        workmail.get_mailbox_details(OrganizationId=org_id, UserId=bob)
    assert error_of(exc) == ("EntityNotFoundException",
                             f"The user {bob} has no mailbox in organization {org_id} (deleted).")
    with pytest.raises(ClientError) as exc:
        workmail.get_mailbox_details(OrganizationId=org_id, UserId="###")
    assert code_of(exc) == "InvalidParameterException"  # not one EntityIdentifier character


CALLS = {
    "GetMailboxDetails": lambda wm, org: wm.get_mailbox_details(OrganizationId=org, UserId="bob"),
    "UpdateMailboxQuota": lambda wm, org: wm.update_mailbox_quota(OrganizationId=org, UserId="bob", MailboxQuota=5),
}


@pytest.mark.parametrize("operation", sorted(CALLS))
def test_organization_errors(workmail, server, org_id, operation) -> None:
    check_organization_errors(workmail, server, org_id, CALLS[operation])


def test_restart_keeps_aliases_quotas_and_permissions(tmp_path) -> None:
    data = tmp_path / "data"
    with LocalServer(data_dir=data) as server:
        wm = server.client("workmail")
        org_id = wm.create_organization(Alias="acme")["OrganizationId"]
        bob, alice = enabled(wm, org_id, "bob"), enabled(wm, org_id, "alice")
        wm.create_alias(OrganizationId=org_id, EntityId=bob, Alias=f"robert@{DOMAIN}")
        wm.update_primary_email_address(OrganizationId=org_id, EntityId=bob, Email=f"bobby@{DOMAIN}")
        wm.update_mailbox_quota(OrganizationId=org_id, UserId=bob, MailboxQuota=777)
        wm.put_mailbox_permissions(OrganizationId=org_id, EntityId=bob, GranteeId=alice,
                                   PermissionValues=["SEND_AS", "FULL_ACCESS"])
        before = wm.list_aliases(OrganizationId=org_id, EntityId=bob)["Aliases"]
        granted = wm.list_mailbox_permissions(OrganizationId=org_id, EntityId=bob)["Permissions"]
    with LocalServer(data_dir=data) as server:
        wm = server.client("workmail")
        assert wm.list_aliases(OrganizationId=org_id, EntityId=bob)["Aliases"] == before
        assert before == [f"bobby@{DOMAIN}", f"bob@{DOMAIN}", f"robert@{DOMAIN}"]
        assert wm.describe_entity(OrganizationId=org_id, Email=f"robert@{DOMAIN}")["EntityId"] == bob
        assert wm.get_mailbox_details(OrganizationId=org_id, UserId=bob)["MailboxQuota"] == 777
        assert wm.list_mailbox_permissions(OrganizationId=org_id, EntityId=bob)["Permissions"] == granted
        assert granted == [{"GranteeId": alice, "GranteeType": "USER", "PermissionValues": ["FULL_ACCESS", "SEND_AS"]}]
