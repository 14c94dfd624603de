"""The emulator's console (read-only) and the front page a browser gets at ``GET /``.

``/_workmail-local/console``: every organization with its state, authentication mode,
PAT status and lifetime, and its users with their IdC link and token counts.
``/_workmail-local/console/logins``: the login activity with the JSON endpoint's filters,
newest first. Under ``--auth enforce`` the console is not served (a browser cannot sign
its requests; ``GET /_workmail-local/mailbox/logins`` signed is the way there).
"""

from __future__ import annotations

from urllib.parse import urlencode

from workmail_local.mailbox_auth import logins
from workmail_local.services.workmail.organizations import organization_state
from workmail_local.web import page
from workmail_local.web.http import Request, Response, render

PAGE_SIZE = 50
_ORGANIZATIONS = (
    "SELECT o.*, c.authentication_mode, c.pat_status, c.pat_lifetime_in_days FROM organizations o"
    " LEFT JOIN identity_provider_configurations c ON c.organization_id = o.id"
    " ORDER BY o.account, o.region, o.created_at, o.id"
)
_USERS = (
    "SELECT u.id, u.organization_id, u.name, u.email, u.state, u.identity_provider_user_id,"
    " (SELECT COUNT(*) FROM personal_access_tokens t WHERE t.user_id = u.id) AS tokens"
    " FROM users u WHERE u.state <> 'DELETED' ORDER BY u.organization_id, u.name_key, u.id"
)


@page("GET", "/")
def front(request: Request) -> Response:
    """What this server is, and where to go."""
    return render(request, "front.html")


def _refused(request: Request) -> Response | None:
    if request.app.key_secrets is None:
        return None
    return render(request, "message.html", 403, title="Console not served",
                  message="The console is not served under --auth enforce: read the login activity with a signed "
                          "GET /_workmail-local/mailbox/logins instead.")


@page("GET", "/_workmail-local/console")
def console(request: Request) -> Response:
    """Organizations and their users, at a glance."""
    refused = _refused(request)
    if refused is not None:
        return refused
    users: dict[str, list] = {}
    for user in request.tx.all(_USERS):
        users.setdefault(user["organization_id"], []).append(user)
    orgs = [{"row": org, "state": organization_state(org, request.now), "users": users.get(org["id"], [])}
            for org in request.tx.all(_ORGANIZATIONS)]
    return render(request, "console.html", organizations=orgs)


@page("GET", "/_workmail-local/console/logins")
def login_activity(request: Request) -> Response:
    """The login activity as a table, newest first, filtered like the JSON endpoint."""
    refused = _refused(request)
    if refused is not None:
        return refused
    filters = {name: request.query[name] for name in ("OrganizationId", "UserId", "Result") if request.query.get(name)}
    binding = f"console/logins|{logins.filters_of(filters)}"
    before = None
    if request.query.get("NextToken"):
        cursor = request.app.tokens.decode(binding, request.query["NextToken"])
        before = cursor[0] if cursor and type(cursor[0]) is int else None
    rows = logins.page(request.tx, filters.get("OrganizationId"), filters.get("UserId"), filters.get("Result"),
                       before, PAGE_SIZE + 1)
    older = None
    if len(rows) > PAGE_SIZE:
        older = "?" + urlencode({**filters, "NextToken": request.app.tokens.encode(binding, [rows[PAGE_SIZE - 1]["seq"]])})
    return render(request, "console_logins.html", logins=rows[:PAGE_SIZE], filters=filters, older=older)
