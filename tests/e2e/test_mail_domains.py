"""Mail domains end to end: RegisterMailDomain, DeregisterMailDomain, GetMailDomain,
ListMailDomains, UpdateDefaultMailDomain, verification in both modes (``auto`` on the
shared server, ``manual`` on a server of its own) with the control endpoint
``POST /_workmail-local/mail-domains/verification``, and restarts."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import regex
from botocore.exceptions import ClientError

from tests.e2e.helpers import code_of, error_of
from tests.e2e.test_users import OTHER_ACCOUNT, create
from workmail_local.testing import DEFAULT_TEST_ACCOUNT, LocalServer

VERIFICATION = "/mail-domains/verification"
SES_TOKEN = regex.compile(r"^[A-Za-z0-9+/]{43}=$")
DKIM_TOKEN = regex.compile(r"^[a-z2-7]{32}$")


def domain_of(workmail, org_id: str, name: str) -> dict:  # noqa: ANN001
    answer = workmail.get_mail_domain(OrganizationId=org_id, DomainName=name)
    answer.pop("ResponseMetadata")
    return answer


def listed(workmail, org_id: str) -> list[tuple[str, bool]]:  # noqa: ANN001
    return [(d["DomainName"], d["DefaultDomain"])
            for d in workmail.list_mail_domains(OrganizationId=org_id)["MailDomains"]]


def statuses(workmail, org_id: str, name: str) -> tuple[str, str]:  # noqa: ANN001
    answer = domain_of(workmail, org_id, name)
    return answer["OwnershipVerificationStatus"], answer["DkimVerificationStatus"]


def verify(server: LocalServer, org_id: str, name: str, **values: str) -> tuple[int, dict]:
    """Set a domain's statuses for the test account (the control API has no SigV4 to name it)."""
    return server.control("POST", VERIFICATION, {"AccountId": DEFAULT_TEST_ACCOUNT, "OrganizationId": org_id,
                                                 "DomainName": name, **values})


@pytest.fixture(scope="module")
def manual_server() -> Iterator[LocalServer]:
    """A server that keeps new domains PENDING until the control API verifies them."""
    with LocalServer(in_memory=True, extra_args=["--mail-domain-verification", "manual"]) as server:
        yield server


@pytest.fixture
def manual(manual_server: LocalServer) -> LocalServer:
    manual_server.reset()
    return manual_server


# -- the test domain and the default (auto) mode ----------------------------------------


def test_a_new_organization_has_its_test_domain(workmail, org_id) -> None:
    assert listed(workmail, org_id) == [("acme.awsapps.com", True)]
    assert domain_of(workmail, org_id, "acme.awsapps.com") == {
        "Records": [], "IsTestDomain": True, "IsDefault": True,
        "OwnershipVerificationStatus": "VERIFIED", "DkimVerificationStatus": "VERIFIED",
    }
    assert workmail.describe_organization(OrganizationId=org_id)["DefaultMailDomain"] == "acme.awsapps.com"


def test_register_get_and_list(workmail, org_id) -> None:
    workmail.register_mail_domain(OrganizationId=org_id, DomainName="Example.COM")
    # Auto mode: verified on the next read, so scripts that wait for it go on at once.
    answer = domain_of(workmail, org_id, "EXAMPLE.com")
    assert (answer["IsTestDomain"], answer["IsDefault"]) == (False, False)
    assert (answer["OwnershipVerificationStatus"], answer["DkimVerificationStatus"]) == ("VERIFIED", "VERIFIED")
    assert len(answer["Records"]) == 8
    # Registering it again in the same organization changes nothing.
    workmail.register_mail_domain(OrganizationId=org_id, DomainName="example.com")
    workmail.register_mail_domain(OrganizationId=org_id, DomainName="mail.example.org")
    assert listed(workmail, org_id) == [("acme.awsapps.com", True), ("example.com", False),
                                        ("mail.example.org", False)]
    # Organizations created with domains list them too (the test domain first).
    other = workmail.create_organization(Alias="beta", Domains=[{"DomainName": "Beta.example"}])["OrganizationId"]
    assert listed(workmail, other) == [("beta.awsapps.com", True), ("beta.example", False)]
    assert statuses(workmail, other, "beta.example") == ("VERIFIED", "VERIFIED")


