"""List{Users,Groups,Resources}: one page of an organization's entities of one kind, on
the entity layer (``entities``): the request's one filter as SQL, the summary each row
becomes, and the page itself (read as tuples, written by the operation's row serializer).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from workmail_local.context import RequestContext
from workmail_local.protocol.model import row_serializer
from workmail_local.services.workmail.api import errors
from workmail_local.services.workmail.entities import Kind, key


def filter_clause(filters: dict[str, Any], prefix_columns: dict[str, str]) -> tuple[str, list[Any]]:
    """The one filter of a List{Users,Groups,Resources} request as SQL (``""`` when none).

    ``State`` matches exactly; every other filter is a case-insensitive prefix of the
    column ``prefix_columns`` maps it to.
    """
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
    prefix = key(value)
    return f" AND substr({prefix_columns[name]}, 1, ?) = ?", [len(prefix), prefix]


def filter_query(filters: dict[str, Any]) -> list[Any]:
    """What a page token of a filtered list is bound to."""
    return sorted((k, v) for k, v in filters.items() if v is not None)


# ListGroups' and ListResources' prefix filters → the case-insensitive column each one matches.
NAME_AND_EMAIL_FILTERS = {"NamePrefix": "name_key", "PrimaryEmailPrefix": "email_key"}


@dataclass(frozen=True, slots=True)
class Summary:
    """What a List{Users,Groups,Resources} page says of each entity: its members, each
    one column as stored, and the query reading them (the cursor's columns last)."""

    members: tuple[str, ...]
    select: str


def summary_of(kind: Kind, columns: dict[str, str]) -> Summary:
    """The :class:`Summary` of ``kind`` whose member ``m`` is column ``columns[m]``."""
    return Summary(tuple(columns), f"SELECT {', '.join(columns.values())}, created_at, id FROM {kind.table}")


def list_page(
    ctx: RequestContext,
    params: dict[str, Any],
    organization_id: str,
    summary: Summary,
    prefix_columns: dict[str, str],
    result_key: str,
) -> dict[str, Any]:
    """The answer of a List{Users,Groups,Resources} request: one page of the organization's
    entities of the summary's kind (DELETED ones too) in creation order, narrowed by the
    request's one filter (:func:`filter_clause`), each row as its summary under
    ``result_key``. Rows are read as tuples and written by the operation's row serializer
    (:func:`~workmail_local.protocol.model.row_serializer`): no dict per row in between."""
    filters = params.get("Filters", {})
    where, args = filter_clause(filters, prefix_columns)
    rows, next_token = ctx.page(params, summary.select, f"organization_id = ?{where}",
                                [organization_id, *args], ("created_at", "id"),
                                [organization_id, filter_query(filters)], tuples=True)
    render = row_serializer(ctx.operation, result_key, summary.members)
    return {result_key: render(rows), "NextToken": next_token}
