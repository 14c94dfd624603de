"""Users of the WorkMail directory: create, describe, list, update, reset password, delete.

Registration (RegisterToWorkMail, DeregisterFromWorkMail) is in ``user_registration``.
A user starts DISABLED; a deleted user keeps its row and stays visible in Describe and
List as DELETED, but frees its name.
"""

from __future__ import annotations

from typing import Any

from workmail_local import ids
from workmail_local.context import RequestContext
from workmail_local.mailbox_auth.passwords import hash_password, policy_violation
from workmail_local.services.identitycenter.instances import ensure_instance
from workmail_local.services.workmail import entities
from workmail_local.services.workmail.api import errors, handlers
from workmail_local.services.workmail.organizations import (
    WORKMAIL_DIRECTORY_TYPE,
    on_organization_delete,
    require_active_organization,
)
from workmail_local.store import Row

# Names a mailbox user may not take (compared case-insensitively, on the part before any
# "@"): the administrator account and the mailboxes RFC 2142 and mail servers reserve.
RESERVED_NAMES = frozenset({"administrator", "postmaster", "root", "abuse", "hostmaster", "webmaster",
                            "mailer-daemon"})
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
    if name.partition("@")[0].lower() in RESERVED_NAMES:
        raise errors.ReservedNameException(f"The name {name} is reserved and cannot be used.")
    if entities.name_in_use(ctx, org["id"], name):
        raise errors.NameAvailabilityException(f"The name {name} is already in use in organization {org['id']}.")


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


def describe(user: Row) -> dict[str, Any]:
    """DescribeUser's answer for a stored user."""
    return {
        "UserId": user["id"],
        "Name": user["name"],
        "Email": user["email"],
        "DisplayName": user["display_name"],
        "State": user["state"],
        "UserRole": user["role"],
        "EnabledDate": user["enabled_at"],
        "DisabledDate": user["disabled_at"],
        "MailboxProvisionedDate": user["mailbox_provisioned_at"],
        "MailboxDeprovisionedDate": user["mailbox_deprovisioned_at"],
        "HiddenFromGlobalAddressList": bool(user["hidden_from_gal"]),
        "IdentityProviderUserId": user["identity_provider_user_id"],
        "IdentityProviderIdentityStoreId": user["identity_provider_identity_store_id"],
        **{member: user[column] for member, column in ATTRIBUTES.items()},
    }


@handlers("DescribeUser")
def describe_user(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    org = require_active_organization(ctx, params["OrganizationId"])
    return describe(entities.require_user(ctx, org["id"], params["UserId"]))


# What a ListUsers page reads of each user: _summary's columns and the page cursor's.
_SUMMARY_COLUMNS = ("id, email, name, display_name, state, role, enabled_at, disabled_at, identity_provider_user_id,"
                    " identity_provider_identity_store_id, created_at")


def _summary(user: Row) -> dict[str, Any]:
    return {
        "Id": user["id"],
        "Email": user["email"],
        "Name": user["name"],
        "DisplayName": user["display_name"],
        "State": user["state"],
        "UserRole": user["role"],
        "EnabledDate": user["enabled_at"],
        "DisabledDate": user["disabled_at"],
        "IdentityProviderUserId": user["identity_provider_user_id"],
        "IdentityProviderIdentityStoreId": user["identity_provider_identity_store_id"],
    }


def _filter_clause(filters: dict[str, Any]) -> tuple[str, list[Any]]:
    """The one filter of a ListUsers request as SQL (``""`` when there is none)."""
    given = [name for name, value in filters.items() if value is not None]
    if len(given) > 1:
        raise errors.InvalidParameterException(
            f"You can only use one filter per request; got {len(given)}: {', '.join(given)}."
        )
    if not given:
        return "", []
    name = given[0]
    value = filters[name]
    if name == "State":
        return " AND state = ?", [value]
    prefix = entities.key(value)
    return f" AND substr({PREFIX_FILTERS[name]}, 1, ?) = ?", [len(prefix), prefix]


@handlers("ListUsers")
def list_users(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    org = require_active_organization(ctx, params["OrganizationId"])
    filters = params.get("Filters", {})
    where, args = _filter_clause(filters)

    query = [org["id"], sorted((k, v) for k, v in filters.items() if v is not None)]
    rows, next_token = ctx.page(params, f"SELECT {_SUMMARY_COLUMNS} FROM users", f"organization_id = ?{where}",
                                [org["id"], *args], ("created_at", "id"), query)
    return {"Users": [_summary(r) for r in rows], "NextToken": next_token}


@handlers("UpdateUser")
def update_user(ctx: RequestContext, params: dict[str, Any]) -> None:
    org = require_active_organization(ctx, params["OrganizationId"])
    user = entities.require_user(ctx, org["id"], params["UserId"])
    entities.require_not_deleted(user)
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
    if changes:
        assignments = ", ".join(f"{column} = ?" for column in changes)  # column names are ours, not input
        ctx.tx.execute(f"UPDATE users SET {assignments} WHERE id = ?", (*changes.values(), user["id"]))


@handlers("ResetPassword")
def reset_password(ctx: RequestContext, params: dict[str, Any]) -> None:
    org = require_active_organization(ctx, params["OrganizationId"])
    # The model types this identifier as a WorkMail ID only (no names, no addresses).
    user = entities.require_user(ctx, org["id"], params["UserId"], by_name=False, by_email=False)
    entities.require_not_deleted(user)
    check_password(params["Password"])
    ctx.tx.execute("UPDATE users SET password_hash = ? WHERE id = ?", (hash_password(params["Password"]), user["id"]))


@handlers("DeleteUser")
def delete_user(ctx: RequestContext, params: dict[str, Any]) -> None:
    org = require_active_organization(ctx, params["OrganizationId"])
    user = entities.find_user(ctx, org["id"], params["UserId"], by_email=False)
    if user is None or user["state"] == "DELETED":
        return  # deleting what is not there (any more) succeeds
    if user["state"] == "ENABLED":
        raise errors.EntityStateException(
            f"The user {user['id']} is ENABLED: deregister it from WorkMail before deleting it."
        )
    # The row stays (Describe and List show DELETED users); its secret does not.
    ctx.tx.execute(
        "UPDATE users SET state = 'DELETED', deleted_at = ?, password_hash = NULL WHERE id = ?",
        (ctx.now, user["id"]),
    )


@on_organization_delete
def refuse_deleting_organization_with_enabled_users(ctx: RequestContext, org: Row, params: dict[str, Any]) -> None:
    """DeleteOrganization keeps an organization that has enabled users unless ForceDelete is set.

    InvalidParameterException rather than OrganizationStateException: the organization is
    Active and fine, the request lacks ForceDelete, and clients such as Terraform read
    OrganizationStateException on delete as "already deleted".
    """
    if params.get("ForceDelete"):
        return
    enabled = ctx.tx.value("SELECT COUNT(*) FROM users WHERE organization_id = ? AND state = 'ENABLED'", (org["id"],))
    if enabled:
        raise errors.InvalidParameterException(
            f"Organization {org['id']} has {enabled} enabled user(s); deregister them, "
            "or set ForceDelete to delete the organization anyway."
        )