def test_list_pagination(workmail, org_id) -> None:
    names = [f"d{n:02}.example.com" for n in range(7)]
    for name in names:
        workmail.register_mail_domain(OrganizationId=org_id, DomainName=name)
    seen, token, pages = [], None, 0
    while True:
        page = workmail.list_mail_domains(OrganizationId=org_id, MaxResults=3, **({"NextToken": token} if token else {}))
        seen += [d["DomainName"] for d in page["MailDomains"]]
        pages += 1
        token = page.get("NextToken")
        if token is None:
            break
    assert seen == ["acme.awsapps.com", *names] and pages == 3
    with pytest.raises(ClientError) as exc:
        workmail.list_mail_domains(OrganizationId=org_id, NextToken="not-a-token")
    assert code_of(exc) == "InvalidParameterException"


def test_client_token_makes_register_idempotent(workmail, org_id) -> None:
    workmail.register_mail_domain(OrganizationId=org_id, DomainName="example.com", ClientToken="tok-1")
    workmail.register_mail_domain(OrganizationId=org_id, DomainName="example.com", ClientToken="tok-1")
    with pytest.raises(ClientError) as exc:
        workmail.register_mail_domain(OrganizationId=org_id, DomainName="other.com", ClientToken="tok-1")
    assert code_of(exc) == "InvalidParameterException"
    assert [name for name, _ in listed(workmail, org_id)] == ["acme.awsapps.com", "example.com"]


def test_records(workmail, server, org_id) -> None:
    eu = server.client("workmail", region="eu-west-1")
    eu_org = eu.create_organization(Alias="eu-org")["OrganizationId"]
    for client, org in ((workmail, org_id), (eu, eu_org)):
        client.register_mail_domain(OrganizationId=org, DomainName="example.com")
    records = domain_of(workmail, org_id, "example.com")["Records"]
    assert [(r["Type"], r["Hostname"]) for r in records][:3] == [
        ("MX", "example.com."), ("TXT", "_amazonses.example.com."), ("CNAME", "autodiscover.example.com.")]
    assert records[0]["Value"] == "10 inbound-smtp.us-east-1.amazonaws.com."
    assert SES_TOKEN.match(records[1]["Value"])
    assert records[2]["Value"] == "autodiscover.mail.us-east-1.awsapps.com."
    dkim = records[3:6]
    tokens = [r["Hostname"].partition("._domainkey.")[0] for r in dkim]
    assert len(set(tokens)) == 3 and all(DKIM_TOKEN.match(t) for t in tokens)
    assert [(r["Type"], r["Hostname"], r["Value"]) for r in dkim] == [
        ("CNAME", f"{t}._domainkey.example.com.", f"{t}.dkim.amazonses.com.") for t in tokens]
    assert [(r["Type"], r["Hostname"], r["Value"]) for r in records[6:]] == [
        ("TXT", "example.com.", "v=spf1 include:amazonses.com ~all"),
        ("TXT", "_dmarc.example.com.", "v=DMARC1;p=quarantine;pct=100;fo=1")]
    # The region is the caller's; the tokens belong to the organization and the domain.
    eu_records = domain_of(eu, eu_org, "example.com")["Records"]
    assert eu_records[0]["Value"] == "10 inbound-smtp.eu-west-1.amazonaws.com."
    assert eu_records[2]["Value"] == "autodiscover.mail.eu-west-1.awsapps.com."
    assert eu_records[1]["Value"] != records[1]["Value"] and eu_records[3] != records[3]
    # Deterministic: the same after deregistering and registering again; another domain differs.
    workmail.deregister_mail_domain(OrganizationId=org_id, DomainName="example.com")
    workmail.register_mail_domain(OrganizationId=org_id, DomainName="EXAMPLE.com")
    assert domain_of(workmail, org_id, "example.com")["Records"] == records
    workmail.register_mail_domain(OrganizationId=org_id, DomainName="example.org")
    other = domain_of(workmail, org_id, "example.org")["Records"]
    assert other[1]["Value"] != records[1]["Value"] and other[3]["Value"] != records[3]["Value"]


