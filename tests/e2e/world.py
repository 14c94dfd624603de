"""A ready IdC world for the sign-in, PAT and mailbox-authentication tests:

an Active organization; a registered WorkMail user ``ann`` with a directory password;
an IdC user ``ann`` with a password (and optionally an authenticator app); the WorkMail
IdC application with ``ann`` assigned; and the organization's IdP configuration.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pyotp

DIRECTORY_PASSWORD = "Directory-Pass-1"
IDC_PASSWORD = "IdC-Password-2"


@dataclass
class World:
    server: Any
    workmail: Any
    sso: Any
    identitystore: Any
    org_id: str
    email: str
    user_id: str
    instance_arn: str
    store_id: str
    app_arn: str
    idc_user_id: str
    totp: pyotp.TOTP | None = None
    _session: dict | None = None

    def put_config(self, mode: str = "IDENTITY_PROVIDER_AND_DIRECTORY", status: str = "ACTIVE",
                   lifetime: int | None = None) -> None:
        pat: dict[str, Any] = {"Status": status}
        if lifetime is not None:
            pat["LifetimeInDays"] = lifetime
        self.workmail.put_identity_provider_configuration(
            OrganizationId=self.org_id, AuthenticationMode=mode,
            IdentityCenterConfiguration={"InstanceArn": self.instance_arn, "ApplicationArn": self.app_arn},
            PersonalAccessTokenConfiguration=pat)

    def sign_in(self, password: str = IDC_PASSWORD, otp: str | None = None, user_name: str = "ann") -> tuple[int, dict]:
        body = {"IdentityStoreId": self.store_id, "UserName": user_name, "Password": password,
                "AccountId": "123456789012"}
        if otp is not None:
            body["Otp"] = otp
        return self.server.control("POST", "/identitycenter/signin", body)

    def session(self, fresh: bool = False) -> str:
        """A live session: the last one while it lasts, unless ``fresh`` (an authenticator
        code is accepted once, so a second sign-in within the same 30 seconds is refused)."""
        now = self.server.control("GET", "/clock")[1]["now"]
        if not fresh and self._session is not None and self._session["ExpiresAt"] > now:
            return self._session["SessionToken"]
        status, body = self.sign_in(otp=self.totp.at(now) if self.totp else None)
        assert status == 200, body
        self._session = body
        return body["SessionToken"]

    def create_token(self, session: str | None = None, name: str = "laptop", **extra: Any) -> tuple[int, dict]:
        return self.server.control("POST", "/workmail/personal-access-tokens", {
            "SessionToken": session or self.session(), "OrganizationId": self.org_id, "Name": name,
            "AccountId": "123456789012", **extra})

    def token(self, **extra: Any) -> str:
        status, body = self.create_token(**extra)
        assert status == 200, body
        return body["Token"]

    def authenticate(self, secret: str, protocol: str = "IMAP", username: str | None = None) -> dict:
        status, body = self.server.control("POST", "/mailbox/authenticate", {
            "Username": username or self.email, "Secret": secret, "Protocol": protocol})
        assert status == 200, body
        return body


def build_world(server: Any, mfa: bool = False, configure: bool = True, assign: bool = True) -> World:
    workmail = server.client("workmail")
    sso = server.client("sso-admin")
    identitystore = server.client("identitystore")
    org_id = workmail.create_organization(Alias="acme")["OrganizationId"]
    user_id = workmail.create_user(OrganizationId=org_id, Name="ann", DisplayName="Ann",
                                   Password=DIRECTORY_PASSWORD)["UserId"]
    email = "ann@acme.awsapps.com"
    workmail.register_to_work_mail(OrganizationId=org_id, EntityId=user_id, Email=email)
    instance = sso.list_instances()["Instances"][0]
    store_id = instance["IdentityStoreId"]
    idc_user_id = identitystore.create_user(
        IdentityStoreId=store_id, UserName="ann", DisplayName="Ann",
        Name={"GivenName": "Ann", "FamilyName": "Example"})["UserId"]
    status, body = server.control("POST", "/identitycenter/password", {
        "IdentityStoreId": store_id, "UserId": idc_user_id, "Password": IDC_PASSWORD, "AccountId": "123456789012"})
    assert status == 200, body
    totp = None
    if mfa:
        status, body = server.control("POST", "/identitycenter/mfa", {
            "IdentityStoreId": store_id, "UserId": idc_user_id, "AccountId": "123456789012"})
        assert status == 200, body
        totp = pyotp.TOTP(body["Secret"])
    app_arn = workmail.create_identity_center_application(
        Name="WorkMail", InstanceArn=instance["InstanceArn"])["ApplicationArn"]
    if assign:
        sso.create_application_assignment(ApplicationArn=app_arn, PrincipalId=idc_user_id, PrincipalType="USER")
    world = World(server, workmail, sso, identitystore, org_id, email, user_id, instance["InstanceArn"], store_id,
                  app_arn, idc_user_id, totp)
    if configure:
        world.put_config()
    return world
