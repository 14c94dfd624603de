"""Application assignments: which IdC users and groups may use an application.

WorkMail lets an IdC user reach a mailbox only when they are assigned to the WorkMail
application, directly or through a group. Assigning twice is a no-op; principals must
exist in the identity store of the application's instance.
"""

from __future__ import annotations

from typing import Any

from workmail_local.context import RequestContext
from workmail_local.services.identitycenter import directory
from workmail_local.services.identitycenter.applications import find_application
from workmail_local.services.identitycenter.instances import find_instance
from workmail_local.services.identitycenter.sso_admin.api import errors, handlers
from workmail_local.store import Row, Tx


def _application(ctx: RequestContext, application_arn: str) -> Row:
    app = find_application(ctx.tx, ctx.account, ctx.region, application_arn)
    if app is None:
        raise errors.ResourceNotFoundException(f"Application {application_arn} does not exist.")
    return app


def _require_principal(ctx: RequestContext, identity_store_id: str, principal_type: str, principal_id: str) -> None:
    find = directory.find_user if principal_type == directory.USER_PRINCIPAL else directory.find_group
    if find(ctx.tx, identity_store_id, principal_id) is None:
        kind = "User" if principal_type == directory.USER_PRINCIPAL else "Group"
        raise errors.ResourceNotFoundException(f"{kind} {principal_id} does not exist in {identity_store_id}.")


def _assignment(app_arn: str, principal_type: str, principal_id: str) -> dict[str, Any]:
    return {"ApplicationArn": app_arn, "PrincipalType": principal_type, "PrincipalId": principal_id}


def _find(tx: Tx, app_arn: str, principal_type: str, principal_id: str) -> Row | None:
    return tx.one(
        "SELECT * FROM idc_application_assignments WHERE application_arn = ? AND principal_type = ?"
        " AND principal_id = ?",
        (app_arn, principal_type, principal_id),
    )


@handlers("CreateApplicationAssignment")
def create_application_assignment(ctx: RequestContext, params: dict[str, Any]) -> None:
    app = _application(ctx, params["ApplicationArn"])
    _require_principal(ctx, app["identity_store_id"], params["PrincipalType"], params["PrincipalId"])
    if _find(ctx.tx, app["application_arn"], params["PrincipalType"], params["PrincipalId"]) is None:
        ctx.tx.execute(
            "INSERT INTO idc_application_assignments (application_arn, principal_type, principal_id, created_at)"
            " VALUES (?, ?, ?, ?)",
            (app["application_arn"], params["PrincipalType"], params["PrincipalId"], ctx.now),
        )


@handlers("DescribeApplicationAssignment")
def describe_application_assignment(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    app = _application(ctx, params["ApplicationArn"])
    row = _find(ctx.tx, app["application_arn"], params["PrincipalType"], params["PrincipalId"])
    if row is None:
        raise errors.ResourceNotFoundException(
            f"{params['PrincipalType']} {params['PrincipalId']} is not assigned to {app['application_arn']}.")
    return _assignment(row["application_arn"], row["principal_type"], row["principal_id"])


@handlers("DeleteApplicationAssignment")
def delete_application_assignment(ctx: RequestContext, params: dict[str, Any]) -> None:
    app = _application(ctx, params["ApplicationArn"])
    removed = ctx.tx.execute(
        "DELETE FROM idc_application_assignments WHERE application_arn = ? AND principal_type = ?"
        " AND principal_id = ?",
        (app["application_arn"], params["PrincipalType"], params["PrincipalId"]),
    )
    if not removed:
        raise errors.ResourceNotFoundException(
            f"{params['PrincipalType']} {params['PrincipalId']} is not assigned to {app['application_arn']}.")


_ORDER = ("s.created_at", "s.application_arn", "s.principal_type", "s.principal_id")
_SELECT = "SELECT s.* FROM idc_application_assignments s JOIN idc_applications a ON a.application_arn = s.application_arn"


def _assignments(rows: list[Row]) -> list[dict[str, Any]]:
    return [_assignment(r["application_arn"], r["principal_type"], r["principal_id"]) for r in rows]


@handlers("ListApplicationAssignments")
def list_application_assignments(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    app = _application(ctx, params["ApplicationArn"])
    rows, next_token = ctx.page(params, _SELECT, "s.application_arn = ?", [app["application_arn"]], _ORDER)
    return {"ApplicationAssignments": _assignments(rows), "NextToken": next_token}


@handlers("ListApplicationAssignmentsForPrincipal")
def list_application_assignments_for_principal(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    instance = find_instance(ctx.tx, ctx.account, ctx.region, params["InstanceArn"])
    if instance is None:
        raise errors.ResourceNotFoundException(f"Instance {params['InstanceArn']} does not exist.")
    where = "a.instance_arn = ? AND s.principal_type = ? AND s.principal_id = ?"
    args = [instance["instance_arn"], params["PrincipalType"], params["PrincipalId"]]
    only_app = params.get("Filter", {}).get("ApplicationArn")
    if only_app is not None:
        where, args = where + " AND s.application_arn = ?", [*args, only_app]
    rows, next_token = ctx.page(params, _SELECT, where, args, _ORDER)
    return {"ApplicationAssignments": _assignments(rows), "NextToken": next_token}


@directory.on_principal_delete
def drop_assignments_of_deleted_principal(tx: Tx, identity_store_id: str, principal_type: str,
                                          principal_id: str) -> None:
    """A deleted user or group keeps no assignments."""
    tx.execute(
        "DELETE FROM idc_application_assignments WHERE principal_type = ? AND principal_id = ? AND application_arn IN"
        " (SELECT a.application_arn FROM idc_applications a JOIN idc_instances i ON i.instance_arn = a.instance_arn"
        "  WHERE i.identity_store_id = ?)",
        (principal_type, principal_id, identity_store_id),
    )