def test_register_errors(workmail, server, org_id) -> None:
    # The model's pattern is searched: a whole domain name is still required.
    for name in ("nodot", "a..b.com", "-a.example.com", "example.com.", "example.c0m", ".example.com"):
        with pytest.raises(ClientError) as exc:
            workmail.register_mail_domain(OrganizationId=org_id, DomainName=name)
        assert error_of(exc) == ("InvalidParameterException", f"The domain name {name} is not a valid domain name.")
    # Test domains are WorkMail's own, this organization's included (it has that one already: 200).
    workmail.register_mail_domain(OrganizationId=org_id, DomainName="acme.awsapps.com")
    for name in ("awsapps.com", "other.awsapps.com", "x.acme.awsapps.com"):
        with pytest.raises(ClientError) as exc:
            workmail.register_mail_domain(OrganizationId=org_id, DomainName=name)
        assert code_of(exc) == "InvalidParameterException"
    # Another live organization of the account (same region) has the domain.
    workmail.register_mail_domain(OrganizationId=org_id, DomainName="example.com")
    second = workmail.create_organization(Alias="second")["OrganizationId"]
    with pytest.raises(ClientError) as exc:
        workmail.register_mail_domain(OrganizationId=second, DomainName="Example.com")
    assert error_of(exc) == ("MailDomainInUseException",
                             f"The domain example.com is already registered in organization {org_id} of this account.")
    # CreateOrganization may not take it either (it models no MailDomainInUseException).
    with pytest.raises(ClientError) as exc:
        workmail.create_organization(Alias="third", Domains=[{"DomainName": "EXAMPLE.com"}])
    assert error_of(exc) == ("InvalidParameterException",
                             f"The domain example.com is already registered in organization {org_id} of this account.")
    # Another account, another region: no conflict.
    for alias, client in (("other-account", server.client("workmail", account=OTHER_ACCOUNT)),
                          ("other-region", server.client("workmail", region="eu-west-1"))):
        other = client.create_organization(Alias=alias)["OrganizationId"]
        client.register_mail_domain(OrganizationId=other, DomainName="example.com")
    # Once the holder is deleted, the domain is free.
    workmail.delete_organization(OrganizationId=org_id, DeleteDirectory=True)
    workmail.register_mail_domain(OrganizationId=second, DomainName="example.com")
    assert ("example.com", False) in listed(workmail, second)


def test_domain_limit(workmail, org_id) -> None:
    for n in range(100):
        workmail.register_mail_domain(OrganizationId=org_id, DomainName=f"d{n}.example.com")
    with pytest.raises(ClientError) as exc:
        workmail.register_mail_domain(OrganizationId=org_id, DomainName="one-more.example.com")
    assert error_of(exc) == ("LimitExceededException",
                             f"Organization {org_id} already has 100 mail domains, the most it may have.")
    # Registering one it has stays fine; after deregistering one there is room again.
    workmail.register_mail_domain(OrganizationId=org_id, DomainName="d0.example.com")
    workmail.deregister_mail_domain(OrganizationId=org_id, DomainName="d0.example.com")
    workmail.register_mail_domain(OrganizationId=org_id, DomainName="one-more.example.com")


def test_deregister(workmail, org_id) -> None:
    workmail.register_mail_domain(OrganizationId=org_id, DomainName="example.com")
    # Absent (never registered, or gone already): 200.
    workmail.deregister_mail_domain(OrganizationId=org_id, DomainName="never.example.com")
    with pytest.raises(ClientError) as exc:
        workmail.deregister_mail_domain(OrganizationId=org_id, DomainName="ACME.awsapps.com")
    assert error_of(exc) == ("InvalidParameterException", "The test domain acme.awsapps.com cannot be deregistered.")
    # An address on the domain keeps it.
    user_id = create(workmail, org_id, "bob")
    workmail.register_to_work_mail(OrganizationId=org_id, EntityId=user_id, Email="Bob@Example.com")
    with pytest.raises(ClientError) as exc:
        workmail.deregister_mail_domain(OrganizationId=org_id, DomainName="example.com")
    assert error_of(exc) == ("MailDomainInUseException", "The domain example.com is in use by 1 email address "
                                                         f"of organization {org_id}; remove them first.")
    # So does being the default.
    workmail.deregister_from_work_mail(OrganizationId=org_id, EntityId=user_id)
    workmail.update_default_mail_domain(OrganizationId=org_id, DomainName="example.com")
    with pytest.raises(ClientError) as exc:
        workmail.deregister_mail_domain(OrganizationId=org_id, DomainName="example.com")
    assert code_of(exc) == "MailDomainInUseException"
    workmail.update_default_mail_domain(OrganizationId=org_id, DomainName="acme.awsapps.com")
    workmail.deregister_mail_domain(OrganizationId=org_id, DomainName="Example.COM")
    workmail.deregister_mail_domain(OrganizationId=org_id, DomainName="example.com")
    assert listed(workmail, org_id) == [("acme.awsapps.com", True)]
    with pytest.raises(ClientError) as exc:
        workmail.get_mail_domain(OrganizationId=org_id, DomainName="example.com")
    assert error_of(exc) == ("MailDomainNotFoundException",
                             f"The mail domain example.com was not found in organization {org_id}.")
    # Addresses on a deregistered domain are refused again.
    with pytest.raises(ClientError) as exc:
        workmail.register_to_work_mail(OrganizationId=org_id, EntityId=user_id, Email="bob@example.com")
    assert code_of(exc) == "MailDomainNotFoundException"


