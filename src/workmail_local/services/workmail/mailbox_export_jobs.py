"""Mailbox export jobs: StartMailboxExportJob, DescribeMailboxExportJob,
ListMailboxExportJobs, CancelMailboxExportJob.

A job exports a user's or resource's mailbox (named by ID, email or name) to one ``.zip``
at ``S3Path`` = ``<S3Prefix>/<JobId>.zip`` (the object key; ``S3Path`` never carries the
bucket or a scheme), with the output log at ``<S3Path>.json``. These handlers only record
jobs; the work is done off the request loop by ``jobs.export`` (the archive is
``jobs.archive``, where it goes ``jobs.s3``). States: RUNNING → COMPLETED | FAILED
(``ErrorInfo``) | CANCELLED. Limits as WorkMail documents them: at most
:data:`RUNNING_PER_ORGANIZATION` RUNNING jobs per organization, and a mailbox exported at
most once every 24 hours (a RUNNING or COMPLETED job counts; a FAILED or CANCELLED one
does not; ``--no-export-daily-limit`` switches the rule off). List shows the jobs started in
the last 7 days by the emulator's clock, oldest first. ``RoleArn`` and ``KmsKeyArn`` are
recorded, not used.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from workmail_local import ids
from workmail_local.context import RequestContext
from workmail_local.jobs.export import wake_runners
from workmail_local.services.workmail import entities
from workmail_local.services.workmail.api import errors, found, handlers
from workmail_local.services.workmail.organizations import on_organization_delete, require_active_organization
from workmail_local.store import Row

log = logging.getLogger("workmail_local.jobs")

RUNNING_PER_ORGANIZATION = 10
ONCE_EVERY_SECONDS = 24 * 3600
LISTED_FOR_SECONDS = 7 * 24 * 3600


def s3_path(prefix: str, job_id: str) -> str:
    """The archive's object key: the prefix with one ``/``, then ``<JobId>.zip``."""
    folder = prefix.rstrip("/")
    return f"{folder}/{job_id}.zip" if folder else f"{job_id}.zip"


def _mailbox(ctx: RequestContext, organization_id: str, identifier: str) -> entities.Entity:
    """The user or resource whose mailbox ``identifier`` names; ``EntityNotFoundException``
    when there is none (unknown, deleted, or never registered to WorkMail)."""
    entity = entities.require(ctx, organization_id, identifier, entities.MAILBOXES)
    provisioned = entity["mailbox_provisioned_at"] if entity.kind is entities.USER else entity["enabled_at"]
    if entity.state == "DELETED" or provisioned is None:
        reason = "deleted" if entity.state == "DELETED" else "never registered to WorkMail"
        raise errors.EntityNotFoundException(
            f"The {entity.kind.noun} {entity.id} has no mailbox in organization {organization_id} ({reason})."
        )
    return entity


def _job(ctx: RequestContext, organization_id: str, job_id: str) -> Row:
    return found(ctx.tx.one("SELECT * FROM mailbox_export_jobs WHERE organization_id = ? AND id = ?",
                            (organization_id, job_id)),
                 errors.EntityNotFoundException(
                     f"The mailbox export job {job_id} was not found in organization {organization_id}."))


def _check_limits(ctx: RequestContext, organization_id: str, entity_id: str) -> None:
    running = ctx.tx.value("SELECT COUNT(*) FROM mailbox_export_jobs WHERE organization_id = ? AND state = 'RUNNING'",
                           (organization_id,))
    if running >= RUNNING_PER_ORGANIZATION:
        raise errors.LimitExceededException(
            f"Organization {organization_id} already has {running} mailbox export jobs running, the most it may "
            "run at once."
        )
    if not ctx.settings.export_daily_limit:
        return
    recent = ctx.tx.one(
        "SELECT id FROM mailbox_export_jobs WHERE organization_id = ? AND entity_id = ? AND started_at > ?"
        " AND state IN ('RUNNING', 'COMPLETED') ORDER BY started_at DESC LIMIT 1",
        (organization_id, entity_id, ctx.now - ONCE_EVERY_SECONDS),
    )
    if recent is not None:
        raise errors.LimitExceededException(
            f"The mailbox {entity_id} was already exported in the last 24 hours (job {recent['id']}); a mailbox "
            "may be exported once every 24 hours."
        )


