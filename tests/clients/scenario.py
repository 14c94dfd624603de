"""Scenarios written once as data (``tests/scenarios/*.json``) and run by several clients.

A scenario is ``{"description", "steps": [...]}``. A step is either an AWS call::

    {"id": "describe-org", "service": "workmail", "operation": "DescribeOrganization",
     "input": {"OrganizationId": "${org}"},
     "capture": {"arn": "ARN"},              # variables from the output (dotted path, list indices)
     "expect": {"State": "Active"},         # a subset the output must contain
     "error": "OrganizationNotFoundException"}   # instead of expect: the modelled error

(``service`` defaults to ``workmail``), or an emulator control call, which AWS has no API for::

    {"id": "sign-in", "control": "POST /identitycenter/signin", "input": {...},
     "capture": {...}, "expect": {...}, "status": 200}

Either kind may also name ``"volatile"``: output paths whose values differ from run to run
and are not compared (``"ExpiresTime"``, ``"Records.*.Value"``: ``*`` is every list item),
and ``"unordered"``: output paths of lists whose order is not part of the contract (their
items are sorted before comparing, so an expected item is written whole).

``${name}`` in an input is replaced by a variable captured earlier (a whole-string
reference keeps the variable's type). The runners — :mod:`tests.clients.runners` for boto3
and the AWS CLI, ``tests/clients/js/run.mjs`` for the AWS SDK for JavaScript v3 — only
execute steps, substitute and capture (the same few rules in Python and JavaScript), and
report ``{"vars": {...}, "steps": [{"id", "output"} | {"id", "error": {"code", "message"}}]}``.
Everything else is here, once, for every client: :func:`normalise` makes results
comparable (model-typed timestamps and page tokens masked, captured IDs written back as
``${name}``, only the output shape's members kept), :func:`problems` checks a client's
results against the scenario's expectations, :func:`compare` compares two clients.

Each client parses with its own copy of the service model, and the copies are of different
dates (the AWS CLI 1.x vendors an older botocore; the JS SDK's packages have their own), so
a member one model does not know yet is dropped by that client alone. :func:`compare`
therefore reports a member that only one side has as model skew, not as a difference;
every other value must be equal, and the members a scenario ``expect``s must be there for
every client.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from botocore.model import Shape

from workmail_local.protocol.model import load_service

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
DEFAULT_SERVICE = "workmail"
# Captured values shorter than this are not written back into outputs (they could occur by chance).
MIN_MASKED_LENGTH = 6

Call = Callable[[str, str, dict[str, Any]], dict[str, Any]]
Control = Callable[[str, str, dict[str, Any]], tuple[int, dict[str, Any]]]


class Failure(Exception):
    """A call answered with an error: its code and message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


def load(name: str) -> dict[str, Any]:
    """The scenario ``tests/scenarios/<name>.json``."""
    return json.loads((SCENARIOS / f"{name}.json").read_text())


def path_of(name: str) -> Path:
    return SCENARIOS / f"{name}.json"


def operations_of(scenario: dict[str, Any]) -> set[tuple[str, str]]:
    """Every (service, operation) the scenario calls."""
    return {(s.get("service", DEFAULT_SERVICE), s["operation"]) for s in scenario["steps"] if "operation" in s}


def step_id(step: dict[str, Any], index: int) -> str:
    return step.get("id") or f"{index + 1}:{step.get('operation') or step.get('control')}"


# -- the engine (mirrored by tests/clients/js/run.mjs) ----------------------------------


def substitute(value: Any, variables: dict[str, Any]) -> Any:
    """``value`` with every ``${name}`` replaced; an unknown name stays as written."""
    if isinstance(value, str):
        whole = VARIABLE.fullmatch(value)
        if whole and whole.group(1) in variables:
            return variables[whole.group(1)]
        return VARIABLE.sub(lambda m: str(variables.get(m.group(1), m.group(0))), value)
    if isinstance(value, list):
        return [substitute(v, variables) for v in value]
    if isinstance(value, dict):
        return {k: substitute(v, variables) for k, v in value.items()}
    return value