def test_update_default(workmail, org_id) -> None:
    workmail.register_mail_domain(OrganizationId=org_id, DomainName="example.com")
    with pytest.raises(ClientError) as exc:
        workmail.update_default_mail_domain(OrganizationId=org_id, DomainName="other.example.com")
    assert error_of(exc) == ("MailDomainNotFoundException",
                             f"The mail domain other.example.com was not found in organization {org_id}.")
    workmail.update_default_mail_domain(OrganizationId=org_id, DomainName="EXAMPLE.com")
    assert listed(workmail, org_id) == [("acme.awsapps.com", False), ("example.com", True)]
    assert domain_of(workmail, org_id, "example.com")["IsDefault"] is True
    assert domain_of(workmail, org_id, "acme.awsapps.com")["IsDefault"] is False
    assert workmail.describe_organization(OrganizationId=org_id)["DefaultMailDomain"] == "example.com"
    summary = workmail.list_organizations()["OrganizationSummaries"][0]
    assert summary["DefaultMailDomain"] == "example.com"
    # Again: no change. Back to the test domain: fine.
    workmail.update_default_mail_domain(OrganizationId=org_id, DomainName="example.com")
    workmail.update_default_mail_domain(OrganizationId=org_id, DomainName="acme.awsapps.com")
    assert listed(workmail, org_id) == [("acme.awsapps.com", True), ("example.com", False)]
    assert workmail.describe_organization(OrganizationId=org_id)["DefaultMailDomain"] == "acme.awsapps.com"


def test_get_unknown_domain(workmail, org_id) -> None:
    workmail.create_organization(Alias="other", Domains=[{"DomainName": "other.example.com"}])
    for name in ("example.com", "other.awsapps.com", "other.example.com"):  # another org's is not this one's
        with pytest.raises(ClientError) as exc:
            workmail.get_mail_domain(OrganizationId=org_id, DomainName=name)
        assert error_of(exc) == ("MailDomainNotFoundException",
                                 f"The mail domain {name} was not found in organization {org_id}.")


CALLS = {
    "RegisterMailDomain": lambda wm, org: wm.register_mail_domain(OrganizationId=org, DomainName="example.com"),
    "DeregisterMailDomain": lambda wm, org: wm.deregister_mail_domain(OrganizationId=org, DomainName="example.com"),
    "GetMailDomain": lambda wm, org: wm.get_mail_domain(OrganizationId=org, DomainName="acme.awsapps.com"),
    "ListMailDomains": lambda wm, org: wm.list_mail_domains(OrganizationId=org),
    "UpdateDefaultMailDomain": lambda wm, org: wm.update_default_mail_domain(OrganizationId=org,
                                                                              DomainName="acme.awsapps.com"),
}


@pytest.mark.parametrize("operation", sorted(CALLS))
def test_organization_errors(workmail, server, org_id, operation) -> None:
    call = CALLS[operation]
    call(workmail, org_id)
    for client, org in ((workmail, "m-" + "0" * 32), (server.client("workmail", account=OTHER_ACCOUNT), org_id),
                        (server.client("workmail", region="eu-west-1"), org_id)):
        with pytest.raises(ClientError) as exc:
            call(client, org)
        assert error_of(exc) == ("OrganizationNotFoundException", f"The organization {org} was not found.")
    workmail.delete_organization(OrganizationId=org_id, DeleteDirectory=True)
    with pytest.raises(ClientError) as exc:
        call(workmail, org_id)
    assert error_of(exc) == ("OrganizationStateException", f"Organization {org_id} is not Active, state: Deleted")


