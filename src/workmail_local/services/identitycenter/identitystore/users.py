"""Identity-store users: CreateUser, DescribeUser, ListUsers, GetUserId, UpdateUser, DeleteUser.

A user is handled as a document keyed by the model's member names (``UserName``,
``Name.GivenName``, ``Emails`` …) and stored relationally in ``idc_users``. As in IAM
Identity Center, every user has a user name, a display name and a given and family
name; user names and email addresses are unique in the store, case-insensitively.
"""

from __future__ import annotations

from typing import Any

import orjson

from workmail_local.context import RequestContext
from workmail_local.services.identitycenter import directory
from workmail_local.services.identitycenter.identitystore import attributes, extensions
from workmail_local.services.identitycenter.identitystore.api import errors, handlers
from workmail_local.services.identitycenter.identitystore.stores import (
    actor,
    check_not_reserved,
    check_revision,
    page,
    require_identity_store,
    require_user,
)
from workmail_local.store import Row

# Model member → column, for the single-valued attributes.
SCALARS = {
    "UserName": "user_name", "DisplayName": "display_name", "NickName": "nick_name", "ProfileUrl": "profile_url",
    "UserType": "user_type", "Title": "title", "PreferredLanguage": "preferred_language", "Locale": "locale",
    "Timezone": "timezone", "Website": "website", "Birthdate": "birthdate",
}
NAME_PARTS = {
    "Formatted": "name_formatted", "FamilyName": "family_name", "GivenName": "given_name",
    "MiddleName": "middle_name", "HonorificPrefix": "honorific_prefix", "HonorificSuffix": "honorific_suffix",
}
# Multi-valued attributes nobody queries, kept as JSON.
JSON_LISTS = {"Addresses": "addresses", "PhoneNumbers": "phone_numbers", "Photos": "photos", "Roles": "roles"}
COLUMNS = [
    "user_name", "user_name_key", *[c for c in SCALARS.values() if c != "user_name"], *NAME_PARTS.values(),
    "email", "email_key", "email_type", "email_primary", *JSON_LISTS.values(), "extensions",
]
# Required by IAM Identity Center (the model leaves them optional for other identity stores).
REQUIRED = (("UserName",), ("DisplayName",), ("Name", "GivenName"), ("Name", "FamilyName"))

UPDATABLE = attributes.writable_attributes("CreateUserRequest", frozenset({"IdentityStoreId", "Extensions"}))


def document_of(row: Row) -> dict[str, Any]:
    """A stored user as a document of model member names (absent attributes absent)."""
    doc: dict[str, Any] = {m: row[c] for m, c in SCALARS.items() if row[c] is not None}
    name = {m: row[c] for m, c in NAME_PARTS.items() if row[c] is not None}
    if name:
        doc["Name"] = name
    email = {"Value": row["email"], "Type": row["email_type"],
             "Primary": None if row["email_primary"] is None else bool(row["email_primary"])}
    email = {k: v for k, v in email.items() if v is not None}
    if email:
        doc["Emails"] = [email]
    for member, column in JSON_LISTS.items():
        if row[column] is not None:
            doc[member] = orjson.loads(row[column])
    if row["extensions"] is not None:
        doc["Extensions"] = orjson.loads(row["extensions"])
    return doc


def columns_of(doc: dict[str, Any]) -> list[Any]:
    """The values of :data:`COLUMNS` for a user document."""
    name = doc.get("Name", {})
    email = (doc.get("Emails") or [{}])[0]
    primary = email.get("Primary")
    return [
        doc["UserName"], directory.fold(doc["UserName"]),
        *[doc.get(m) for m, c in SCALARS.items() if c != "user_name"],
        *[name.get(m) for m in NAME_PARTS],
        email.get("Value"), directory.fold(email["Value"]) if "Value" in email else None, email.get("Type"),
        None if primary is None else int(primary),
        *[orjson.dumps(doc[m]).decode() if m in doc else None for m in JSON_LISTS],
        orjson.dumps(doc["Extensions"]).decode() if doc.get("Extensions") else None,
    ]


