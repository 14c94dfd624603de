"""The WorkMail web app: ``/mail/<organization alias>``.

Sign-in follows the organization's authentication mode exactly as the mailbox
authentication decision does — it *is* that decision (``decision.authenticate`` with
protocol ``WEB``): no configuration → the directory form; ``IDENTITY_PROVIDER_AND_DIRECTORY``
→ the directory form and IAM Identity Center; ``IDENTITY_PROVIDER_ONLY`` → IAM Identity
Center only (a directory password posted anyway is refused by the decision). A personal
access token never signs in (the decision refuses tokens for the web). The IdC hand-off
takes the access portal's session and checks ``mailbox_access`` like a token login.

Settings → Personal access tokens lists the user's tokens and, when
``token_issuing.refusal`` allows, creates (the secret shown once) and deletes them.
"""

from __future__ import annotations

from workmail_local.mailbox_auth import logins
from workmail_local.mailbox_auth.decision import authenticate
from workmail_local.mailbox_auth.tokens import MAILBOX_PROTOCOLS
from workmail_local.services.identitycenter import signin
from workmail_local.services.identitycenter.access import USER_NOT_LINKED, mailbox_access
from workmail_local.services.workmail import token_issuing
from workmail_local.services.workmail.identity_provider import identity_provider_configuration
from workmail_local.services.workmail.organizations import organization_state
from workmail_local.store import Row
from workmail_local.web import page, sessions
from workmail_local.web.http import Request, Response, redirect, render

IDENTITY_CENTER = "IAM_IDENTITY_CENTER"
WRONG = "The user name or password is incorrect."


class _Page(Exception):
    """Answer with this page instead (an unknown or inactive organization, a signed-out user)."""

    def __init__(self, response: Response) -> None:
        super().__init__()
        self.response = response


def _organization(request: Request, alias: str) -> Row:
    """The live organization with this alias (else the newest one that had it)."""
    org = request.tx.one("SELECT * FROM organizations WHERE alias = ? ORDER BY"
                         " CASE WHEN delete_requested_at IS NULL THEN 0 ELSE 1 END, created_at DESC LIMIT 1", (alias,))
    if org is None:
        raise _Page(render(request, "message.html", 404, title="Organization not found",
                           message=f"There is no WorkMail organization with the alias {alias}."))
    state = organization_state(org, request.now)
    if state != "Active":
        raise _Page(render(request, "message.html", 409, title="Organization not available",
                           message=f"The organization {alias} is not Active (its state is {state}), "
                                   "so its web app is not available."))
    return org


def _signed_in(request: Request, org: Row) -> tuple[Row, Row] | None:
    """The web app session of this organization and its (still ENABLED) user, or ``None``."""
    session = sessions.find(request, sessions.MAIL_COOKIE, "mail")
    if session is None or session["organization_id"] != org["id"]:
        return None
    user = request.tx.one("SELECT * FROM users WHERE id = ? AND state = 'ENABLED'", (session["user_id"],))
    return (session, user) if user is not None else None


def _require_user(request: Request, alias: str) -> tuple[Row, Row, Row]:
    org = _organization(request, alias)
    signed_in = _signed_in(request, org)
    if signed_in is None:
        raise _Page(redirect(f"/mail/{alias}"))
    return org, *signed_in


def _answer(handler):  # noqa: ANN001, ANN202 - a decorator for the handlers below
    def run(request: Request, alias: str, **rest: str) -> Response:
        try:
            return handler(request, alias, **rest)
        except _Page as shortcut:
            return shortcut.response
    run.__doc__ = handler.__doc__
    return run


def _sign_in_page(request: Request, org: Row, status: int = 200, errors: dict[str, str] | None = None,
                  user_name: str = "") -> Response:
    config = identity_provider_configuration(request.tx, org["id"])
    mode = config["authentication_mode"] if config is not None else None
    store_id = request.tx.value("SELECT identity_store_id FROM idc_instances WHERE instance_arn = ?",
                                (config["instance_arn"],)) if config is not None else None
    portal = sessions.portal_session(request, store_id) if store_id is not None else None
    return render(request, "mail_signin.html", status, org=org, directory=mode != "IDENTITY_PROVIDER_ONLY",
                  store_id=store_id, portal=portal, errors=errors or {}, user_name=user_name)


def _start(request: Request, org: Row, user_id: str, method: str, seconds: float = signin.SESSION_SECONDS) -> None:
    sessions.expire_old(request)
    sessions.start(request, sessions.MAIL_COOKIE, "/mail/", "mail", seconds, organization_id=org["id"],
                   user_id=user_id, method=method)


@page("GET", "/mail/{alias}")
@_answer
def home(request: Request, alias: str) -> Response:
    """Signed in: the app's front page; otherwise the sign-in page."""
    org = _organization(request, alias)
    signed_in = _signed_in(request, org)
    if signed_in is None:
        return _sign_in_page(request, org)
    return render(request, "mail_home.html", org=org, user=signed_in[1], method=signed_in[0]["method"])


@page("POST", "/mail/{alias}/signin")
@_answer
def sign_in(request: Request, alias: str) -> Response:
    """The directory form: the mailbox authentication decision, protocol WEB."""
    org = _organization(request, alias)
    user_name, password = request.field("user_name"), request.form.get("password", [""])[0]
    if not user_name or not password:
        errors = {"user_name": "Enter your user name."} if not user_name else {"password": "Enter your password."}
        return _sign_in_page(request, org, 400, errors, user_name)
    decision = authenticate(request.tx, user_name, password, "WEB", request.now, org["id"], request.client_ip)
    if not decision.authenticated:
        config = identity_provider_configuration(request.tx, org["id"])
        only_idc = config is not None and config["authentication_mode"] == "IDENTITY_PROVIDER_ONLY"
        message = ("This organization signs in with IAM Identity Center only: directory passwords are not "
                   "accepted." if only_idc else WRONG)
        return _sign_in_page(request, org, 401, {"password": message}, user_name)
    assert decision.user_id is not None and decision.method is not None
    _start(request, org, decision.user_id, decision.method)
    return redirect(f"/mail/{alias}")


