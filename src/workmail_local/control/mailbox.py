"""The mailbox authentication endpoint that mail servers (Dovecot, via checkpassword) ask.

``POST /_workmail-local/mailbox/authenticate``

- a login: ``{"Username", "Secret", "Protocol", "OrganizationId"?, "SourceIp"?, "Device"?}``
  (``Device`` for ActiveSync: ``{"DeviceId", "DeviceType"?, "DeviceModel"?,
  "DeviceOperatingSystem"?, "DeviceUserAgent"?}``);
- an impersonated EWS login: ``{"Protocol": "EWS", "ImpersonationToken", "TargetUser",
  "OrganizationId"?, "SourceIp"?}``

→ ``{"Authenticated": true, "UserId", "OrganizationId", "Method", …}`` or
``{"Authenticated": false, "Reason", …}`` — a refusal is an answer (200), not an error.
A refusal by the access policies adds ``MatchedRules`` (the access control rules that
denied; ``[]`` when no rule allowed); ActiveSync answers add
``MatchedMobileDeviceAccessRules`` and ``MobileDeviceAccessOverride`` (when an override
decided), impersonated ones ``ImpersonationRoleId`` and ``Type``. The secret is never logged or echoed.
DateLastUsed is committed before the answer but without waiting for the disk: a crash
of the server keeps it, a power loss may lose the last moments of it.
"""

from __future__ import annotations

from typing import Any

from workmail_local.control import ControlError, ControlRequest, require, route
from workmail_local.mailbox_auth.access_rules import normalize_ip
from workmail_local.mailbox_auth.decision import PROTOCOLS, Decision, authenticate
from workmail_local.mailbox_auth.impersonated import authenticate_impersonation

DEVICE_MEMBERS = ("DeviceId", "DeviceType", "DeviceModel", "DeviceOperatingSystem", "DeviceUserAgent")


def _invalid(message: str) -> ControlError:
    return ControlError(400, "ValidationException", message)


def _optional_string(body: dict[str, Any], name: str) -> str | None:
    value = body.get(name)
    if value is not None and not isinstance(value, str):
        raise _invalid(f"{name} must be a string")
    return value


def _source_ip(body: dict[str, Any]) -> str | None:
    value = _optional_string(body, "SourceIp")
    if value is None:
        return None
    try:
        return normalize_ip(value)
    except ValueError:
        raise _invalid(f"SourceIp {value!r} is not an IP address") from None


def _device(body: dict[str, Any]) -> dict[str, str | None] | None:
    device = body.get("Device")
    if device is None:
        return None
    if not isinstance(device, dict):
        raise _invalid("Device must be an object")
    unknown = sorted(set(device) - set(DEVICE_MEMBERS))
    if unknown:
        raise _invalid(f"Device has unknown members: {', '.join(unknown)}")
    require(device, "DeviceId")
    return {name: _optional_string(device, name) for name in DEVICE_MEMBERS}


def answer(decision: Decision) -> dict[str, Any]:
    """The endpoint's JSON for a decision: only the members that apply."""
    if decision.authenticated:
        body: dict[str, Any] = {"Authenticated": True, "UserId": decision.user_id,
                                "OrganizationId": decision.organization_id, "Method": decision.method}
    else:
        body = {"Authenticated": False, "Reason": decision.reason}
    # Which access control rules refused; an allowed login's answer stays as it always was.
    if not decision.authenticated and decision.matched_rules is not None:
        body["MatchedRules"] = list(decision.matched_rules)
    if decision.mobile_device_rules is not None:
        body["MatchedMobileDeviceAccessRules"] = list(decision.mobile_device_rules)
    if decision.mobile_device_override is not None:
        body["MobileDeviceAccessOverride"] = decision.mobile_device_override
    if decision.impersonation_role_id is not None:
        body["ImpersonationRoleId"] = decision.impersonation_role_id
        body["Type"] = decision.impersonation_type
    return body


# A login writes only DateLastUsed (and, rarely, a rehashed password): it need not wait
# for the disk, and every IMAP/SMTP login comes this way.
@route("POST", "/mailbox/authenticate", durable=False,
       members={"Username": str, "Secret": str, "Protocol": str, "OrganizationId": str, "SourceIp": str,
                "Device": dict, "ImpersonationToken": str, "TargetUser": str})
def authenticate_mailbox(req: ControlRequest) -> tuple[int, dict[str, Any]]:
    protocol = require(req.body, "Protocol")
    if protocol not in PROTOCOLS:
        raise _invalid(f"Protocol must be one of {', '.join(PROTOCOLS)}")
    organization_id = _optional_string(req.body, "OrganizationId")
    source_ip = _source_ip(req.body)
    if req.body.get("ImpersonationToken") is not None:
        if protocol != "EWS":
            raise _invalid("ImpersonationToken is accepted for the protocol EWS only")
        token = require(req.body, "ImpersonationToken")
        target = require(req.body, "TargetUser")
        return 200, answer(authenticate_impersonation(req.tx, token, target, req.now, organization_id, source_ip))
    username = require(req.body, "Username")
    secret = require(req.body, "Secret")
    decision = authenticate(req.tx, username, secret, protocol, req.now, organization_id, source_ip,
                            _device(req.body))
    return 200, answer(decision)
