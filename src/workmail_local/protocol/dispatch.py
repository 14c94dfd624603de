"""Binding handlers to operations: one function per operation, registered by name."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from workmail_local.protocol.model import load_service

if TYPE_CHECKING:
    from workmail_local.context import RequestContext

Handler = Callable[["RequestContext", dict[str, Any]], "dict[str, Any] | None"]


class Handlers:
    """The handlers of one service, by operation name.

    ``@handlers("CreateOrganization")`` binds a function to an operation; binding a
    name the model does not have, or binding one twice, fails at import time.
    """

    def __init__(self, service_name: str) -> None:
        self.service_name = service_name
        self.by_operation: dict[str, Handler] = {}
        self._known = set(load_service(service_name).operations)

    def __call__(self, operation: str) -> Callable[[Handler], Handler]:
        if operation not in self._known:
            raise ValueError(f"{self.service_name} has no operation {operation!r}")
        if operation in self.by_operation:
            raise ValueError(f"{self.service_name}.{operation} already has a handler")

        def register(fn: Handler) -> Handler:
            self.by_operation[operation] = fn
            return fn

        return register
