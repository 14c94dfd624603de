"""The mailbox retention policy: PutRetentionPolicy, GetDefaultRetentionPolicy,
DeleteRetentionPolicy.

An organization has at most one policy (its "default" policy). Put without ``Id``
creates it (a new UUID) or replaces the existing one, keeping its ``Id``; Put with the
existing policy's ``Id`` replaces it; Put with an ``Id`` when none exists creates it with
that ``Id``; Put with another ``Id`` while one exists is ``LimitExceededException`` (one
policy per organization). Each folder may be configured once; ``DELETE`` and
``PERMANENTLY_DELETE`` need a ``Period`` (days), ``NONE`` keeps any ``Period`` given.
Get with none set is ``EntityNotFoundException``; Delete of another ``Id`` is a success
that changes nothing. The policy is stored, not applied to mailbox content.
"""

from __future__ import annotations

from typing import Any

import orjson

from workmail_local import ids
from workmail_local.context import RequestContext
from workmail_local.services.workmail.api import errors, found, handlers
from workmail_local.services.workmail.organizations import forget_with_organization, require_active_organization


def _check_folders(folders: list[dict[str, Any]]) -> None:
    seen: set[str] = set()
    for folder in folders:
        if folder["Name"] in seen:
            raise errors.InvalidParameterException(f"The folder {folder['Name']} is configured more than once.")
        seen.add(folder["Name"])
        if folder["Action"] != "NONE" and folder.get("Period") is None:
            raise errors.InvalidParameterException(
                f"The folder {folder['Name']} has the action {folder['Action']}, which needs a Period in days."
            )


@handlers("PutRetentionPolicy")
def put_retention_policy(ctx: RequestContext, params: dict[str, Any]) -> None:
    """Create the organization's policy or replace it (see the module docstring for ``Id``)."""
    org = require_active_organization(ctx, params["OrganizationId"])
    folders = params["FolderConfigurations"]
    _check_folders(folders)
    current = ctx.tx.one("SELECT id, created_at FROM retention_policies WHERE organization_id = ?", (org["id"],))
    wanted = params.get("Id")
    if current is not None and wanted is not None and wanted != current["id"]:
        raise errors.LimitExceededException(
            f"Organization {org['id']} already has the retention policy {current['id']}; an organization has one "
            "policy (replace it by its Id, or delete it first)."
        )
    policy_id = current["id"] if current is not None else wanted or ids.entity_id()
    ctx.tx.execute("DELETE FROM retention_policies WHERE organization_id = ?", (org["id"],))
    ctx.tx.execute(
        "INSERT INTO retention_policies (organization_id, id, name, description, folders, created_at, modified_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (org["id"], policy_id, params["Name"], params.get("Description"), orjson.dumps(folders).decode(),
         current["created_at"] if current is not None else ctx.now, ctx.now),
    )


@handlers("GetDefaultRetentionPolicy")
def get_default_retention_policy(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    org = require_active_organization(ctx, params["OrganizationId"])
    row = found(ctx.tx.one("SELECT * FROM retention_policies WHERE organization_id = ?", (org["id"],)),
                errors.EntityNotFoundException(f"Organization {org['id']} has no retention policy."))
    return {"Id": row["id"], "Name": row["name"], "Description": row["description"],
            "FolderConfigurations": orjson.loads(row["folders"])}


@handlers("DeleteRetentionPolicy")
def delete_retention_policy(ctx: RequestContext, params: dict[str, Any]) -> None:
    """Delete the policy with that ``Id``; any other ``Id`` is a success."""
    org = require_active_organization(ctx, params["OrganizationId"])
    ctx.tx.execute("DELETE FROM retention_policies WHERE organization_id = ? AND id = ?", (org["id"], params["Id"]))


forget_with_organization("retention_policies")