def test_model_constraints_reach_the_server(workmail, server, org_id) -> None:
    status, _, body = server.raw("WorkMailService.RegisterMailDomain",
                                 {"OrganizationId": org_id, "DomainName": "x" * 210})
    assert status == 400 and body["__type"] == "InvalidParameterException"
    assert "Member must have length less than or equal to 209" in body["message"]


# -- manual verification ---------------------------------------------------------------


def test_manual_mode_keeps_new_domains_pending(manual) -> None:
    wm = manual.client("workmail")
    org_id = wm.create_organization(Alias="acme", Domains=[{"DomainName": "given.example.com"}])["OrganizationId"]
    wm.register_mail_domain(OrganizationId=org_id, DomainName="example.com")
    assert statuses(wm, org_id, "acme.awsapps.com") == ("VERIFIED", "VERIFIED")
    assert statuses(wm, org_id, "given.example.com") == ("PENDING", "PENDING")
    assert statuses(wm, org_id, "example.com") == ("PENDING", "PENDING")
    assert len(domain_of(wm, org_id, "example.com")["Records"]) == 8
    # Neither addresses nor the default may use it yet.
    user_id = create(wm, org_id, "bob")
    with pytest.raises(ClientError) as exc:
        wm.register_to_work_mail(OrganizationId=org_id, EntityId=user_id, Email="bob@example.com")
    assert error_of(exc) == ("MailDomainStateException",
                             "The mail domain example.com is not verified yet (ownership: PENDING).")
    with pytest.raises(ClientError) as exc:
        wm.update_default_mail_domain(OrganizationId=org_id, DomainName="example.com")
    assert error_of(exc)[0] == "MailDomainStateException"
    # The administrator "publishes the TXT record": ownership verified, DKIM still pending.
    status, answer = verify(manual, org_id, "Example.com", OwnershipVerificationStatus="VERIFIED")
    assert status == 200 and answer == {"OrganizationId": org_id, "DomainName": "example.com",
                                        "OwnershipVerificationStatus": "VERIFIED", "DkimVerificationStatus": "PENDING"}
    assert statuses(wm, org_id, "example.com") == ("VERIFIED", "PENDING")
    wm.register_to_work_mail(OrganizationId=org_id, EntityId=user_id, Email="bob@example.com")
    wm.update_default_mail_domain(OrganizationId=org_id, DomainName="example.com")
    assert wm.describe_organization(OrganizationId=org_id)["DefaultMailDomain"] == "example.com"
    assert verify(manual, org_id, "example.com", DkimVerificationStatus="VERIFIED")[0] == 200
    assert statuses(wm, org_id, "example.com") == ("VERIFIED", "VERIFIED")
    # Failing verification later keeps the addresses it has but gives no new ones.
    assert verify(manual, org_id, "example.com", OwnershipVerificationStatus="FAILED",
                  DkimVerificationStatus="FAILED")[0] == 200
    assert statuses(wm, org_id, "example.com") == ("FAILED", "FAILED")
    assert wm.describe_user(OrganizationId=org_id, UserId=user_id)["Email"] == "bob@example.com"
    carol = create(wm, org_id, "carol")
    with pytest.raises(ClientError) as exc:
        wm.register_to_work_mail(OrganizationId=org_id, EntityId=carol, Email="carol@example.com")
    assert error_of(exc) == ("MailDomainStateException",
                             "The mail domain example.com is not verified yet (ownership: FAILED).")
    # Registering it again does not reset its statuses.
    wm.register_mail_domain(OrganizationId=org_id, DomainName="example.com")
    assert statuses(wm, org_id, "example.com") == ("FAILED", "FAILED")


def test_the_control_endpoint_works_in_auto_mode_too(workmail, server, org_id) -> None:
    workmail.register_mail_domain(OrganizationId=org_id, DomainName="example.com")
    status, answer = verify(server, org_id, "example.com", DkimVerificationStatus="FAILED")
    assert status == 200 and answer["OwnershipVerificationStatus"] == "VERIFIED"
    assert statuses(workmail, org_id, "example.com") == ("VERIFIED", "FAILED")
    assert verify(server, org_id, "example.com", OwnershipVerificationStatus="PENDING")[0] == 200
    user_id = create(workmail, org_id, "bob")
    with pytest.raises(ClientError) as exc:
        workmail.register_to_work_mail(OrganizationId=org_id, EntityId=user_id, Email="bob@example.com")
    assert code_of(exc) == "MailDomainStateException"


