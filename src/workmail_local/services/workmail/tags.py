"""Tags on organizations: TagResource, UntagResource, ListTagsForResource.

Only organizations are taggable in WorkMail; an organization's ARN is the one
DescribeOrganization shows (``arn:aws:workmail:<region>:<account>:organization/<id>``).
An ARN of another account or Region, of an unknown organization, or of anything else is
not found. TagResource sets each given key (an upsert) and refuses a result of more than
50 tags; UntagResource of keys the organization does not have succeeds. A deleted
organization's tags go with it.
"""

from __future__ import annotations

from typing import Any

from workmail_local import ids
from workmail_local.context import RequestContext
from workmail_local.services.workmail.api import errors, handlers
from workmail_local.services.workmail.organizations import (
    find_organization,
    on_organization_delete,
    organization_state,
)
from workmail_local.store import Row

TAGS_PER_RESOURCE = 50
# Keys AWS keeps for itself (compared case-insensitively, as the tagging guides say).
RESERVED_PREFIX = "aws:"
_ORGANIZATION_PREFIX = "organization/"


def _organization_of(ctx: RequestContext, arn: str) -> Row:
    """The caller's organization that ``arn`` names exactly, in any state, or ResourceNotFoundException."""
    resource = arn.rpartition(":")[2]
    org_id = resource.removeprefix(_ORGANIZATION_PREFIX)
    # Rebuilding the ARN from the caller's account and Region rejects every other
    # account, Region, partition and resource type in one comparison.
    if resource != org_id and arn == ids.organization_arn(ctx.region, ctx.account, org_id):
        try:
            return find_organization(ctx, org_id)
        except errors.OrganizationNotFoundException:
            pass
    raise errors.ResourceNotFoundException(f"The resource {arn} cannot be found.")


def _existing_organization_of(ctx: RequestContext, arn: str) -> Row:
    """As :func:`_organization_of`, but a Deleted organization is not found either
    (UntagResource and ListTagsForResource model no other error)."""
    org = _organization_of(ctx, arn)
    if organization_state(org, ctx.now) == "Deleted":
        raise errors.ResourceNotFoundException(f"The resource {arn} cannot be found.")
    return org


def _check_keys(tags: list[dict[str, str]]) -> None:
    keys = [tag["Key"] for tag in tags]
    reserved = [key for key in keys if key.lower().startswith(RESERVED_PREFIX)]
    if reserved:
        raise errors.InvalidParameterException(
            f"Tag keys may not start with the reserved prefix '{RESERVED_PREFIX}': {', '.join(reserved)}."
        )
    duplicates = sorted({key for key in keys if keys.count(key) > 1})
    if duplicates:
        raise errors.InvalidParameterException(f"Tag keys must be unique in a request: {', '.join(duplicates)}.")


@handlers("TagResource")
def tag_resource(ctx: RequestContext, params: dict[str, Any]) -> None:
    arn = params["ResourceARN"]
    org = _organization_of(ctx, arn)
    state = organization_state(org, ctx.now)
    if state != "Active":
        raise errors.OrganizationStateException(f"Organization {org['id']} is not Active, state: {state}")
    tags = params["Tags"]
    _check_keys(tags)
    existing = {row["tag_key"] for row in ctx.tx.all(
        "SELECT tag_key FROM organization_tags WHERE organization_id = ?", (org["id"],))}
    if len(existing | {tag["Key"] for tag in tags}) > TAGS_PER_RESOURCE:
        raise errors.TooManyTagsException(
            f"The resource can have up to {TAGS_PER_RESOURCE} user-applied tags "
            f"({len(existing)} present, {len(tags)} given)."
        )
    for tag in tags:
        if tag["Key"] in existing:
            ctx.tx.execute("UPDATE organization_tags SET tag_value = ? WHERE organization_id = ? AND tag_key = ?",
                           (tag["Value"], org["id"], tag["Key"]))
        else:
            ctx.tx.execute("INSERT INTO organization_tags (organization_id, tag_key, tag_value, created_at)"
                           " VALUES (?, ?, ?, ?)", (org["id"], tag["Key"], tag["Value"], ctx.now))


@handlers("UntagResource")
def untag_resource(ctx: RequestContext, params: dict[str, Any]) -> None:
    org = _existing_organization_of(ctx, params["ResourceARN"])
    for key in params["TagKeys"]:
        ctx.tx.execute("DELETE FROM organization_tags WHERE organization_id = ? AND tag_key = ?", (org["id"], key))


@handlers("ListTagsForResource")
def list_tags_for_resource(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    org = _existing_organization_of(ctx, params["ResourceARN"])
    rows = ctx.tx.all("SELECT tag_key, tag_value FROM organization_tags WHERE organization_id = ? ORDER BY tag_key",
                      (org["id"],))
    return {"Tags": [{"Key": row["tag_key"], "Value": row["tag_value"]} for row in rows]}


@on_organization_delete
def _drop_tags(ctx: RequestContext, org: Row, params: dict[str, Any]) -> None:
    """A deleted organization is not found by the tag operations, so its tags are dropped."""
    ctx.tx.execute("DELETE FROM organization_tags WHERE organization_id = ?", (org["id"],))
