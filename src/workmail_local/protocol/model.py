"""The hosted services, loaded once from botocore's installed models and compiled.

Everything a request needs about its operation — parser, validator, serializer,
modelled errors, paginator, idempotency token — is prepared here at start-up, so the
request path only looks things up.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any

from botocore.exceptions import DataNotFoundError
from botocore.loaders import Loader
from botocore.model import OperationModel, ServiceModel

from workmail_local.protocol.errors import ModelErrors
from workmail_local.protocol.pagination import PageSpec, page_spec
from workmail_local.protocol.parse import Parser, compile_parser
from workmail_local.protocol.serialize import Serializer, compile_serializer, strict_from_env
from workmail_local.protocol.validate import Validator, compile_validator


@dataclass(slots=True, eq=False)
class Operation:
    """One operation of a hosted service, compiled for the request path."""

    service: Service
    name: str
    model: OperationModel
    parse: Parser | None
    validate: Validator | None
    serialize: Serializer | None
    errors: frozenset[str]
    paginator: dict[str, Any] | None
    idempotency_token: str | None
    #: How a list operation pages (every operation has one; only list operations use it).
    page: PageSpec


@dataclass(eq=False)
class Service:
    """A hosted AWS service: its model, its operations and its error classes."""

    name: str
    model: ServiceModel
    errors: ModelErrors
    validation_error: str
    invalid_input_error: str
    #: Output checked against the shapes (``WORKMAIL_LOCAL_STRICT_OUTPUT=1``, tests only).
    strict_output: bool = False
    operations: dict[str, Operation] = field(default_factory=dict)

    @property
    def target_prefix(self) -> str:
        return self.model.metadata["targetPrefix"]

    @property
    def signing_name(self) -> str:
        return self.model.signing_name


_loader = Loader()


@cache
def load_service(name: str, validation_error: str = "InvalidParameterException") -> Service:
    """Load and compile a botocore service model (once per process).

    ``validation_error`` names the error for constraint violations on services whose
    model declares no ``ValidationException`` of its own (WorkMail); services that do
    (sso-admin, identitystore) always use theirs.
    """
    raw = _loader.load_service_model(name, "service-2")
    model = ServiceModel(raw, service_name=name)
    errors = ModelErrors(raw["shapes"])
    try:
        paginators = _loader.load_service_model(name, "paginators-1")["pagination"]
    except DataNotFoundError:
        paginators = {}
    service = Service(
        name=name,
        model=model,
        errors=errors,
        validation_error="ValidationException" if "ValidationException" in errors else validation_error,
        invalid_input_error="InvalidParameterException"
        if "InvalidParameterException" in errors
        else "ValidationException",
        strict_output=strict_from_env(),
    )
    parsers: dict[str, Any] = {}
    validators: dict[str, Any] = {}
    serializers: dict[str, Any] = {}
    for op_name in model.operation_names:
        op = model.operation_model(op_name)
        shape_in, shape_out = op.input_shape, op.output_shape
        token = next(iter(op.idempotent_members), None)
        service.operations[op_name] = Operation(
            service=service,
            name=op_name,
            model=op,
            parse=compile_parser(shape_in, parsers) if shape_in else None,
            validate=compile_validator(shape_in, validators) if shape_in else None,
            serialize=compile_serializer(shape_out, serializers, service.strict_output) if shape_out else None,
            errors=frozenset(e.name for e in op.error_shapes),
            paginator=paginators.get(op_name),
            idempotency_token=token,
            page=page_spec(name, op, paginators.get(op_name)),
        )
    return service
