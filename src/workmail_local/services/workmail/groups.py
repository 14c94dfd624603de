"""Groups of the WorkMail directory: create, describe, update, list, delete.

A group is created DISABLED with no address; RegisterToWorkMail gives it one and makes
it ENABLED, DeregisterFromWorkMail makes it DISABLED again (``lifecycle``, shared with
users and resources). Deleting needs a DISABLED group; the row stays visible as DELETED,
its name and addresses are freed and its memberships (as group and as member) go.
Memberships themselves are ``group_members``.
"""

from __future__ import annotations

from typing import Any

import regex

from workmail_local import ids
from workmail_local.context import RequestContext
from workmail_local.protocol.model import load_service
from workmail_local.protocol.validate import java_pattern
from workmail_local.services.workmail import entities, entity_lists, lifecycle
from workmail_local.services.workmail.api import errors, handlers
from workmail_local.services.workmail.entities import GROUP
from workmail_local.services.workmail.organizations import require_active_organization

# The generic validation searches the model's pattern, so "Ops\u4e00" gets through it;
# a group name must be Latin-1 as a whole.
_WHOLE_NAME = regex.compile(java_pattern(load_service("workmail").model.shape_for("GroupName").metadata["pattern"]))
# What a ListGroups page says of each group: member → column.
_SUMMARY = entity_lists.summary_of(GROUP, {"Id": "id", "Email": "email", "Name": "name", "State": "state",
                                       "EnabledDate": "enabled_at", "DisabledDate": "disabled_at"})


def _check_name(name: str) -> None:
    if _WHOLE_NAME.fullmatch(name) is None or not name.strip():
        raise errors.InvalidParameterException(
            f"The group name {name!r} is not valid: use printable Latin-1 characters, not only spaces."
        )


@handlers("CreateGroup")
def create_group(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    org = require_active_organization(ctx, params["OrganizationId"])
    name = params["Name"]
    _check_name(name)
    entities.check_name_not_reserved(name)
    entities.check_name_available(ctx, org["id"], name)
    group_id = ids.entity_id()
    ctx.tx.execute(
        "INSERT INTO directory_groups (id, organization_id, name, name_key, hidden_from_gal, state, created_at)"
        " VALUES (?, ?, ?, ?, ?, 'DISABLED', ?)",
        (group_id, org["id"], name, entities.key(name), int(params.get("HiddenFromGlobalAddressList", False)),
         ctx.now),
    )
    return {"GroupId": group_id}


# DescribeGroup's answer: member → column of the directory_groups row.
_DESCRIBED = {"GroupId": "id", **entities.DESCRIBED}
_DESCRIBED_COLUMNS = entities.columns_for(_DESCRIBED)


@handlers("DescribeGroup")
def describe_group(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    org = require_active_organization(ctx, params["OrganizationId"])
    group = entities.require(ctx, org["id"], params["GroupId"], (GROUP,), columns=_DESCRIBED_COLUMNS)
    return entities.describe_as(ctx, group, _DESCRIBED)


@handlers("UpdateGroup")
def update_group(ctx: RequestContext, params: dict[str, Any]) -> None:
    org = require_active_organization(ctx, params["OrganizationId"])
    group = entities.require(ctx, org["id"], params["GroupId"], (GROUP,))
    entities.require_not_deleted(group)
    # The only attribute UpdateGroup has; omitted means unchanged.
    if params.get("HiddenFromGlobalAddressList") is not None:
        ctx.tx.execute("UPDATE directory_groups SET hidden_from_gal = ? WHERE id = ?",
                       (int(params["HiddenFromGlobalAddressList"]), group.id))


@handlers("ListGroups")
def list_groups(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    org = require_active_organization(ctx, params["OrganizationId"])
    return entity_lists.list_page(ctx, params, org["id"], _SUMMARY, entity_lists.NAME_AND_EMAIL_FILTERS, "Groups")


@handlers("DeleteGroup")
def delete_group(ctx: RequestContext, params: dict[str, Any]) -> None:
    org = require_active_organization(ctx, params["OrganizationId"])
    # The model documents IDs and names for this operation, not addresses; an unknown
    # group is no error (the operation is idempotent and models no EntityNotFound).
    group = entities.find(ctx, org["id"], params["GroupId"], (GROUP,), by_email=False)
    lifecycle.delete_entity(ctx, group)
