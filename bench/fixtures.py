"""The state the cases need, made through the public API and the control API as a client would.

A fixture takes the server and the fixtures made so far and adds its own; :func:`need`
makes one once per server. A fixture meeting an operation that answers HTTP 501 makes
its cases "not implemented", one waiting on a feature that does not exist yet "pending":
neither is measured.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from http_client import SECRET_KEY, control_request, send
from servers import Server

ACCOUNT = "123456789012"
REGION = "us-east-1"
AUTHENTICATE_PATH = "/_workmail-local/mailbox/authenticate"
IDC_PASSWORD = "Bench-IdC-Password-1"
DIRECTORY_PASSWORD = "Bench-Directory-Pass-1"
# Users and groups in the measured organization: the list pages (10) are full, and more follow.
DIRECTORY_SIZE = 20
PAGE_SIZE = 10
# moto keeps identity stores by whatever ID it is given; any ID matching the model's pattern works.
MOTO_IDENTITY_STORE = "d-9067b2bc4e"

Fixtures = dict[str, Any]


class Unavailable(Exception):
    """A case cannot be measured on this build: ``status`` is "not implemented" or "pending"."""

    def __init__(self, status: str, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def client(server: Server, service: str, account: str = ACCOUNT, region: str = REGION) -> Any:
    """A boto3 client for one of the servers under test."""
    return boto3.client(
        service, endpoint_url=f"http://127.0.0.1:{server.port}", region_name=region,
        aws_access_key_id=account, aws_secret_access_key=SECRET_KEY,
        config=Config(retries={"max_attempts": 1}),
    )


def boto_call(call: Callable[..., Any], **params: Any) -> dict[str, Any]:
    """Make a boto3 call; an operation answering 501 makes the case "not implemented"."""
    try:
        return call(**params)
    except ClientError as exc:
        if exc.response["ResponseMetadata"]["HTTPStatusCode"] == 501:
            raise Unavailable("not implemented", f"{exc.operation_name} answers 501") from None
        raise


# -- fixtures: each takes the server and the fixtures made so far, and adds its own --------

def organization(server: Server, fx: Fixtures) -> None:
    """An Active organization (created with boto3)."""
    workmail = client(server, "workmail")
    fx["organization_id"] = boto_call(workmail.create_organization, Alias="bench")["OrganizationId"]


def identity_provider(server: Server, fx: Fixtures) -> None:
    """The organization's IdC configuration: instance, WorkMail application, Put."""
    need(server, fx, "organization")
    instance = boto_call(client(server, "sso-admin").list_instances)["Instances"][0]["InstanceArn"]
    workmail = client(server, "workmail")
    application = boto_call(workmail.create_identity_center_application, Name="bench", InstanceArn=instance)
    fx["identity_provider"] = {
        "OrganizationId": fx["organization_id"],
        "AuthenticationMode": "IDENTITY_PROVIDER_AND_DIRECTORY",
        "IdentityCenterConfiguration": {"InstanceArn": instance, "ApplicationArn": application["ApplicationArn"]},
        "PersonalAccessTokenConfiguration": {"Status": "ACTIVE", "LifetimeInDays": 30},
    }
    boto_call(workmail.put_identity_provider_configuration, **fx["identity_provider"])


def personal_access_token(server: Server, fx: Fixtures) -> None:
    """A registered mailbox user with a valid PAT (``pat_username``, ``pat_secret``), made as a user
    would: WorkMail user, IdC user with a password, assignment to the application, IdC sign-in
    (which links the two), then a PAT from the control API. Pending while the endpoint is absent."""
    need(server, fx, "identity_provider")
    probe = send(server.port, control_request(server.port, "POST", AUTHENTICATE_PATH, {}))
    if probe.status == 404:
        raise Unavailable("pending", f"POST {AUTHENTICATE_PATH} does not exist yet")
    workmail, sso = client(server, "workmail"), client(server, "sso-admin")
    org_id, name = fx["organization_id"], "pat-user"
    email = f"{name}@{boto_call(workmail.describe_organization, OrganizationId=org_id)['DefaultMailDomain']}"
    user_id = boto_call(workmail.create_user, OrganizationId=org_id, Name=name, DisplayName="PAT User")["UserId"]
    boto_call(workmail.register_to_work_mail, OrganizationId=org_id, EntityId=user_id, Email=email)
    store_id = boto_call(sso.list_instances)["Instances"][0]["IdentityStoreId"]
    idc_user_id = boto_call(client(server, "identitystore").create_user, IdentityStoreId=store_id, UserName=name,
                            DisplayName="PAT User", Name={"GivenName": "PAT", "FamilyName": "User"})["UserId"]
    boto_call(sso.create_application_assignment, PrincipalId=idc_user_id, PrincipalType="USER",
              ApplicationArn=fx["identity_provider"]["IdentityCenterConfiguration"]["ApplicationArn"])
    scope = {"AccountId": ACCOUNT, "Region": REGION}
    control(server, "/identitycenter/password",
            {"IdentityStoreId": store_id, "UserId": idc_user_id, "Password": IDC_PASSWORD, **scope})
    session = control(server, "/identitycenter/signin",
                      {"IdentityStoreId": store_id, "UserName": name, "Password": IDC_PASSWORD, **scope})
    token = control(server, "/workmail/personal-access-tokens",
                    {"SessionToken": session["SessionToken"], "OrganizationId": org_id, "Name": "bench", **scope})
    fx["pat_username"], fx["pat_secret"] = email, token["Token"]