def check_user(ctx: RequestContext, store_id: str, doc: dict[str, Any], user_id: str | None) -> None:
    """What IAM Identity Center requires of a user beyond the model: required attributes, no
    reserved user name, a user name and email address no other user of the store has."""
    missing = [".".join(attributes.camel(m) for m in path) for path in REQUIRED if not _has(doc, path)]
    if missing:
        noun = "attribute" if len(missing) == 1 else "attributes"
        raise errors.ValidationException(f"The {noun} {', '.join(missing)} {'is' if len(missing) == 1 else 'are'}"
                                         " required.")
    check_not_reserved(doc["UserName"])
    same_name = directory.find_user_by_name(ctx.tx, store_id, doc["UserName"])
    if same_name is not None and same_name["user_id"] != user_id:
        raise errors.ConflictException("Duplicate UserName", Reason="UNIQUENESS_CONSTRAINT_VIOLATION")
    email = (doc.get("Emails") or [{}])[0].get("Value")
    same_email = directory.find_user_by_email(ctx.tx, store_id, email) if email else None
    if same_email is not None and same_email["user_id"] != user_id:
        raise errors.ConflictException("Duplicate Emails.Value", Reason="UNIQUENESS_CONSTRAINT_VIOLATION")


def _has(doc: dict[str, Any], path: tuple[str, ...]) -> bool:
    value: Any = doc
    for name in path:
        value = value.get(name) if isinstance(value, dict) else None
    return value is not None


def user_view(ctx: RequestContext, row: Row, wanted_extensions: list[str] | None) -> dict[str, Any]:
    """A user as DescribeUser and ListUsers answer it; extensions only when asked for."""
    doc = document_of(row)
    stored = doc.pop("Extensions", {})
    if wanted_extensions:
        doc["Extensions"] = {n: stored[n] for n in wanted_extensions if n in stored} or None
    return {
        **doc,
        "IdentityStoreId": row["identity_store_id"],
        "UserId": row["user_id"],
        "UserArn": directory.resource_arn(ctx.region, directory.USER, row["user_id"]),
        "Revision": str(row["revision"]),
        "UserStatus": row["user_status"],
        "CreatedAt": row["created_at"],
        "CreatedBy": row["created_by"],
        "UpdatedAt": row["updated_at"],
        "UpdatedBy": row["updated_by"],
    }


def _identity(ctx: RequestContext, store_id: str, user_id: str, revision: int) -> dict[str, Any]:
    """What CreateUser and UpdateUser answer."""
    return {
        "IdentityStoreId": store_id,
        "UserId": user_id,
        "UserArn": directory.resource_arn(ctx.region, directory.USER, user_id),
        "Revision": str(revision),
    }


