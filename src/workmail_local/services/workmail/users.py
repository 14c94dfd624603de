"""Users of the WorkMail directory: create, describe, list, update, reset password, delete.

Registration (RegisterToWorkMail, DeregisterFromWorkMail) and what deleting does are in
``lifecycle``, shared with groups and resources. A user starts DISABLED; a deleted user
keeps its row and stays visible in Describe and List as DELETED, but frees its name.
"""

from __future__ import annotations

from typing import Any

from workmail_local import ids
from workmail_local.context import RequestContext
from workmail_local.mailbox_auth.passwords import hash_password, policy_violation
from workmail_local.services.identitycenter.instances import ensure_instance
from workmail_local.services.workmail import entities, entity_lists, lifecycle
from workmail_local.services.workmail.api import errors, handlers
from workmail_local.services.workmail.entities import USER
from workmail_local.services.workmail.organizations import WORKMAIL_DIRECTORY_TYPE, require_active_organization
from workmail_local.store import Row
# WorkMail-directory user names may be 64 characters long; the model allows 20 elsewhere.
OTHER_DIRECTORY_NAME_MAX = 20
# Roles only the service itself gives (interoperability, directory system accounts).
UNASSIGNABLE_ROLES = frozenset({"SYSTEM_USER", "RESOURCE"})

# UpdateUser's free-text attributes → columns. An empty string clears one.
ATTRIBUTES = {
    "FirstName": "first_name", "LastName": "last_name", "Initials": "initials", "Telephone": "telephone",
    "Street": "street", "JobTitle": "job_title", "City": "city", "Company": "company", "ZipCode": "zip_code",
    "Department": "department", "Country": "country", "Office": "office",
}
# ListUsers' prefix filters → the case-insensitive column each one matches.
PREFIX_FILTERS = {
    "UsernamePrefix": "name_key",
    "DisplayNamePrefix": "display_name_key",
    "PrimaryEmailPrefix": "email_key",
    "IdentityProviderUserIdPrefix": "lower(identity_provider_user_id)",  # hex only: SQL lower() is exact
}


def check_assignable_role(role: str) -> None:
    """``InvalidParameterException`` for the roles CreateUser and UpdateUser may not give."""
    if role in UNASSIGNABLE_ROLES:
        raise errors.InvalidParameterException(
            f"The role {role} cannot be given to a user; use USER or REMOTE_USER."
        )


def check_password(password: str) -> None:
    """``InvalidPasswordException`` when ``password`` breaks the directory password policy."""
    problem = policy_violation(password)
    if problem is not None:
        raise errors.InvalidPasswordException(problem)


def _check_name(ctx: RequestContext, org: Row, name: str) -> None:
    if org["directory_type"] != WORKMAIL_DIRECTORY_TYPE and len(name) > OTHER_DIRECTORY_NAME_MAX:
        raise errors.InvalidParameterException(
            f"User names have a maximum length of {OTHER_DIRECTORY_NAME_MAX} in organizations "
            f"on a {org['directory_type']} directory."
        )
    entities.check_name_not_reserved(name)
    entities.check_name_available(ctx, org["id"], name)


def _identity_store_id(ctx: RequestContext) -> str:
    """The identity store of the caller's IAM Identity Center instance (created on first use)."""
    return ensure_instance(ctx.tx, ctx.account, ctx.region, ctx.now)["identity_store_id"]


