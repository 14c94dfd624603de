"""The hosted services, loaded once from botocore's installed models and compiled.

Everything a request needs about its operation — parser, validator, serializer,
modelled errors, paginator, idempotency token — is prepared here at start-up, so the
request path only looks things up.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from botocore.exceptions import DataNotFoundError
from botocore.loaders import Loader
from botocore.model import OperationModel, ServiceModel

from workmail_local.protocol.errors import ModelErrors
from workmail_local.protocol.pagination import PageSpec, page_spec
from workmail_local.protocol.parse import Parser, compile_parser
from workmail_local.protocol.serialize import (
    RenderedStructure,
    RowSerializer,
    Serializer,
    compile_rows,
    compile_serializer,
    compile_structure,
    strict_from_env,
)
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
    idempotency_token: str | None
    #: How a list operation pages (every operation has one; only list operations use it).
    page: PageSpec
    #: Whether parse/validate/serialize are the compiled functions yet (see compile_operation).
    compiled: bool = False


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
    # Compiled shapes, shared by the service's operations.
    parsers: dict[str, Any] = field(default_factory=dict)
    validators: dict[str, Any] = field(default_factory=dict)
    serializers: dict[str, Any] = field(default_factory=dict)
    # (operation, result key, member names) → its compiled row serializer (row_serializer).
    row_serializers: dict[tuple[str, str, tuple[str, ...]], RowSerializer] = field(default_factory=dict)
    # (operation, id of the columns mapping) → the mapping and its compiled answer serializer
    # (answer_serializer). Keeping the mapping keeps its id from being reused.
    answer_serializers: dict[tuple[str, int], tuple[dict[str, str], Callable[[Any], RenderedStructure]]] = field(
        default_factory=dict)

    @property
    def target_prefix(self) -> str:
        return self.model.metadata["targetPrefix"]

    @property
    def signing_name(self) -> str:
        return self.model.signing_name


_loader = Loader()


def load_service(name: str, validation_error: str = "InvalidParameterException") -> Service:
    """Load and compile a botocore service model (once per process).

    ``validation_error`` names the error for constraint violations on services whose
    model declares no ``ValidationException`` of its own (WorkMail); services that do
    (sso-admin, identitystore) always use theirs.
    """
    # One cache key however it is called: load_service("x") and load_service("x", default)
    # are the same service, compiled once.
    return _load_service(name, validation_error)


@cache
def _load_service(name: str, validation_error: str) -> Service:
    # The model's own directory: load_service_model would first list every service
    # botocore knows (hundreds of directories) on each call.
    version = _loader.determine_latest_version(name, "service-2")
    raw = _loader.load_data(f"{name}/{version}/service-2")
    model = ServiceModel(raw, service_name=name)
    errors = ModelErrors(raw["shapes"])
    try:
        paginators = _loader.load_data(f"{name}/{version}/paginators-1")["pagination"]
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
    for op_name in model.operation_names:
        op = model.operation_model(op_name)
        token = next(iter(op.idempotent_members), None)
        operation = Operation(
            service=service,
            name=op_name,
            model=op,
            parse=None,
            validate=None,
            serialize=None,
            errors=frozenset(e.name for e in op.error_shapes),
            idempotency_token=token,
            page=page_spec(name, op, paginators.get(op_name)),
        )
        _compile_on_first_use(operation)
        service.operations[op_name] = operation
    return service


def compile_operation(op: Operation) -> None:
    """Compile an operation's parser, validator and serializer (once; the service's memos
    share the shapes operations have in common)."""
    if op.compiled:
        return
    service, shape_in, shape_out = op.service, op.model.input_shape, op.model.output_shape
    op.parse = compile_parser(shape_in, service.parsers) if shape_in else None
    op.validate = compile_validator(shape_in, service.validators) if shape_in else None
    op.serialize = compile_serializer(shape_out, service.serializers, service.strict_output) if shape_out else None
    op.compiled = True


def row_serializer(op: Operation, result_key: str, names: tuple[str, ...]) -> RowSerializer:
    """The serializer of rows as the items of ``op``'s output list ``result_key``, value
    ``i`` of a row being member ``names[i]`` (compiled on first use, then remembered)."""
    key = (op.name, result_key, names)
    rows = op.service.row_serializers.get(key)
    if rows is None:
        shape = op.model.output_shape.members[result_key].member
        rows = op.service.row_serializers[key] = compile_rows(shape, names, op.service.strict_output)
    return rows


def answer_serializer(op: Operation, columns: dict[str, str]) -> Callable[[Any], RenderedStructure]:
    """The serializer of one stored row as ``op``'s whole answer, member ``m`` being the
    row's column ``columns[m]`` (:func:`~workmail_local.protocol.serialize.compile_structure`;
    compiled on first use, then remembered by the mapping's identity: pass the same
    mapping, a module's constant, on every request)."""
    key = (op.name, id(columns))
    known = op.service.answer_serializers.get(key)
    if known is None or known[0] is not columns:
        known = op.service.answer_serializers[key] = (
            columns, compile_structure(op.model.output_shape, columns, op.service.strict_output))
    return known[1]


def _compile_on_first_use(op: Operation) -> None:
    """Stand-ins for the three compiled functions that compile them on the first call and
    then do what the compiled ones do (``None`` ones: parse to ``{}``, check nothing, pass
    the value through, as the pipeline does for ``None``). A service has up to a hundred
    operations of hundreds of shapes: compiled at start-up they made it slow, compiled on
    first use each costs its first request about a millisecond; after that the request
    path calls the compiled functions themselves."""

    def parse(value: Any, path: str) -> Any:
        compile_operation(op)
        return op.parse(value, path) if op.parse is not None else {}

    def validate(value: Any, path: str, errors: list[str]) -> None:
        compile_operation(op)
        if op.validate is not None:
            op.validate(value, path, errors)

    def serialize(value: Any) -> Any:
        compile_operation(op)
        return op.serialize(value) if op.serialize is not None else value

    op.parse, op.validate, op.serialize = parse, validate, serialize
