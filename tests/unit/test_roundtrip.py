"""Our parser and serializer against botocore's own: for every operation of every hosted
service, an input serialized by botocore parses back equal, and an output we serialize
parses back equal with botocore's parser."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import orjson
import pytest
from botocore.model import Shape
from botocore.parsers import create_parser
from botocore.serialize import create_serializer

from workmail_local.protocol.model import load_service
from workmail_local.protocol.serialize import compile_serializer
from workmail_local.services import HOSTED

WHEN = datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=timezone.utc)


def sample(shape: Shape, depth: int = 0) -> Any:
    """A value of every member of ``shape`` (recursion cut at a fixed depth)."""
    kind = shape.type_name
    if kind == "structure":
        if depth > 6:
            return {}
        if shape.is_tagged_union:  # exactly one member set
            name, member = next(iter(shape.members.items()))
            return {name: sample(member, depth + 1)}
        return {name: sample(member, depth + 1) for name, member in shape.members.items()}
    if kind == "list":
        return [sample(shape.member, depth + 1) for _ in range(max(1, shape.metadata.get("min", 1)))]
    if kind == "map":
        return {"key1": sample(shape.value, depth + 1)}
    if kind == "string":
        enum = getattr(shape, "enum", None)
        return enum[0] if enum else "v" * max(1, shape.metadata.get("min", 1))
    if kind in ("integer", "long"):
        return int(shape.metadata.get("min", 3))
    if kind in ("float", "double"):
        return 1.5
    if kind == "boolean":
        return True
    if kind == "timestamp":
        return WHEN
    if kind == "blob":
        return b"\x00binary\xff"
    raise AssertionError(f"unhandled shape type {kind}")


def normalize(value: Any) -> Any:
    """Datetimes as epoch seconds (ms precision), recursively, for comparison."""
    if isinstance(value, datetime):
        return round(value.timestamp(), 3)
    if isinstance(value, dict):
        return {k: normalize(v) for k, v in value.items()}
    if isinstance(value, list):
        return [normalize(v) for v in value]
    return value


def all_operations() -> list[tuple[str, str]]:
    return [(name, op) for name in HOSTED for op in sorted(load_service(name).operations)]


@pytest.mark.parametrize(("service_name", "op_name"), all_operations())
def test_input_from_botocore_parses_equal(service_name: str, op_name: str) -> None:
    op = load_service(service_name).operations[op_name]
    shape = op.model.input_shape
    if shape is None:
        return
    params = sample(shape)
    request = create_serializer("json", include_validation=False).serialize_to_request(params, op.model)
    assert request["headers"]["X-Amz-Target"] == f"{op.service.target_prefix}.{op_name}"
    parsed = op.parse(orjson.loads(request["body"]), "")
    assert normalize(parsed) == normalize(params)


@pytest.mark.parametrize(("service_name", "op_name"), all_operations())
def test_output_we_serialize_parses_equal_in_botocore(service_name: str, op_name: str) -> None:
    op = load_service(service_name).operations[op_name]
    shape = op.model.output_shape
    if shape is None or op.serialize is None:
        return
    value = sample(shape)
    # Handlers give timestamps as epoch floats; the serializer must write them as numbers.
    handler_value = orjson.loads(orjson.dumps(normalize(value)))
    body = orjson.dumps(op.serialize(handler_value))
    parsed = create_parser("json").parse({"body": body, "headers": {}, "status_code": 200}, shape)
    parsed.pop("ResponseMetadata", None)
    assert normalize(parsed) == normalize(value)


def test_timestamps_are_epoch_seconds_with_milliseconds() -> None:
    op = load_service("workmail").operations["DescribeOrganization"]
    body = orjson.dumps(op.serialize({"OrganizationId": "m-" + "0" * 32, "CompletedDate": 1522693605.4681}))
    assert b'"CompletedDate":1522693605.468' in body


def test_serializer_writes_only_modelled_members() -> None:
    """Production (not strict) mode; the suite's servers run strict (tests/unit/test_strict_output.py)."""
    serialize = compile_serializer(load_service("workmail").operations["CreateOrganization"].model.output_shape)
    assert serialize({"OrganizationId": "m-1", "internal_secret": "x", "Other": None}) == {"OrganizationId": "m-1"}


def test_parser_drops_unknown_members_and_nulls() -> None:
    op = load_service("workmail").operations["CreateOrganization"]
    assert op.parse({"Alias": "a", "Surprise": 1, "DirectoryId": None}, "") == {"Alias": "a"}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"Alias": 5}, "Expected a string at 'alias', but found number"),
        ({"Alias": "a", "EnableInteroperability": "yes"}, "Expected a boolean at 'enableInteroperability', but found string"),
        ({"Alias": "a", "Domains": {"DomainName": "x"}}, "Expected an array at 'domains', but found object"),
        ({"Alias": "a", "Domains": [{"DomainName": 1}]}, "Expected a string at 'domains.1.member.domainName', but found number"),
    ],
)
def test_wrong_json_types_are_serialization_errors(body: dict[str, Any], message: str) -> None:
    from workmail_local.protocol.errors import SerializationException

    op = load_service("workmail").operations["CreateOrganization"]
    with pytest.raises(SerializationException) as exc:
        op.parse(body, "")
    assert exc.value.message == message


def test_integer_parsing_refuses_booleans_and_fractions() -> None:
    from workmail_local.protocol.errors import SerializationException

    op = load_service("workmail").operations["ListOrganizations"]
    assert op.parse({"MaxResults": 5.0}, "") == {"MaxResults": 5}
    for bad in (True, 2.5, "5"):
        with pytest.raises(SerializationException):
            op.parse({"MaxResults": bad}, "")
