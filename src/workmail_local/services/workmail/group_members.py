"""Group membership: AssociateMemberToGroup, DisassociateMemberFromGroup,
ListGroupMembers, ListGroupsForEntity.

Members are users or groups (groups nest); resources never are. A group may not contain
itself, directly or through nested groups. Both writes are idempotent: associating a
member again and disassociating a non-member succeed and change nothing. Disabled
groups and members take part; deleted ones cannot (deleting an entity already removed
its memberships, ``lifecycle.remove_relations``). The lists show direct relations only,
in the order they were made.
"""

from __future__ import annotations

from typing import Any

from workmail_local.context import RequestContext
from workmail_local.services.workmail import entities, entity_lists, relations
from workmail_local.services.workmail.api import errors, handlers
from workmail_local.services.workmail.entities import GROUP, Entity
from workmail_local.services.workmail.relations import GROUP_MEMBERS
from workmail_local.services.workmail.organizations import require_active_organization

# A member's row in ListGroupMembers: the member is a user or a group, so both are joined
# and exactly one of them matches.
_MEMBERS_SELECT = (
    "SELECT gm.member_id, gm.member_type, gm.created_at, COALESCE(u.name, g.name) AS name,"
    " COALESCE(u.state, g.state) AS state, COALESCE(u.enabled_at, g.enabled_at) AS enabled_at,"
    " COALESCE(u.disabled_at, g.disabled_at) AS disabled_at"
    " FROM group_members gm"
    " LEFT JOIN users u ON gm.member_type = 'USER' AND u.id = gm.member_id"
    " LEFT JOIN directory_groups g ON gm.member_type = 'GROUP' AND g.id = gm.member_id"
)
_GROUPS_SELECT = ("SELECT gm.group_id, gm.created_at, g.name FROM group_members gm"
                  " JOIN directory_groups g ON g.id = gm.group_id")
_GROUP_NAME_FILTER = {"GroupNamePrefix": "g.name_key"}


def _require_group(ctx: RequestContext, organization_id: str, identifier: str) -> Entity:
    group = entities.require(ctx, organization_id, identifier, (GROUP,))
    entities.require_not_deleted(group)
    return group


def _require_member(ctx: RequestContext, organization_id: str, identifier: str) -> Entity:
    """The user or group ``identifier`` names, not deleted; a resource is refused."""
    return relations.require_related(ctx, GROUP_MEMBERS, organization_id, identifier)


def nested_groups(ctx: RequestContext, entity_id: str, *, containing: bool = False) -> set[str]:
    """Every group nested in the group ``entity_id``, at any depth (not the group itself);
    with ``containing``, every group that contains the entity, directly or through nested groups."""
    if containing:
        select = "SELECT group_id AS found FROM group_members WHERE member_id IN ({})"
    else:
        select = "SELECT member_id AS found FROM group_members WHERE member_type = 'GROUP' AND group_id IN ({})"
    found: set[str] = set()
    frontier = [entity_id]
    while frontier:
        rows = ctx.tx.all(select.format(", ".join("?" for _ in frontier)), frontier)
        frontier = list({r["found"] for r in rows} - found)
        found.update(frontier)
    return found


def _groups_within(ctx: RequestContext, group_id: str) -> set[str]:
    """Every group nested in ``group_id``, at any depth (not the group itself)."""
    return nested_groups(ctx, group_id)


def _check_no_cycle(ctx: RequestContext, group: Entity, member: Entity) -> None:
    if member.kind is not GROUP:
        return
    if member.id == group.id:
        raise errors.InvalidParameterException(f"The group {group.id} cannot be a member of itself.")
    if group.id in _groups_within(ctx, member.id):
        raise errors.InvalidParameterException(
            f"The group {member.id} already contains the group {group.id}: adding it would make a cycle."
        )


@handlers("AssociateMemberToGroup")
def associate_member_to_group(ctx: RequestContext, params: dict[str, Any]) -> None:
    org = require_active_organization(ctx, params["OrganizationId"])
    group = _require_group(ctx, org["id"], params["GroupId"])
    member = _require_member(ctx, org["id"], params["MemberId"])
    if relations.holds(ctx, GROUP_MEMBERS, group, member):
        return  # a member already: nothing changes
    _check_no_cycle(ctx, group, member)
    relations.insert(ctx, GROUP_MEMBERS, group, member)


@handlers("DisassociateMemberFromGroup")
def disassociate_member_from_group(ctx: RequestContext, params: dict[str, Any]) -> None:
    org = require_active_organization(ctx, params["OrganizationId"])
    group = _require_group(ctx, org["id"], params["GroupId"])
    member = _require_member(ctx, org["id"], params["MemberId"])
    relations.remove(ctx, GROUP_MEMBERS, group, member)


@handlers("ListGroupMembers")
def list_group_members(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    org = require_active_organization(ctx, params["OrganizationId"])
    group = _require_group(ctx, org["id"], params["GroupId"])
    rows, next_token = ctx.page(params, _MEMBERS_SELECT, "gm.group_id = ?", [group.id],
                                ("gm.created_at", "gm.member_id"), [org["id"], group.id])
    members = [{"Id": r["member_id"], "Name": r["name"], "Type": r["member_type"], **entities.state_dates(r)}
               for r in rows]
    return {"Members": members, "NextToken": next_token}


@handlers("ListGroupsForEntity")
def list_groups_for_entity(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    org = require_active_organization(ctx, params["OrganizationId"])
    entity = _require_member(ctx, org["id"], params["EntityId"])
    filters = params.get("Filters", {})
    where, args = entity_lists.filter_clause(filters, _GROUP_NAME_FILTER)
    rows, next_token = ctx.page(params, _GROUPS_SELECT, f"gm.member_id = ?{where}", [entity.id, *args],
                                ("gm.created_at", "gm.group_id"),
                                [org["id"], entity.id, entity_lists.filter_query(filters)])
    return {"Groups": [{"GroupId": r["group_id"], "GroupName": r["name"]} for r in rows], "NextToken": next_token}
