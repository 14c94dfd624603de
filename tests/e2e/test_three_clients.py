"""Three clients, one scenario set: each scenario of ``tests/scenarios/`` (written once, as
data) runs through boto3, the AWS CLI and the AWS SDK for JavaScript v3 against the live
server. Each client must meet the scenario's expectations, and all three must see the same
results and the same modelled error names (after :func:`tests.clients.scenario.normalise`).

Where node or the npm packages (``npm ci`` in tests/clients/js) are missing, the test skips
and says why — except in CI (``CI=true``), where a missing client fails it. A scenario that
calls operations this build does not implement yet is skipped, naming them.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from tests.clients import runners
from tests.clients.scenario import (
    SCENARIOS,
    compare,
    load,
    model_problems,
    normalise,
    operations_of,
    problems,
)
from workmail_local.services import load_handlers
from workmail_local.testing import LocalServer

SCENARIO_NAMES = sorted(p.stem for p in SCENARIOS.glob("*.json"))


def unavailable(reason: str) -> None:
    """Skip for a missing client here; fail in CI, where .ci/run installs every client."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"in CI every client must run: {reason}")
    pytest.skip(reason)


def unimplemented(scenario: dict[str, Any]) -> list[str]:
    """The scenario's operations that have no handler in this build."""
    registries = load_handlers()
    return sorted(f"{service}.{operation}" for service, operation in operations_of(scenario)
                  if operation not in registries[service].by_operation)


def test_scenario_names() -> None:
    assert "organizations_users_idc" in SCENARIO_NAMES and "directory" in SCENARIO_NAMES


@pytest.mark.parametrize("name", SCENARIO_NAMES)
def test_scenarios_say_only_what_the_models_have(name: str) -> None:
    """Operations, members and error names as the models spell them (checked without a server,
    so a scenario of operations still to come is checked too)."""
    assert model_problems(load(name)) == []


@pytest.mark.parametrize("name", SCENARIO_NAMES)
def test_three_clients_see_the_same(name: str, server: LocalServer, tmp_path: Path) -> None:
    scenario = load(name)
    missing = unimplemented(scenario)
    if missing:
        pytest.skip(f"scenario {name} calls operations this build does not implement yet: {', '.join(missing)}")
    for reason in (runners.cli_missing(), runners.js_missing()):
        if reason:
            unavailable(reason)

    results = {}
    for client, execute in (("boto3", lambda: runners.run_boto3(server, scenario)),
                            ("aws-cli", lambda: runners.run_cli(server, scenario, tmp_path)),
                            ("js-sdk-v3", lambda: runners.run_js(server, name))):
        server.reset()  # each client starts from an empty emulator
        results[client] = normalise(scenario, execute())
        (tmp_path / f"{client}.json").write_text(json.dumps(results[client], indent=1))

    for client, normalised in results.items():
        broken = problems(scenario, normalised)
        assert not broken, f"{client} did not meet scenario {name}:\n" + "\n".join(broken)
    for client in ("aws-cli", "js-sdk-v3"):
        differences, skew = [], []
        for ours, theirs in zip(results["boto3"], results[client], strict=True):
            found = compare(ours, theirs, ours["id"])
            differences += found[0]
            skew += found[1]
        assert not differences, f"{client} saw other results than boto3 (all in {tmp_path}):\n" + "\n".join(differences)
        if skew:  # members one client's (older or newer) model does not know: shown with -s
            print(f"model skew between boto3 and {client}: {', '.join(skew)}")