@handlers("StartMailboxExportJob")
def start_mailbox_export_job(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """Record a RUNNING job (a replayed ClientToken answers the first JobId, see ``idempotency``)."""
    org = require_active_organization(ctx, params["OrganizationId"])
    entity = _mailbox(ctx, org["id"], params["EntityId"])
    _check_limits(ctx, org["id"], entity.id)
    job_id = ids.entity_id()
    ctx.tx.execute(
        "INSERT INTO mailbox_export_jobs (id, organization_id, entity_id, description, role_arn, kms_key_arn,"
        " s3_bucket, s3_prefix, s3_path, state, progress, started_at, real_started_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'RUNNING', 0, ?, ?)",
        (job_id, org["id"], entity.id, params.get("Description"), params["RoleArn"], params["KmsKeyArn"],
         params["S3BucketName"], params["S3Prefix"], s3_path(params["S3Prefix"], job_id), ctx.now, time.time()),  # real time: --export-job-seconds counts it
    )
    wake_runners()
    return {"JobId": job_id}


def _summary(row: Row) -> dict[str, Any]:
    return {
        "JobId": row["id"], "EntityId": row["entity_id"], "Description": row["description"],
        "S3BucketName": row["s3_bucket"], "S3Path": row["s3_path"], "EstimatedProgress": row["progress"],
        "State": row["state"], "StartTime": row["started_at"], "EndTime": row["ended_at"],
    }


@handlers("DescribeMailboxExportJob")
def describe_mailbox_export_job(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """The job as it stands; ``ErrorInfo`` only for a job that failed or was cancelled with a reason."""
    org = require_active_organization(ctx, params["OrganizationId"])
    row = _job(ctx, org["id"], params["JobId"])
    summary = _summary(row)
    del summary["JobId"]
    return {**summary, "RoleArn": row["role_arn"], "KmsKeyArn": row["kms_key_arn"], "S3Prefix": row["s3_prefix"],
            "ErrorInfo": row["error_info"]}


@handlers("ListMailboxExportJobs")
def list_mailbox_export_jobs(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    """The jobs started in the last 7 days (emulator clock), oldest first."""
    org = require_active_organization(ctx, params["OrganizationId"])
    rows, next_token = ctx.page(params, "SELECT * FROM mailbox_export_jobs", "organization_id = ? AND started_at >= ?",
                                [org["id"], ctx.now - LISTED_FOR_SECONDS], ("started_at", "id"), [org["id"]])
    return {"Jobs": [_summary(r) for r in rows], "NextToken": next_token}


@handlers("CancelMailboxExportJob")
def cancel_mailbox_export_job(ctx: RequestContext, params: dict[str, Any]) -> None:
    """CANCELLED, with its end time, if it is RUNNING; a finished job stays as it is."""
    org = require_active_organization(ctx, params["OrganizationId"])
    job = _job(ctx, org["id"], params["JobId"])
    if ctx.tx.execute("UPDATE mailbox_export_jobs SET state = 'CANCELLED', ended_at = ?"
                      " WHERE id = ? AND state = 'RUNNING'", (ctx.now, job["id"])):
        log.info("export job %s CANCELLED", job["id"])


@on_organization_delete
def _cancel_running_jobs(ctx: RequestContext, org: Row, params: dict[str, Any]) -> None:
    for job in ctx.tx.all("SELECT id FROM mailbox_export_jobs WHERE organization_id = ? AND state = 'RUNNING'",
                          (org["id"],)):
        log.info("export job %s CANCELLED: its organization %s is deleted", job["id"], org["id"])
    ctx.tx.execute(
        "UPDATE mailbox_export_jobs SET state = 'CANCELLED', ended_at = ?, error_info = ?"
        " WHERE organization_id = ? AND state = 'RUNNING'",
        (ctx.now, f"The organization {org['id']} was deleted.", org["id"]),
    )