def pick(value: Any, path: str) -> Any:
    """The part of ``value`` a dotted path names (``Instances.0.InstanceArn``), or ``None``."""
    for part in path.split("."):
        if isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        elif isinstance(value, dict) and part in value:
            value = value[part]
        else:
            return None
    return value


def run(scenario: dict[str, Any], call: Call, control: Control) -> dict[str, Any]:
    """Execute every step (a failed step does not stop the run) and report what each answered."""
    variables: dict[str, Any] = {}
    records = []
    for index, step in enumerate(scenario["steps"]):
        given = substitute(step.get("input", {}), variables)
        record: dict[str, Any] = {"id": step_id(step, index)}
        try:
            if "control" in step:
                method, _, path = step["control"].partition(" ")
                record["status"], record["output"] = control(method, path, given)
            else:
                record["output"] = call(step.get("service", DEFAULT_SERVICE), step["operation"], given)
        except Failure as failure:
            record["error"] = {"code": failure.code, "message": failure.message}
        for name, path in step.get("capture", {}).items():
            captured = pick(record.get("output"), path)
            if captured is not None:
                variables[name] = captured
        records.append(record)
    return {"vars": variables, "steps": records}


# -- comparing results ----------------------------------------------------------------


def _by_shape(value: Any, shape: Shape | None, member: str = "") -> Any:
    """``value`` with the output shape's timestamps and page tokens masked and non-members dropped."""
    if shape is None or value is None:
        return value
    if member == "NextToken":
        return "<token>"
    if shape.type_name == "timestamp":
        return "<timestamp>"
    if shape.type_name == "structure" and isinstance(value, dict):
        return {k: _by_shape(v, shape.members[k], k) for k, v in value.items() if k in shape.members}
    if shape.type_name == "list" and isinstance(value, list):
        return [_by_shape(v, shape.member) for v in value]
    if shape.type_name == "map" and isinstance(value, dict):
        return {k: _by_shape(v, shape.value) for k, v in value.items()}
    return value


def _mask(value: Any, masks: list[tuple[str, str]]) -> Any:
    if isinstance(value, str):
        for text, name in masks:
            value = value.replace(text, name)
        return value
    if isinstance(value, list):
        return [_mask(v, masks) for v in value]
    if isinstance(value, dict):
        return {k: _mask(v, masks) for k, v in value.items()}
    return value


def _sorted(items: Any) -> Any:
    return sorted(items, key=lambda item: json.dumps(item, sort_keys=True)) if isinstance(items, list) else items


def _replace(value: Any, path: list[str], change: Callable[[Any], Any]) -> None:
    """Apply ``change`` in place to what ``path`` names in ``value`` (``*``: each list item)."""
    head, rest = path[0], path[1:]
    if head == "*" and isinstance(value, list):
        keys: list[Any] = list(range(len(value)))
    elif isinstance(value, dict) and head in value:
        keys = [head]
    else:
        return
    for k in keys:
        if rest:
            _replace(value[k], rest, change)
        else:
            value[k] = change(value[k])


def normalise(scenario: dict[str, Any], results: dict[str, Any]) -> list[dict[str, Any]]:
    """One client's results in a form every client must match exactly."""
    masks = sorted(((v, f"${{{k}}}") for k, v in results["vars"].items()
                    if isinstance(v, str) and len(v) >= MIN_MASKED_LENGTH), key=lambda m: -len(m[0]))
    normalised = []
    for step, record in zip(scenario["steps"], results["steps"], strict=True):
        entry: dict[str, Any] = {"id": record["id"]}
        if "error" in record:
            entry["error"] = record["error"]["code"]
            entry["message"] = _mask(record["error"]["message"], masks)
        else:
            output = record.get("output") or {}
            if "operation" in step:
                service = load_service(step.get("service", DEFAULT_SERVICE))
                output = _by_shape(output, service.model.operation_model(step["operation"]).output_shape)
            else:
                entry["status"] = record.get("status")
            for path in step.get("volatile", []):
                _replace(output, path.split("."), lambda _: "<volatile>")
            # Sorted after masking, so that both sides sort by the same ${name}s.
            output = _mask(output or {}, masks)
            for path in step.get("unordered", []):
                _replace(output, path.split("."), _sorted)
            entry["output"] = output
        normalised.append(entry)
    return normalised


