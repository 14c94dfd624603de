"""IdC credentials and sign-in (AWS has no API for these): password, authenticator app, sign-in."""

from __future__ import annotations

from typing import Any

from workmail_local.control import ControlError, ControlRequest, require, route
from workmail_local.mailbox_auth.passwords import policy_violation
from workmail_local.services.identitycenter import directory, signin
from workmail_local.services.identitycenter.instances import find_identity_store
from workmail_local.store import Row


def _store(req: ControlRequest) -> Row:
    """The caller's identity store named in the body (404 when it is not theirs)."""
    store_id = require(req.body, "IdentityStoreId")
    instance = find_identity_store(req.tx, req.account, req.region, store_id)
    if instance is None:
        raise ControlError(404, "ResourceNotFoundException",
                           f"Identity store {store_id} was not found in account {req.account}, {req.region}")
    return instance


def _user(req: ControlRequest, store_id: str) -> Row:
    user_id = require(req.body, "UserId")
    user = directory.find_user(req.tx, store_id, user_id)
    if user is None:
        raise ControlError(404, "ResourceNotFoundException", f"User {user_id} was not found in {store_id}")
    return user


@route("POST", "/identitycenter/password", admin=True,
       members={"IdentityStoreId": str, "UserId": str, "Password": str})
def set_password(req: ControlRequest) -> tuple[int, dict[str, Any]]:
    """``{"IdentityStoreId", "UserId", "Password"}``: set the user's IdC password."""
    store_id = _store(req)["identity_store_id"]
    user = _user(req, store_id)
    password = require(req.body, "Password")
    problem = policy_violation(password)
    if problem is not None:
        raise ControlError(400, "ValidationException", problem)
    signin.set_password(req.tx, store_id, user["user_id"], password, req.now)
    return 200, {"IdentityStoreId": store_id, "UserId": user["user_id"]}


@route("POST", "/identitycenter/mfa", admin=True, members={"IdentityStoreId": str, "UserId": str})
def register_mfa(req: ControlRequest) -> tuple[int, dict[str, Any]]:
    """``{"IdentityStoreId", "UserId"}``: register an authenticator app; its secret and otpauth URI."""
    store_id = _store(req)["identity_store_id"]
    user = _user(req, store_id)
    secret, uri = signin.register_authenticator(req.tx, req.app.secrets, store_id, user["user_id"], user["user_name"], req.now)
    return 200, {"Secret": secret, "Uri": uri}


@route("POST", "/identitycenter/signin",
       members={"IdentityStoreId": str, "UserName": str, "Password": str, "Otp": str})
def sign_in(req: ControlRequest) -> tuple[int, dict[str, Any]]:
    """``{"IdentityStoreId", "UserName", "Password", "Otp"?}`` → a session, or 401/429."""
    instance = _store(req)
    user_name = require(req.body, "UserName")
    password = require(req.body, "Password")
    otp = req.body.get("Otp")
    if otp is not None and not isinstance(otp, str):
        raise ControlError(400, "ValidationException", "Otp must be a string of digits")
    result = signin.sign_in_user(req.tx, req.app.secrets, instance, user_name, password, otp, req.now)
    return result.status, result.body