@handlers("CreateUser")
def create_user(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    store_id = require_identity_store(ctx, params["IdentityStoreId"])
    doc = {k: v for k, v in params.items() if k != "IdentityStoreId"}
    if "Extensions" in doc:
        doc["Extensions"] = extensions.checked(doc["Extensions"], "extensions")
    check_user(ctx, store_id, doc, None)
    user_id = directory.new_resource_id(store_id)
    by = actor(ctx)
    ctx.tx.execute(
        f"INSERT INTO idc_users (identity_store_id, user_id, {', '.join(COLUMNS)}, user_status, revision,"
        f" created_at, created_by, updated_at, updated_by) VALUES ({', '.join('?' * (len(COLUMNS) + 8))})",
        (store_id, user_id, *columns_of(doc), "ENABLED", 1, ctx.now, by, ctx.now, by),
    )
    return _identity(ctx, store_id, user_id, 1)


@handlers("DescribeUser")
def describe_user(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    store_id = require_identity_store(ctx, params["IdentityStoreId"])
    wanted = extensions.requested(params.get("Extensions"))
    return user_view(ctx, require_user(ctx, store_id, params["UserId"]), wanted)


@handlers("ListUsers")
def list_users(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    store_id = require_identity_store(ctx, params["IdentityStoreId"])
    wanted = extensions.requested(params.get("Extensions"))
    user_name = None
    for item in params.get("Filters", []):
        if item["AttributePath"].casefold() != "username":
            raise errors.ValidationException(
                f"Filtering by {item['AttributePath']} is not supported: ListUsers filters only by UserName."
            )
        user_name = directory.fold(item["AttributeValue"])
    where = "identity_store_id = ?" + (" AND user_name_key = ?" if user_name is not None else "")
    scope = (store_id,) if user_name is None else (store_id, user_name)
    rows, next_token = page(ctx, params, "idc_users", where, scope, "user_id")
    return {"Users": [user_view(ctx, r, wanted) for r in rows], "NextToken": next_token}


@handlers("GetUserId")
def get_user_id(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    store_id = require_identity_store(ctx, params["IdentityStoreId"])
    identifier = params["AlternateIdentifier"]
    row = None
    if "UniqueAttribute" in identifier:
        path = identifier["UniqueAttribute"]["AttributePath"]
        value = identifier["UniqueAttribute"]["AttributeValue"]
        finders = {"username": directory.find_user_by_name, "emails.value": directory.find_user_by_email}
        find = finders.get(path.casefold())
        if find is None:
            raise errors.ValidationException(
                f"{path} is not a unique attribute of users: use userName or emails.value."
            )
        if not isinstance(value, str):
            raise errors.ValidationException(f"The value of the unique attribute {path} must be a string.")
        row = find(ctx.tx, store_id, value)
    # Users created through this API carry no external IDs, so an ExternalId matches none.
    if row is None:
        raise errors.ResourceNotFoundException("No user matches the alternate identifier.", ResourceType="USER")
    return {
        "IdentityStoreId": store_id,
        "UserId": row["user_id"],
        "UserArn": directory.resource_arn(ctx.region, directory.USER, row["user_id"]),
    }


@handlers("UpdateUser")
def update_user(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    store_id = require_identity_store(ctx, params["IdentityStoreId"])
    row = require_user(ctx, store_id, params["UserId"])
    check_revision(params.get("Revision"), row, directory.USER, params["UserId"])
    doc = document_of(row)
    for i, op in enumerate(params["Operations"], 1):
        path, value = op["AttributePath"], op.get("AttributeValue")
        where = f"operations.{i}.member.attributeValue"
        attribute = UPDATABLE.get(path.casefold())
        if attribute is not None:
            checked = None if value is None else attributes.checked_value(value, attribute, where)
            attributes.apply(doc, attribute, checked)
        elif extensions.is_extension_path(path):
            extensions.apply(doc, path, value, where)
        else:
            raise attributes.unknown_path(path)
    check_user(ctx, store_id, doc, row["user_id"])
    revision = row["revision"] + 1
    assignments = ", ".join(f"{c} = ?" for c in COLUMNS)
    ctx.tx.execute(
        f"UPDATE idc_users SET {assignments}, revision = ?, updated_at = ?, updated_by = ?"
        " WHERE identity_store_id = ? AND user_id = ?",
        (*columns_of(doc), revision, ctx.now, actor(ctx), store_id, row["user_id"]),
    )
    return _identity(ctx, store_id, row["user_id"], revision)


@handlers("DeleteUser")
def delete_user(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    store_id = require_identity_store(ctx, params["IdentityStoreId"])
    row = require_user(ctx, store_id, params["UserId"])
    check_revision(params.get("Revision"), row, directory.USER, params["UserId"])
    directory.delete_principal(ctx.tx, store_id, directory.USER_PRINCIPAL, row["user_id"])
    ctx.tx.execute("DELETE FROM idc_users WHERE identity_store_id = ? AND user_id = ?", (store_id, row["user_id"]))
    return {}
