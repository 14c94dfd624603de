"""The emulator-only control API under ``/_workmail-local/``: JSON in, JSON out.

Each module in this package registers its routes with :func:`route`; a route handler
receives a :class:`ControlRequest` (its JSON body, the caller's account and region,
one clock reading and one transaction) and returns ``(status, body)``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from workmail_local.store import Tx

if TYPE_CHECKING:
    from workmail_local.app import App

PREFIX = "/_workmail-local"


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



def route(method: str, path: str, durable: bool = True) -> Callable[[ControlHandler], ControlHandler]:
    """Register a handler for ``METHOD /_workmail-local<path>``.

    ``durable=False``: its writes are bookkeeping that may skip waiting for the disk
    (see ``Store.transaction``); everything else is committed durably.
    """

    def register(fn: ControlHandler) -> ControlHandler:
        ROUTES[(method, PREFIX + path)] = fn
        if not durable:
            NOT_DURABLE.add(fn)
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
    if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
        raise ControlError(400, "ValidationException", f"{name} has the wrong type")
    return value
