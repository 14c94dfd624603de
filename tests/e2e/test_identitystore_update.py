"""identitystore UpdateIdentityStore: the network configuration DescribeIdentityStore shows,
replaced whole on each update, and the modelled errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.e2e.helpers import error_of, store_of
from workmail_local.testing import LocalServer

FULL = {
    "VpceAccessRequired": True,
    "ApiRestrictSourceVpcs": ["vpc-0123456789abcdef0", "arn:aws:ec2:us-east-1:123456789012:vpc/vpc-01234567"],
    "ApiAllowSourceIps": ["203.0.113.0/24", "2001:db8::/32"],
    "ScimAllowSourceIps": ["0.0.0.0/0"],
}


def describe(ids: Any, store: str) -> dict[str, Any]:
    described = ids.describe_identity_store(IdentityStoreId=store)
    described.pop("ResponseMetadata")
    return described


def test_a_new_store_has_no_network_configuration(ids, store) -> None:
    assert "NetworkConfiguration" not in describe(ids, store)


def test_update_sets_and_then_replaces_the_whole_configuration(ids, store) -> None:
    arn = describe(ids, store)["IdentityStoreArn"]
    answer = ids.update_identity_store(IdentityStoreId=store, NetworkConfiguration=FULL)
    assert (answer["IdentityStoreId"], answer["IdentityStoreArn"]) == (store, arn)
    assert describe(ids, store) == {"IdentityStoreId": store, "IdentityStoreArn": arn, "NetworkConfiguration": FULL}
    # Values left out are cleared: a full replacement.
    ids.update_identity_store(IdentityStoreId=arn, NetworkConfiguration={
        "VpceAccessRequired": False, "ScimAllowSourceIps": ["198.51.100.7"]})
    assert describe(ids, store)["NetworkConfiguration"] == {"VpceAccessRequired": False,
                                                            "ScimAllowSourceIps": ["198.51.100.7"]}


def test_update_without_a_configuration_changes_nothing(ids, store) -> None:
    ids.update_identity_store(IdentityStoreId=store, NetworkConfiguration=FULL)
    ids.update_identity_store(IdentityStoreId=store)
    assert describe(ids, store)["NetworkConfiguration"] == FULL


def test_unknown_and_foreign_stores_are_not_found(ids, store, server) -> None:
    other_account = server.client("identitystore", account="210987654321")
    other_store = store_of(other_account)
    for target in ("d-0000000000", other_store, f"arn:aws:identitystore::210987654321:identitystore/{other_store}",
                   f"arn:aws:identitystore::210987654321:identitystore/{store}"):
        with pytest.raises(ClientError) as exc:
            ids.update_identity_store(IdentityStoreId=target, NetworkConfiguration={"VpceAccessRequired": True})
        assert error_of(exc)[0] == "ResourceNotFoundException"
        assert exc.value.response["ResourceType"] == "IDENTITY_STORE"
    # The other account's store was not touched, nor was the caller's.
    assert "NetworkConfiguration" not in describe(other_account, other_store)
    assert "NetworkConfiguration" not in describe(ids, store)


def test_another_region_does_not_see_the_store(server, store) -> None:
    with pytest.raises(ClientError) as exc:
        server.client("identitystore", region="eu-west-1").update_identity_store(IdentityStoreId=store)
    assert error_of(exc)[0] == "ResourceNotFoundException"


@pytest.mark.parametrize(("config", "problem"), [
    ({}, "Value null at 'networkConfiguration.vpceAccessRequired' failed to satisfy constraint: "
         "Member must not be null"),
    ({"VpceAccessRequired": True, "ApiAllowSourceIps": []}, "Member must have length greater than or equal to 1"),
    ({"VpceAccessRequired": True, "ApiAllowSourceIps": ["not-an-ip"]}, "Member must satisfy regular expression"),
    ({"VpceAccessRequired": True, "ApiRestrictSourceVpcs": ["vpc-xyz"]}, "Member must satisfy regular expression"),
    ({"VpceAccessRequired": True, "ScimAllowSourceIps": ["0.0.0.0/0"] * 51},
     "Member must have length less than or equal to 50"),
])
def test_invalid_configurations(server, store, config, problem) -> None:
    status, _, body = server.raw("AWSIdentityStore.UpdateIdentityStore",
                                 {"IdentityStoreId": store, "NetworkConfiguration": config})
    assert (status, body["__type"]) == (400, "ValidationException")
    assert problem in body["message"]


def test_a_list_with_a_repeated_value_is_refused(ids, store) -> None:
    with pytest.raises(ClientError) as exc:
        ids.update_identity_store(IdentityStoreId=store, NetworkConfiguration={
            "VpceAccessRequired": True, "ApiAllowSourceIps": ["203.0.113.0/24", "203.0.113.0/24"]})
    code, message = error_of(exc)
    assert code == "ValidationException" and "203.0.113.0/24" in message
    assert "NetworkConfiguration" not in describe(ids, store)


def test_the_configuration_survives_a_restart(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with LocalServer(data_dir=data) as server:
        ids = server.client("identitystore")
        store = store_of(ids)
        ids.update_identity_store(IdentityStoreId=store, NetworkConfiguration=FULL)
    with LocalServer(data_dir=data) as server:
        assert describe(server.client("identitystore"), store)["NetworkConfiguration"] == FULL
