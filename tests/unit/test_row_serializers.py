"""Row serializers (``compile_rows``, and ``compile_structure`` for a whole answer) write
exactly what the shape's serializer writes for the same values as dicts — for every list
of structures and every output of every hosted operation — and a :class:`Rendered` list
is passed through, not walked again."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from tests.unit.test_roundtrip import WHEN, sample
from workmail_local.protocol.model import answer_serializer, load_service, row_serializer
from workmail_local.protocol.serialize import (
    OutputShapeError,
    Rendered,
    RenderedStructure,
    compile_rows,
    compile_serializer,
    compile_structure,
)
from workmail_local.services import HOSTED


def output_lists() -> list[tuple[str, str, str]]:
    """(service, operation, member) of every output member that is a list of structures."""
    found = []
    for service_name in HOSTED:
        service = load_service(service_name)
        for op_name, op in service.operations.items():
            shape = op.model.output_shape
            for name, member in (shape.members.items() if shape is not None else ()):
                if member.type_name == "list" and member.member.type_name == "structure" \
                        and not member.member.is_tagged_union:
                    found.append((service_name, op_name, name))
    return found


@pytest.mark.parametrize(("service_name", "op_name", "result_key"), output_lists())
def test_rows_are_written_as_the_serializer_writes_dicts(service_name: str, op_name: str, result_key: str) -> None:
    op = load_service(service_name).operations[op_name]
    item = op.model.output_shape.members[result_key].member
    names = tuple(item.members)
    full = sample(item)
    # Every member set; then every other member None (omitted): both must match.
    for values in ([full[n] for n in names], [full[n] if i % 2 else None for i, n in enumerate(names)]):
        as_dicts = compile_serializer(item)({n: v for n, v in zip(names, values, strict=True)})
        as_rows = compile_rows(item, names)([(*values, "cursor", 1.0)])  # trailing values ignored
        assert type(as_rows) is Rendered
        assert orjson.dumps(as_rows) == orjson.dumps([as_dicts])


def test_store_floats_are_rounded_as_the_serializer_rounds_them() -> None:
    item = load_service("workmail").operations["ListUsers"].model.output_shape.members["Users"].member
    rows = compile_rows(item, ("Id", "EnabledDate"))([("u-1", 1767323045.67891), ("u-2", WHEN)])
    assert rows == [{"Id": "u-1", "EnabledDate": 1767323045.679}, {"Id": "u-2", "EnabledDate": round(WHEN.timestamp(), 3)}]


def test_a_rendered_list_is_passed_through_by_the_lists_serializer() -> None:
    op = load_service("workmail").operations["ListUsers"]
    serialize = compile_serializer(op.model.output_shape)
    rendered = row_serializer(op, "Users", ("Id", "Name"))([("u-1", "ann")])
    out = serialize({"Users": rendered, "NextToken": None})
    assert out["Users"] is rendered
    # A plain list is still walked: undeclared keys dropped.
    assert serialize({"Users": [{"Id": "u-1", "secret": 1}]}) == {"Users": [{"Id": "u-1"}]}


def test_row_serializers_are_compiled_once_per_operation_and_members() -> None:
    op = load_service("workmail").operations["ListGroups"]
    assert row_serializer(op, "Groups", ("Id", "Name")) is row_serializer(op, "Groups", ("Id", "Name"))
    assert row_serializer(op, "Groups", ("Id",)) is not row_serializer(op, "Groups", ("Id", "Name"))


def test_a_member_the_shape_does_not_have_is_refused_when_compiled() -> None:
    item = load_service("workmail").operations["ListUsers"].model.output_shape.members["Users"].member
    with pytest.raises(ValueError, match="'Password'"):
        compile_rows(item, ("Id", "Password"))


def required_item() -> tuple[Any, list[str]]:
    """A list item shape with required members (identitystore's User)."""
    item = load_service("identitystore").operations["ListUsers"].model.output_shape.members["Users"].member
    return item, list(item.required_members)


def test_strict_rows_need_every_required_member() -> None:
    item, required = required_item()
    assert required
    names = tuple(item.members)
    with pytest.raises(OutputShapeError, match="never written"):
        compile_rows(item, tuple(n for n in names if n != required[0]), strict=True)
    rows = compile_rows(item, names, strict=True)
    values = sample(item)
    assert rows([[values[n] for n in names]])
    with pytest.raises(OutputShapeError, match=f"required member '{required[0]}' is missing"):
        rows([[None if n == required[0] else values[n] for n in names]])
    # Not strict: the None is omitted, as the plain serializer omits it.
    assert required[0] not in compile_rows(item, names)([[None if n == required[0] else values[n] for n in names]])[0]


def outputs() -> list[tuple[str, str]]:
    """(service, operation) of every hosted operation with an output structure."""
    return [(service_name, op_name) for service_name in HOSTED
            for op_name, op in load_service(service_name).operations.items()
            if op.model.output_shape is not None and op.model.output_shape.members]


@pytest.mark.parametrize(("service_name", "op_name"), outputs())
def test_an_answer_is_written_as_the_serializer_writes_it(service_name: str, op_name: str) -> None:
    shape = load_service(service_name).operations[op_name].model.output_shape
    full = sample(shape)
    columns = {name: f"col_{i}" for i, name in enumerate(shape.members)}
    for values in (full, {n: v if i % 2 else None for i, (n, v) in enumerate(full.items())}):
        row = {columns[n]: v for n, v in values.items()} | {"unrelated": 1}
        answer = compile_structure(shape, columns)(row)
        assert type(answer) is RenderedStructure
        assert orjson.dumps(answer) == orjson.dumps(compile_serializer(shape)(values))


def test_an_answer_writes_stored_booleans_as_booleans() -> None:
    shape = load_service("workmail").operations["DescribeGroup"].model.output_shape
    answer = compile_structure(shape, {"GroupId": "id", "HiddenFromGlobalAddressList": "hidden", "Email": "email"})
    assert answer({"id": "g-1", "hidden": 0, "email": None}) == {"GroupId": "g-1", "HiddenFromGlobalAddressList": False}
    assert answer({"id": "g-1", "hidden": 1, "email": None})["HiddenFromGlobalAddressList"] is True


def test_strict_answers_need_every_required_member() -> None:
    shape = load_service("identitystore").operations["DescribeUser"].model.output_shape
    required = list(shape.required_members)
    assert required
    columns = {name: name for name in shape.members}
    with pytest.raises(OutputShapeError, match="never written"):
        compile_structure(shape, {n: n for n in shape.members if n != required[0]}, strict=True)
    values = sample(shape)
    assert compile_structure(shape, columns, strict=True)(values)
    with pytest.raises(OutputShapeError, match=f"required member '{required[0]}' is missing"):
        compile_structure(shape, columns, strict=True)({**values, required[0]: None})
    with pytest.raises(ValueError, match="'Password'"):
        compile_structure(shape, {"Password": "password"})


def test_answer_serializers_are_remembered_by_their_mapping() -> None:
    op = load_service("workmail").operations["DescribeGroup"]
    columns = {"GroupId": "id", "Name": "name"}
    assert answer_serializer(op, columns) is answer_serializer(op, columns)
    same_content = dict(columns)
    assert answer_serializer(op, same_content) is not answer_serializer(op, columns)
    assert answer_serializer(op, same_content)({"id": "g", "name": "n"}) == {"GroupId": "g", "Name": "n"}