def _contains(expected: Any, actual: Any) -> bool:
    """Objects: every expected member matches; lists: same length, each item matches; else equal."""
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(k in actual and _contains(v, actual[k]) for k, v in expected.items())
    if isinstance(expected, list):
        return (isinstance(actual, list) and len(actual) == len(expected)
                and all(_contains(e, a) for e, a in zip(expected, actual, strict=True)))
    return expected == actual


def problems(scenario: dict[str, Any], normalised: list[dict[str, Any]]) -> list[str]:
    """Where normalised results break the scenario's expectations (``${name}`` written as captured)."""
    found = []
    for step, entry in zip(scenario["steps"], normalised, strict=True):
        where = entry["id"]
        if "error" in step:
            if entry.get("error") != step["error"]:
                found.append(f"{where}: expected {step['error']}, got {entry.get('error') or entry.get('output')}")
            continue
        if "error" in entry:
            found.append(f"{where}: unexpected {entry['error']}: {entry['message']}")
            continue
        if "status" in step and entry.get("status") != step["status"]:
            found.append(f"{where}: expected status {step['status']}, got {entry.get('status')}: {entry['output']}")
        expected = json.loads(json.dumps(step.get("expect", {})))
        for path in step.get("unordered", []):
            _replace(expected, path.split("."), _sorted)
        if "expect" in step and not _contains(expected, entry["output"]):
            found.append(f"{where}: expected {json.dumps(step['expect'])}, got {json.dumps(entry['output'])}")
    return found


def compare(ours: Any, theirs: Any, where: str = "") -> tuple[list[str], list[str]]:
    """``(differences, skew)`` between two normalised results: a member only one side has is
    skew (one client's model does not know it); anything else unequal is a difference."""
    if isinstance(ours, dict) and isinstance(theirs, dict):
        differences: list[str] = []
        skew = [f"{where}.{k}" for k in sorted(set(ours) ^ set(theirs))]
        for k in sorted(set(ours) & set(theirs)):
            d, s = compare(ours[k], theirs[k], f"{where}.{k}")
            differences += d
            skew += s
        return differences, skew
    if isinstance(ours, list) and isinstance(theirs, list) and len(ours) == len(theirs):
        differences, skew = [], []
        for i, (a, b) in enumerate(zip(ours, theirs, strict=True)):
            d, s = compare(a, b, f"{where}[{i}]")
            differences += d
            skew += s
        return differences, skew
    return ([] if ours == theirs else [f"{where}: {json.dumps(ours)} != {json.dumps(theirs)}"]), []


def _unknown_members(value: Any, shape: Shape | None, where: str) -> list[str]:
    """Member names in ``value`` that ``shape`` does not have (recursively)."""
    if shape is None or not isinstance(value, (dict, list)):
        return []
    if shape.type_name == "structure" and isinstance(value, dict):
        found = [f"{where}.{k}" for k in value if k not in shape.members]
        for k, v in value.items():
            if k in shape.members:
                found += _unknown_members(v, shape.members[k], f"{where}.{k}")
        return found
    if shape.type_name == "list" and isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _unknown_members(v, shape.member, f"{where}[{i}]")]
    return []


def model_problems(scenario: dict[str, Any]) -> list[str]:
    """What a scenario says that the service models do not: unknown operations, input or
    expected members, and errors the operation does not model."""
    found = []
    for index, step in enumerate(scenario["steps"]):
        if "operation" not in step:
            continue
        where = step_id(step, index)
        model = load_service(step.get("service", DEFAULT_SERVICE)).model
        if step["operation"] not in model.operation_names:
            found.append(f"{where}: no operation {step['operation']}")
            continue
        operation = model.operation_model(step["operation"])
        found += _unknown_members(step.get("input", {}), operation.input_shape, f"{where} input")
        found += _unknown_members(step.get("expect", {}), operation.output_shape, f"{where} expect")
        if "error" in step and step["error"] not in {e.name for e in operation.error_shapes}:
            found.append(f"{where}: {step['operation']} does not model {step['error']}")
    return found
