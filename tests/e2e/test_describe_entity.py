"""DescribeEntity end to end: which user an address (primary or alias) belongs to.

Groups and resources are in test_directory_cross_kind.py.
"""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from tests.e2e.helpers import check_organization_errors, code_of, error_of
from tests.e2e.test_aliases import DOMAIN, enabled
from tests.e2e.test_users import create


def test_describe_entity_by_primary_and_alias(workmail, org_id) -> None:
    bob = enabled(workmail, org_id, "Bob")
    workmail.create_alias(OrganizationId=org_id, EntityId=bob, Alias=f"robert@{DOMAIN}")
    for address in (f"Bob@{DOMAIN}", f"bob@{DOMAIN.upper()}", f"Robert@{DOMAIN}"):
        entity = workmail.describe_entity(OrganizationId=org_id, Email=address)
        entity.pop("ResponseMetadata")
        assert entity == {"EntityId": bob, "Name": "Bob", "Type": "USER"}


def test_describe_entity_errors(workmail, org_id) -> None:
    create(workmail, org_id, "carol")  # never registered: no address
    bob = enabled(workmail, org_id, "bob")
    workmail.create_alias(OrganizationId=org_id, EntityId=bob, Alias=f"robert@{DOMAIN}")
    workmail.deregister_from_work_mail(OrganizationId=org_id, EntityId=bob)  # releases both addresses
    for address in (f"nobody@{DOMAIN}", f"carol@{DOMAIN}", f"bob@{DOMAIN}", f"robert@{DOMAIN}", "bob@example.com"):
        with pytest.raises(ClientError) as exc:
            workmail.describe_entity(OrganizationId=org_id, Email=address)
        assert error_of(exc) == ("EntityNotFoundException",
                                 f"The entity {address} was not found in organization {org_id}.")
    # Another organization's address is not this one's.
    other = workmail.create_organization(Alias="other")["OrganizationId"]
    enabled_elsewhere = create(workmail, other, "dave")
    workmail.register_to_work_mail(OrganizationId=other, EntityId=enabled_elsewhere, Email="dave@other.awsapps.com")
    with pytest.raises(ClientError) as exc:
        workmail.describe_entity(OrganizationId=org_id, Email="dave@other.awsapps.com")
    assert code_of(exc) == "EntityNotFoundException"
    with pytest.raises(ClientError) as exc:
        workmail.describe_entity(OrganizationId=org_id, Email="not-an-address")
    assert code_of(exc) == "InvalidParameterException"


def test_organization_errors(workmail, server, org_id) -> None:
    check_organization_errors(workmail, server, org_id,
                              lambda wm, org: wm.describe_entity(OrganizationId=org, Email=f"bob@{DOMAIN}"))