def test_the_control_endpoint_addresses_account_and_region(server) -> None:
    other = server.client("workmail", account=OTHER_ACCOUNT, region="eu-west-1")
    org_id = other.create_organization(Alias="far", Domains=[{"DomainName": "far.example.com"}])["OrganizationId"]
    body = {"OrganizationId": org_id, "DomainName": "far.example.com", "DkimVerificationStatus": "FAILED"}
    status, answer = server.control("POST", VERIFICATION, body)
    assert status == 404 and answer["__type"] == "OrganizationNotFoundException"
    status, _ = server.control("POST", VERIFICATION, {**body, "AccountId": OTHER_ACCOUNT, "Region": "eu-west-1"})
    assert status == 200 and statuses(other, org_id, "far.example.com") == ("VERIFIED", "FAILED")


def test_control_endpoint_errors(workmail, server, org_id) -> None:
    workmail.register_mail_domain(OrganizationId=org_id, DomainName="example.com")
    good = {"AccountId": DEFAULT_TEST_ACCOUNT, "OrganizationId": org_id, "DomainName": "example.com"}
    for body in ({**good, "OrganizationId": None, "OwnershipVerificationStatus": "VERIFIED"},
                 {**good, "DomainName": None, "OwnershipVerificationStatus": "VERIFIED"},
                 {**good, "DomainName": 7, "OwnershipVerificationStatus": "VERIFIED"},
                 good,
                 {**good, "OwnershipVerificationStatus": "verified"},
                 {**good, "DkimVerificationStatus": "SUCCESS"},
                 {**good, "OwnershipVerificationStatus": "VERIFIED", "DkimVerificationStatus": 1},
                 {**good, "DomainName": "acme.awsapps.com", "DkimVerificationStatus": "FAILED"}):
        status, answer = server.control("POST", VERIFICATION, body)
        assert status == 400 and answer["__type"] == "ValidationException", body
    status, answer = verify(server, "m-" + "0" * 32, "example.com", OwnershipVerificationStatus="VERIFIED")
    assert (status, answer) == (404, {"__type": "OrganizationNotFoundException",
                                      "message": f"The organization {'m-' + '0' * 32} was not found."})
    status, answer = verify(server, org_id, "unknown.example.com", OwnershipVerificationStatus="VERIFIED")
    assert (status, answer) == (404, {"__type": "MailDomainNotFoundException", "message":
                                      f"The mail domain unknown.example.com was not found in organization {org_id}."})
    assert statuses(workmail, org_id, "example.com") == ("VERIFIED", "VERIFIED")


# -- durability ------------------------------------------------------------------------


def test_restart_keeps_domains_statuses_and_the_default(tmp_path: Path) -> None:
    data = tmp_path / "data"
    args = ["--mail-domain-verification", "manual"]
    with LocalServer(data_dir=data, extra_args=args) as server:
        wm = server.client("workmail")
        org_id = wm.create_organization(Alias="durable")["OrganizationId"]
        for name in ("pending.example.com", "verified.example.com", "failed.example.com"):
            wm.register_mail_domain(OrganizationId=org_id, DomainName=name)
        verify(server, org_id, "verified.example.com", OwnershipVerificationStatus="VERIFIED",
               DkimVerificationStatus="VERIFIED")
        verify(server, org_id, "failed.example.com", DkimVerificationStatus="FAILED")
        wm.update_default_mail_domain(OrganizationId=org_id, DomainName="verified.example.com")
        names = [name for name, _ in listed(wm, org_id)]
        before = {name: domain_of(wm, org_id, name) for name in names}
    # Restarted in auto mode: what was stored stays as it was.
    with LocalServer(data_dir=data) as server:
        wm = server.client("workmail")
        assert {name: domain_of(wm, org_id, name) for name in names} == before
        assert before["pending.example.com"]["OwnershipVerificationStatus"] == "PENDING"
        assert before["failed.example.com"]["DkimVerificationStatus"] == "FAILED"
        assert listed(wm, org_id)[2] == ("verified.example.com", True)
        assert wm.describe_organization(OrganizationId=org_id)["DefaultMailDomain"] == "verified.example.com"
