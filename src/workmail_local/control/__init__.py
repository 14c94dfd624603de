"""The emulator-only control API under ``/_workmail-local/``: JSON in, JSON out.

Each module in this package registers its routes with :func:`route`; a route handler
receives a :class:`ControlRequest` (its JSON body, the caller's account and region,
one clock reading and one transaction) and returns ``(status, body)``.

A route registered with ``admin=True`` changes state an administrator owns (the
emulator's data and clock, directories, another identity's credentials): under
``--auth enforce`` it needs a SigV4-signed request, as the AWS API does, and acts in the
signing key's account only. The other routes carry their own credentials (a password,
a session token, a mailbox secret) or change nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import regex

from workmail_local.store import Tx

if TYPE_CHECKING:
    from workmail_local.app import App

PREFIX = "/_workmail-local"
# The SigV4 signing name (credential-scope service) of admin control requests.
CONTROL_SIGNING_NAME = "workmail"
ACCOUNT_ID = regex.compile(r"^[0-9]{12}$")
# Every AWS region name: us-east-1, eu-central-2, us-gov-west-1, ap-southeast-4 …
REGION = regex.compile(r"^[a-z]{2}(-[a-z]+){1,2}-[0-9]{1,2}$")


@dataclass(slots=True)
class ControlRequest:
    """One control API call."""

    app: App
    method: str
    path: str
    body: dict[str, Any]
    account: str
    region: str
    now: float
    tx: Tx


class ControlError(Exception):
    """A control API refusal: ``status`` with ``{"__type": code, "message": message}``."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


ControlHandler = Callable[[ControlRequest], "tuple[int, dict[str, Any]]"]
ROUTES: dict[tuple[str, str], ControlHandler] = {}
NOT_DURABLE: set[ControlHandler] = set()
ADMIN: set[ControlHandler] = set()
# Each route's documented body members and their JSON types, checked before it runs.
MEMBERS: dict[ControlHandler, dict[str, type | tuple[type, ...]]] = {}
# The same, with the exact types a JSON value of each may have (what orjson gives): the
# check is one set lookup per present member, check_type only for a value that fails it.
_MEMBER_CHECKS: dict[ControlHandler, tuple[tuple[str, frozenset[type], type | tuple[type, ...]], ...]] = {}
NUMBER = (int, float)

def route(method: str, path: str, durable: bool = True, admin: bool = False,
          members: dict[str, type | tuple[type, ...]] | None = None) -> Callable[[ControlHandler], ControlHandler]:
    """Register a handler for ``METHOD /_workmail-local<path>``.

    ``durable=False``: its writes are bookkeeping that may skip waiting for the disk
    (see ``Store.transaction``); everything else is committed durably.
    ``admin=True``: under ``--auth enforce`` the request must be signed (module docstring).
    ``members``: the body members it reads and their JSON types (``str``, ``NUMBER``,
    ``list`` …); a member of another type is refused (400) before the handler runs.
    """

    def register(fn: ControlHandler) -> ControlHandler:
        ROUTES[(method, PREFIX + path)] = fn
        if not durable:
            NOT_DURABLE.add(fn)
        if admin:
            ADMIN.add(fn)
        MEMBERS[fn] = members or {}
        _MEMBER_CHECKS[fn] = tuple((name, frozenset(kind if isinstance(kind, tuple) else (kind,)), kind)
                                   for name, kind in MEMBERS[fn].items())
        return fn

    return register


def load_routes() -> dict[tuple[str, str], ControlHandler]:
    """Import every module of this package (each registers its routes) and return the routes."""
    from workmail_local.services.discover import import_submodules

    import_submodules(__name__)
    return ROUTES


def require(body: dict[str, Any], name: str, kind: type | tuple[type, ...] = str) -> Any:
    """A required member of a control request body, of the given JSON type."""
    value = body.get(name)
    if value is None:
        raise ControlError(400, "ValidationException", f"{name} is required")
    check_type(name, value, kind)
    return value


def check_type(name: str, value: Any, kind: type | tuple[type, ...]) -> None:
    """Refuse (400) a member whose JSON type is not ``kind`` (``true`` is not a number)."""
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if not isinstance(value, kinds) or (type(value) is bool and bool not in kinds):
        expected = " or ".join(_TYPE_NAMES.get(k, k.__name__) for k in kinds if k is not float)
        raise ControlError(400, "ValidationException",
                           f"{name} has the wrong type: it must be {expected}, got {_shown(value)}")


def check_members(handler: ControlHandler, body: dict[str, Any]) -> None:
    """Every documented member present in ``body`` has its documented type."""
    for name, exact, kind in _MEMBER_CHECKS.get(handler, ()):
        value = body.get(name)
        if value is not None and value.__class__ not in exact:
            check_type(name, value, kind)  # a subclass passes; anything else (true for a number) is refused


def caller_scope(body: dict[str, Any], account: str, region: str, signed: bool = False) -> tuple[str, str]:
    """The account and region a control request acts in: the body's ``AccountId`` and
    ``Region`` when given (checked), else ``account`` and ``region``.

    ``signed``: ``account`` is the signing key's, and a body naming another is refused."""
    body_account, body_region = body.get("AccountId"), body.get("Region")
    if body_account is not None:
        if type(body_account) is not str or not ACCOUNT_ID.match(body_account):
            raise ControlError(400, "ValidationException",
                               f"AccountId must be a string of 12 digits, got {_shown(body_account)}")
        if signed and body_account != account:
            raise ControlError(403, "AccessDeniedException",
                               f"The signing key belongs to account {account}; it cannot act in account "
                               f"{body_account}.")
        account = body_account
    if body_region is not None:
        if type(body_region) is not str or not REGION.match(body_region):
            raise ControlError(400, "ValidationException",
                               f"Region must be an AWS region name such as us-east-1, got {_shown(body_region)}")
        region = body_region
    return account, region


_TYPE_NAMES = {str: "a string", int: "a number", bool: "a boolean", list: "a list", dict: "an object"}


def _shown(value: Any) -> str:
    """A bad value in a message: its JSON type, and the first characters of a string."""
    if type(value) is str:
        return repr(value[:64]) + ("…" if len(value) > 64 else "")
    return {bool: "a boolean", int: "a number", float: "a number", list: "a list", dict: "an object"}.get(
        type(value), type(value).__name__)