@handlers("CreateUser")
def create_user(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    org = require_active_organization(ctx, params["OrganizationId"])
    role = params.get("Role", "USER")
    check_assignable_role(role)
    name = params["Name"]
    _check_name(ctx, org, name)
    password = params.get("Password")
    if password is not None:
        check_password(password)
    idp_user_id = params.get("IdentityProviderUserId")
    user_id = ids.entity_id()
    ctx.tx.execute(
        "INSERT INTO users (id, organization_id, name, name_key, display_name, display_name_key, first_name,"
        " last_name, hidden_from_gal, role, state, password_hash, identity_provider_user_id,"
        " identity_provider_identity_store_id, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'DISABLED', ?, ?, ?, ?)",
        (user_id, org["id"], name, entities.key(name), params["DisplayName"], entities.key(params["DisplayName"]),
         params.get("FirstName") or None, params.get("LastName") or None,
         int(params.get("HiddenFromGlobalAddressList", False)), role,
         None if password is None else hash_password(password),
         idp_user_id, None if idp_user_id is None else _identity_store_id(ctx), ctx.now),
    )
    return {"UserId": user_id}


# DescribeUser's answer: member → column of the users row.
_DESCRIBED = {
    "UserId": "id", **entities.DESCRIBED, "DisplayName": "display_name", "UserRole": "role",
    "MailboxProvisionedDate": "mailbox_provisioned_at", "MailboxDeprovisionedDate": "mailbox_deprovisioned_at",
    "IdentityProviderUserId": "identity_provider_user_id",
    "IdentityProviderIdentityStoreId": "identity_provider_identity_store_id", **ATTRIBUTES,
}
# What it reads of a users row (a row has 33 columns; each one read costs).
_DESCRIBED_COLUMNS = entities.columns_for(_DESCRIBED)


@handlers("DescribeUser")
def describe_user(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    org = require_active_organization(ctx, params["OrganizationId"])
    user = entities.require(ctx, org["id"], params["UserId"], (USER,), columns=_DESCRIBED_COLUMNS)
    return entities.describe_as(ctx, user, _DESCRIBED)


# What a ListUsers page says of each user: member → column.
_SUMMARY = entity_lists.summary_of(USER, {
    "Id": "id", "Email": "email", "Name": "name", "DisplayName": "display_name", "State": "state",
    "UserRole": "role", "EnabledDate": "enabled_at", "DisabledDate": "disabled_at",
    "IdentityProviderUserId": "identity_provider_user_id",
    "IdentityProviderIdentityStoreId": "identity_provider_identity_store_id",
})


@handlers("ListUsers")
def list_users(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    org = require_active_organization(ctx, params["OrganizationId"])
    return entity_lists.list_page(ctx, params, org["id"], _SUMMARY, PREFIX_FILTERS, "Users")


@handlers("UpdateUser")
def update_user(ctx: RequestContext, params: dict[str, Any]) -> None:
    org = require_active_organization(ctx, params["OrganizationId"])
    user = entities.require_live(ctx, org["id"], params["UserId"], (USER,))
    changes: dict[str, Any] = {}
    if "Role" in params:
        check_assignable_role(params["Role"])
        changes["role"] = params["Role"]
    if "DisplayName" in params:
        changes["display_name"] = params["DisplayName"]
        changes["display_name_key"] = entities.key(params["DisplayName"])
    for member, column in ATTRIBUTES.items():
        if member in params:
            changes[column] = params[member] or None
    if "HiddenFromGlobalAddressList" in params:
        changes["hidden_from_gal"] = int(params["HiddenFromGlobalAddressList"])
    if "IdentityProviderUserId" in params:
        # "" unlinks the user from Identity Center: both IDs go.
        idp_user_id = params["IdentityProviderUserId"] or None
        changes["identity_provider_user_id"] = idp_user_id
        changes["identity_provider_identity_store_id"] = None if idp_user_id is None else _identity_store_id(ctx)
    entities.update_columns(ctx, user, changes)


@handlers("ResetPassword")
def reset_password(ctx: RequestContext, params: dict[str, Any]) -> None:
    org = require_active_organization(ctx, params["OrganizationId"])
    # The model types this identifier as a WorkMail ID only (no names, no addresses).
    user = entities.require(ctx, org["id"], params["UserId"], (USER,), by_name=False, by_email=False)
    entities.require_not_deleted(user)
    check_password(params["Password"])
    ctx.tx.execute("UPDATE users SET password_hash = ? WHERE id = ?", (hash_password(params["Password"]), user["id"]))


@handlers("DeleteUser")
def delete_user(ctx: RequestContext, params: dict[str, Any]) -> None:
    org = require_active_organization(ctx, params["OrganizationId"])
    user = entities.find(ctx, org["id"], params["UserId"], (USER,), by_email=False)
    # The row stays (Describe and List show DELETED users); its secret does not.
    lifecycle.delete_entity(ctx, user, extra_sets=", password_hash = NULL")