@page("POST", "/mail/{alias}/idc")
@_answer
def identity_center(request: Request, alias: str) -> Response:
    """The hand-off from the access portal's session (recorded in the login activity)."""
    org = _organization(request, alias)
    config = identity_provider_configuration(request.tx, org["id"])
    if config is None:
        return _sign_in_page(request, org, 400, {"idc": "This organization does not use IAM Identity Center."})
    store_id = request.tx.value("SELECT identity_store_id FROM idc_instances WHERE instance_arn = ?",
                                (config["instance_arn"],))
    session = sessions.portal_session(request, store_id)
    if session is None:
        return redirect(f"/start/{store_id}")
    user = token_issuing.linked_mailbox_user(request.tx, org["id"], session["user_id"])
    access = mailbox_access(request.tx, user, store_id, session["user_id"]) if user is not None else None
    allowed = access is not None and access.allowed
    idc_name = request.tx.value("SELECT user_name FROM idc_users WHERE identity_store_id = ? AND user_id = ?",
                                (store_id, session["user_id"])) or session["user_id"]
    logins.record(request.tx, request.now, idc_name, "WEB", request.client_ip, allowed, org["id"],
                  user["id"] if user is not None else None, IDENTITY_CENTER,
                  access.reason if access is not None else USER_NOT_LINKED)
    if not allowed:
        why = access.reason if access is not None else USER_NOT_LINKED
        return _sign_in_page(request, org, 403, {"idc": f"IAM Identity Center did not let you in ({why})."})
    assert user is not None
    _start(request, org, user["id"], IDENTITY_CENTER, min(signin.SESSION_SECONDS, session["expires_at"] - request.now))
    return redirect(f"/mail/{alias}")


@page("POST", "/mail/{alias}/signout")
@_answer
def sign_out(request: Request, alias: str) -> Response:
    """End the web app session."""
    sessions.end(request, sessions.MAIL_COOKIE, "/mail/")
    return redirect(f"/mail/{alias}")


def _tokens_page(request: Request, org: Row, user: Row, status: int = 200, created: dict | None = None,
                 errors: dict[str, str] | None = None, name: str = "") -> Response:
    why = token_issuing.refusal(request.tx, org, user, user["identity_provider_identity_store_id"],
                                user["identity_provider_user_id"], request.now)
    tokens = request.tx.all("SELECT * FROM personal_access_tokens WHERE user_id = ? ORDER BY created_at, id",
                            (user["id"],))
    return render(request, "mail_tokens.html", status, org=org, user=user, tokens=tokens,
                  unavailable=why if isinstance(why, str) else None, created=created, errors=errors or {},
                  name=name, protocols=MAILBOX_PROTOCOLS)


@page("GET", "/mail/{alias}/settings/tokens")
@_answer
def tokens(request: Request, alias: str) -> Response:
    """Settings → Personal access tokens."""
    org, _, user = _require_user(request, alias)
    return _tokens_page(request, org, user)


@page("POST", "/mail/{alias}/settings/tokens")
@_answer
def create_token(request: Request, alias: str) -> Response:
    """Create a token: its secret is in this response only."""
    org, _, user = _require_user(request, alias)
    name = request.field("name")
    scopes = request.form.get("scopes") or None
    try:
        name, scopes = token_issuing.checked_name_and_scopes(name, scopes)
        created = token_issuing.issue_token(request.tx, org, user, user["identity_provider_identity_store_id"],
                                            user["identity_provider_user_id"], name, scopes, request.now)
    except token_issuing.InvalidTokenRequest as exc:
        return _tokens_page(request, org, user, 400, errors={"name": _plain(str(exc))}, name=name)
    except token_issuing.TokenRefused:
        return _tokens_page(request, org, user, 403)
    return _tokens_page(request, org, user, created=created)


def _plain(message: str) -> str:
    """A validation summary as a sentence for the name field."""
    if "name" in message and "length" in message:
        return "Enter a name of 1 to 64 characters."
    if "name" in message:
        return "The name may not contain control characters, <, > or \\."
    return message


def _own_token(request: Request, user: Row, token_id: str) -> Row | None:
    return request.tx.one("SELECT * FROM personal_access_tokens WHERE id = ? AND user_id = ?", (token_id, user["id"]))


@page("GET", "/mail/{alias}/settings/tokens/{token_id}/delete")
@_answer
def confirm_delete(request: Request, alias: str, token_id: str) -> Response:
    """Ask before deleting a token."""
    org, _, user = _require_user(request, alias)
    token = _own_token(request, user, token_id)
    if token is None:
        return render(request, "message.html", 404, title="Not found", message="You have no such token.")
    return render(request, "mail_delete.html", org=org, token=token)


@page("POST", "/mail/{alias}/settings/tokens/{token_id}/delete")
@_answer
def delete_token(request: Request, alias: str, token_id: str) -> Response:
    """Delete one of the user's tokens (only while they could create one)."""
    org, _, user = _require_user(request, alias)
    if isinstance(token_issuing.refusal(request.tx, org, user, user["identity_provider_identity_store_id"],
                                        user["identity_provider_user_id"], request.now), str):
        return _tokens_page(request, org, user, 403)
    request.tx.execute("DELETE FROM personal_access_tokens WHERE id = ? AND user_id = ?", (token_id, user["id"]))
    return redirect(f"/mail/{alias}/settings/tokens")
