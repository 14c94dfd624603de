"""Service errors: the generic protocol errors and the classes built from a model's error shapes."""

from __future__ import annotations

from functools import cache
from typing import Any


class ServiceError(Exception):
    """An error answered to the client as ``{"__type": code, "message": message}``.

    ``fields`` are the error shape's other members (``ResourceType="USER"``,
    ``Reason=…``), written beside the message; botocore reads them into the response.
    """

    code: str = "InternalFailure"
    status: int = 400

    def __init__(self, message: str = "", **fields: str) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields


class SerializationException(ServiceError):
    code = "SerializationException"


class UnknownOperationException(ServiceError):
    code = "UnknownOperationException"


class RequestEntityTooLarge(ServiceError):
    """A request body over ``--max-request-bytes``."""

    code = "RequestEntityTooLargeException"
    status = 413


class NotImplementedOperation(ServiceError):
    code = "NotImplemented"
    status = 501


class InternalFailure(ServiceError):
    code = "InternalFailure"
    status = 500


def internal_failure(request_id: str, cause: str = "An internal error occurred.") -> dict[str, str]:
    """The body of every 500 (the AWS pipeline's, the control API's, a failed sync's):
    what went wrong in a sentence, never a stack trace, and the request ID the log names."""
    return {"__type": InternalFailure.code, "message": f"{cause} Request ID: {request_id}"}


@cache
def error_class(code: str, status: int = 400) -> type[ServiceError]:
    """The one exception class for an error code (cached, so ``except`` works across modules)."""
    return type(code, (ServiceError,), {"code": code, "status": status, "__module__": __name__})


class ModelErrors:
    """Exception classes for every error shape of a service model, by shape name.

    ``errors.OrganizationNotFoundException("...")`` raises the modelled error; a name
    the model does not declare is an ``AttributeError``, so typos fail loudly.
    """

    def __init__(self, shapes: dict[str, dict[str, Any]]) -> None:
        self._classes: dict[str, type[ServiceError]] = {}
        for name, shape in shapes.items():
            if not shape.get("exception"):
                continue
            err = shape.get("error", {})
            status = err.get("httpStatusCode", 500 if shape.get("fault") else 400)
            self._classes[name] = error_class(name, status)

    def __getattr__(self, name: str) -> type[ServiceError]:
        try:
            return self.__dict__["_classes"][name]
        except KeyError:
            raise AttributeError(f"the model declares no error shape {name!r}") from None

    def __contains__(self, name: str) -> bool:
        return name in self._classes

    def names(self) -> list[str]:
        return sorted(self._classes)
