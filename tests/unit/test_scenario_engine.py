"""The scenario engine of the three-clients test: substitution, captures, normalising, comparing."""

from __future__ import annotations

from typing import Any

from tests.clients.scenario import Failure, compare, normalise, pick, problems, run, substitute

ORG = "m-0123456789abcdef0123456789abcdef"


def test_substitute_keeps_whole_references_typed() -> None:
    variables = {"org": ORG, "n": 3}
    assert substitute({"a": "${org}", "b": ["x-${org}", "${n}", "${unknown}"], "c": 1}, variables) == {
        "a": ORG, "b": [f"x-{ORG}", 3, "${unknown}"], "c": 1}


def test_pick_follows_members_and_indices() -> None:
    value = {"Instances": [{"InstanceArn": "arn"}]}
    assert pick(value, "Instances.0.InstanceArn") == "arn"
    assert pick(value, "Instances.1.InstanceArn") is None
    assert pick(None, "A") is None


def scenario(*steps: dict[str, Any]) -> dict[str, Any]:
    return {"description": "t", "steps": list(steps)}


def test_run_captures_and_records_errors() -> None:
    calls = []

    def call(service: str, operation: str, given: dict[str, Any]) -> dict[str, Any]:
        calls.append((service, operation, given))
        if operation == "DescribeOrganization":
            raise Failure("OrganizationNotFoundException", f"no {given['OrganizationId']}")
        return {"OrganizationId": ORG}

    result = run(scenario({"operation": "CreateOrganization", "input": {"Alias": "a"}, "capture": {"org": "OrganizationId"}},
                          {"operation": "DescribeOrganization", "input": {"OrganizationId": "${org}"}}),
                 call, lambda *_: (200, {}))
    assert calls[1] == ("workmail", "DescribeOrganization", {"OrganizationId": ORG})
    assert result["vars"] == {"org": ORG}
    assert result["steps"][1]["error"] == {"code": "OrganizationNotFoundException", "message": f"no {ORG}"}


def test_normalise_masks_model_timestamps_tokens_and_captured_values() -> None:
    steps = scenario({"operation": "DescribeOrganization", "expect": {"State": "Active", "ARN": "arn:x:${org}"}},
                     {"operation": "ListOrganizations", "error": "InvalidParameterException"})
    results = {"vars": {"org": ORG}, "steps": [
        {"id": "d", "output": {"State": "Active", "ARN": f"arn:x:{ORG}", "CompletedDate": 1700000000.5,
                               "$metadata": {"httpStatusCode": 200}}},
        {"id": "l", "error": {"code": "InvalidParameterException", "message": f"bad {ORG}"}},
    ]}
    normalised = normalise(steps, results)
    assert normalised == [
        {"id": "d", "output": {"State": "Active", "ARN": "arn:x:${org}", "CompletedDate": "<timestamp>"}},
        {"id": "l", "error": "InvalidParameterException", "message": "bad ${org}"},
    ]
    assert problems(steps, normalised) == []
    normalised[0]["output"]["State"] = "Deleted"
    assert problems(steps, normalised) == [
        'd: expected {"State": "Active", "ARN": "arn:x:${org}"}, got '
        '{"State": "Deleted", "ARN": "arn:x:${org}", "CompletedDate": "<timestamp>"}']


def test_volatile_and_unordered_paths() -> None:
    steps = scenario({"operation": "ListAliases", "unordered": ["Aliases"], "expect": {"Aliases": ["b@x.com", "a@x.com"]}},
                     {"operation": "GetMailDomain", "volatile": ["Records.*.Value"]})
    results = {"vars": {}, "steps": [
        {"id": "a", "output": {"Aliases": ["a@x.com", "b@x.com"]}},
        {"id": "g", "output": {"Records": [{"Type": "MX", "Value": "1"}, {"Type": "TXT", "Value": "2"}]}},
    ]}
    normalised = normalise(steps, results)
    assert normalised[1]["output"] == {"Records": [{"Type": "MX", "Value": "<volatile>"},
                                                   {"Type": "TXT", "Value": "<volatile>"}]}
    assert problems(steps, normalised) == []


def test_compare_tells_model_skew_from_differences() -> None:
    ours = {"id": "x", "output": {"A": 1, "New": 2, "L": [{"B": 1}]}}
    assert compare(ours, {"id": "x", "output": {"A": 1, "L": [{"B": 1}]}}, "x") == ([], ["x.output.New"])
    differences, skew = compare(ours, {"id": "x", "output": {"A": 2, "New": 2, "L": [{"B": 1}, {"B": 2}]}}, "x")
    assert skew == [] and len(differences) == 2
