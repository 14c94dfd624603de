"""The IAM Identity Center access portal: ``/start/<IdentityStoreId>``.

Sign-in is three steps, each its own form: user name, password, then — only for a user
with an authenticator app whose password was right — the verification code. The rules
are ``signin.py``'s, the control API's: one message for every refusal, lockout after
repeated failures with its own message, each code once. Signed in, the portal lists the
applications the user is assigned to, directly or through a group; a WorkMail
application links to its organization's web app.
"""

from __future__ import annotations

from workmail_local.services.identitycenter import signin
from workmail_local.services.identitycenter.directory import GROUP_PRINCIPAL, USER_PRINCIPAL
from workmail_local.store import Row
from workmail_local.web import page, sessions
from workmail_local.web.http import Request, Response, redirect, render

_APPLICATIONS = (
    "SELECT a.application_arn, a.name, o.alias FROM idc_applications a"
    " LEFT JOIN identity_provider_configurations c ON c.application_arn = a.application_arn"
    " LEFT JOIN organizations o ON o.id = c.organization_id AND o.delete_requested_at IS NULL"
    " WHERE a.application_arn IN (SELECT application_arn FROM idc_application_assignments"
    "  WHERE (principal_type = ? AND principal_id = ?) OR (principal_type = ? AND principal_id IN"
    "   (SELECT group_id FROM idc_group_memberships WHERE identity_store_id = ? AND user_id = ?)))"
    " ORDER BY a.name, a.application_arn"
)


def _instance(request: Request, store_id: str) -> Row | None:
    return request.tx.one("SELECT * FROM idc_instances WHERE identity_store_id = ?", (store_id,))


def _not_found(request: Request, store_id: str) -> Response:
    return render(request, "message.html", 404, title="Not found",
                  message=f"There is no IAM Identity Center identity store {store_id}.")


def _step(request: Request, store_id: str, step: str, status: int = 200, user_name: str = "",
          errors: dict[str, str] | None = None, notice: str | None = None) -> Response:
    return render(request, "portal_signin.html", status, store_id=store_id, step=step, user_name=user_name,
                  errors=errors or {}, notice=notice)


@page("GET", "/start/{store_id}")
def portal(request: Request, store_id: str) -> Response:
    """Signed in: the user's applications; otherwise the first sign-in step."""
    if _instance(request, store_id) is None:
        return _not_found(request, store_id)
    session = sessions.portal_session(request, store_id)
    if session is None:
        return _step(request, store_id, "user")
    user = request.tx.one("SELECT * FROM idc_users WHERE identity_store_id = ? AND user_id = ?",
                          (store_id, session["user_id"]))
    apps = request.tx.all(_APPLICATIONS, (USER_PRINCIPAL, session["user_id"], GROUP_PRINCIPAL, store_id,
                                          session["user_id"]))
    return render(request, "portal_apps.html", store_id=store_id, user=user, applications=apps)


@page("POST", "/start/{store_id}")
def sign_in(request: Request, store_id: str) -> Response:
    """One sign-in step: the form's ``step`` says which."""
    instance = _instance(request, store_id)
    if instance is None:
        return _not_found(request, store_id)
    step = request.field("step")
    if step == "code":
        return _code_step(request, instance)
    user_name = request.field("user_name")
    if not user_name:
        return _step(request, store_id, "user", 400, errors={"user_name": "Enter your user name."})
    if step != "password":
        return _step(request, store_id, "password", user_name=user_name)
    password = request.form.get("password", [""])[0]
    if not password:
        return _step(request, store_id, "password", 400, user_name, {"password": "Enter your password."})
    user = signin.find_user_by_name(request.tx, store_id, user_name)
    if signin.needs_code(request.tx, store_id, user, user_name, password, request.now):
        sessions.expire_old(request)
        sessions.start(request, sessions.MFA_COOKIE, f"/start/{store_id}", "mfa", sessions.MFA_SECONDS,
                       identity_store_id=store_id, user_name=user_name)
        return _step(request, store_id, "code", user_name=user_name)
    result = signin.sign_in_user(request.tx, request.app.secrets, instance, user_name, password, None, request.now)
    return _finish(request, store_id, user_name, result, "password")


def _code_step(request: Request, instance: Row) -> Response:
    store_id = instance["identity_store_id"]
    pending = sessions.find(request, sessions.MFA_COOKIE, "mfa")
    if pending is None or pending["identity_store_id"] != store_id:
        return _step(request, store_id, "user", 400, notice="Your sign-in took too long. Start again.")
    code = request.field("code")
    if not code:
        return _step(request, store_id, "code", 400, pending["user_name"], {"code": "Enter the verification code."})
    result = signin.sign_in_user(request.tx, request.app.secrets, instance, pending["user_name"], None, code,
                                 request.now)
    if result.status != 401:
        sessions.end(request, sessions.MFA_COOKIE, f"/start/{store_id}")
    return _finish(request, store_id, pending["user_name"], result, "code")


def _finish(request: Request, store_id: str, user_name: str, result: signin.SignInResult, step: str) -> Response:
    if result.status == 200:
        request.set_cookie(sessions.PORTAL_COOKIE, str(result.body["SessionToken"]),
                           max_age=signin.SESSION_SECONDS)
        return redirect(f"/start/{store_id}")
    if result.status == 429:
        return _step(request, store_id, "user", 429, user_name, notice=signin.LOCKED)
    return _step(request, store_id, step, 401, user_name, {step: signin.REFUSED})


@page("POST", "/start/{store_id}/signout")
def sign_out(request: Request, store_id: str) -> Response:
    """End the portal session."""
    sessions.end_portal_session(request)
    return redirect(f"/start/{store_id}")