def control(server: Server, path: str, body: dict[str, Any]) -> dict[str, Any]:
    """A control API call that must succeed; a missing route makes the case "pending"."""
    answer = send(server.port, control_request(server.port, "POST", f"/_workmail-local{path}", body))
    if answer.status == 404 and answer.body.get("__type") == "NotFound":
        raise Unavailable("pending", f"POST /_workmail-local{path} does not exist yet")
    if answer.status != 200:
        raise Unavailable("error", f"POST /_workmail-local{path} answered {answer.error}")
    return answer.body


def moto_identity_store_user(server: Server, fx: Fixtures) -> None:
    """An identity-store user on moto (created with boto3)."""
    store = client(server, "identitystore")
    fx["moto_user_id"] = store.create_user(
        IdentityStoreId=MOTO_IDENTITY_STORE, UserName="bench", DisplayName="Bench User",
        Name={"GivenName": "Bench", "FamilyName": "User"},
    )["UserId"]


def directory(server: Server, fx: Fixtures) -> None:
    """:data:`DIRECTORY_SIZE` users (no password: hashing is not what reads measure) and
    groups in the organization; the first user registered, with two more aliases."""
    need(server, fx, "organization")
    workmail, org_id = client(server, "workmail"), fx["organization_id"]
    domain = boto_call(workmail.describe_organization, OrganizationId=org_id)["DefaultMailDomain"]
    users = [boto_call(workmail.create_user, OrganizationId=org_id, Name=f"user{n}",
                       DisplayName=f"User {n}")["UserId"] for n in range(DIRECTORY_SIZE)]
    groups = [boto_call(workmail.create_group, OrganizationId=org_id, Name=f"group{n}")["GroupId"]
              for n in range(DIRECTORY_SIZE)]
    boto_call(workmail.register_to_work_mail, OrganizationId=org_id, EntityId=users[0], Email=f"user0@{domain}")
    for alias in ("first", "second"):
        boto_call(workmail.create_alias, OrganizationId=org_id, EntityId=users[0], Alias=f"{alias}@{domain}")
    fx["user_id"], fx["group_id"] = users[0], groups[0]


def write_organization(server: Server, fx: Fixtures) -> None:
    """A second organization, where CreateUser adds its users: the measured one keeps its size."""
    fx["write_organization_id"] = boto_call(client(server, "workmail").create_organization,
                                            Alias="bench-writes")["OrganizationId"]


def password_user(server: Server, fx: Fixtures) -> None:
    """A registered user with a directory password (argon2): ``password_login`` is its login."""
    need(server, fx, "organization")
    workmail, org_id = client(server, "workmail"), fx["organization_id"]
    domain = boto_call(workmail.describe_organization, OrganizationId=org_id)["DefaultMailDomain"]
    user_id = boto_call(workmail.create_user, OrganizationId=org_id, Name="slow", DisplayName="Slow",
                        Password=DIRECTORY_PASSWORD)["UserId"]
    boto_call(workmail.register_to_work_mail, OrganizationId=org_id, EntityId=user_id, Email=f"slow@{domain}")
    fx["password_login"] = {"Username": f"slow@{domain}", "Secret": DIRECTORY_PASSWORD, "Protocol": "IMAP"}


FIXTURES: dict[str, Callable[[Server, Fixtures], None]] = {
    "organization": organization,
    "directory": directory,
    "write_organization": write_organization,
    "password_user": password_user,
    "identity_provider": identity_provider,
    "personal_access_token": personal_access_token,
    "moto_identity_store_user": moto_identity_store_user,
}


def need(server: Server, fx: Fixtures, name: str) -> None:
    """Make fixture ``name`` once per server; a fixture that was unavailable stays so."""
    done = fx.setdefault("_done", {})
    if name not in done:
        try:
            FIXTURES[name](server, fx)
            done[name] = None
        except Unavailable as exc:
            done[name] = exc
        except ClientError as exc:
            done[name] = Unavailable("error", f"setting up {name}: {exc}")
    if done[name] is not None:
        raise done[name]
