"""Tags on organizations: TagResource, UntagResource, ListTagsForResource, every modelled error."""

from __future__ import annotations

from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from tests.e2e.helpers import code_of, error_of
from workmail_local.testing import LocalServer


@pytest.fixture
def arn(workmail, org_id) -> str:  # noqa: ANN001
    """The organization's ARN as DescribeOrganization gives it."""
    return workmail.describe_organization(OrganizationId=org_id)["ARN"]


def tags(**pairs: str) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in pairs.items()]


def test_arn_is_describe_organizations(arn, org_id) -> None:
    assert arn == f"arn:aws:workmail:us-east-1:123456789012:organization/{org_id}"


def test_tag_list_upsert_untag(workmail, arn) -> None:
    assert workmail.list_tags_for_resource(ResourceARN=arn)["Tags"] == []
    workmail.tag_resource(ResourceARN=arn, Tags=tags(team="mail", env="dev"))
    workmail.tag_resource(ResourceARN=arn, Tags=tags(env="prod", empty=""))  # env is replaced, others kept
    assert workmail.list_tags_for_resource(ResourceARN=arn)["Tags"] == tags(empty="", env="prod", team="mail")
    workmail.tag_resource(ResourceARN=arn, Tags=[])  # nothing to set: 200
    workmail.untag_resource(ResourceARN=arn, TagKeys=["env", "never-set"])  # an absent key is fine
    assert workmail.list_tags_for_resource(ResourceARN=arn)["Tags"] == tags(empty="", team="mail")
    workmail.untag_resource(ResourceARN=arn, TagKeys=[])
    assert workmail.list_tags_for_resource(ResourceARN=arn)["Tags"] == tags(empty="", team="mail")


def test_keys_are_case_sensitive(workmail, arn) -> None:
    workmail.tag_resource(ResourceARN=arn, Tags=tags(Env="a", env="b"))
    assert workmail.list_tags_for_resource(ResourceARN=arn)["Tags"] == tags(Env="a", env="b")


def test_at_most_50_tags_after_merging(workmail, arn) -> None:
    workmail.tag_resource(ResourceARN=arn, Tags=[{"Key": f"k{i:02}", "Value": "v"} for i in range(49)])
    workmail.tag_resource(ResourceARN=arn, Tags=tags(k00="updated", k49="v"))  # 50: fine
    with pytest.raises(ClientError) as exc:
        workmail.tag_resource(ResourceARN=arn, Tags=tags(k01="updated", extra="v"))
    assert code_of(exc) == "TooManyTagsException"
    listed = workmail.list_tags_for_resource(ResourceARN=arn)["Tags"]
    assert len(listed) == 50 and listed[0] == {"Key": "k00", "Value": "updated"}
    assert {"Key": "k01", "Value": "v"} in listed  # the refused call changed nothing


def test_more_than_50_in_one_request_is_a_validation_error(workmail, server, arn) -> None:
    status, _, body = server.raw("WorkMailService.TagResource", {
        "ResourceARN": arn, "Tags": [{"Key": f"k{i}", "Value": "v"} for i in range(51)]})
    assert (status, body["__type"]) == (400, "InvalidParameterException")
    assert "Member must have length less than or equal to 50" in body["message"]


@pytest.mark.parametrize("key", ["aws:created", "AWS:x", "Aws:"])
def test_reserved_aws_prefix(workmail, arn, key) -> None:
    with pytest.raises(ClientError) as exc:
        workmail.tag_resource(ResourceARN=arn, Tags=tags(ok="1", **{key: "v"}))
    code, message = error_of(exc)
    assert code == "InvalidParameterException" and key in message
    assert workmail.list_tags_for_resource(ResourceARN=arn)["Tags"] == []
    workmail.tag_resource(ResourceARN=arn, Tags=tags(awsome="1", **{"x:aws:": "2"}))  # only the prefix is reserved


def test_duplicate_keys_in_one_request(workmail, arn) -> None:
    with pytest.raises(ClientError) as exc:
        workmail.tag_resource(ResourceARN=arn, Tags=[{"Key": "k", "Value": "1"}, {"Key": "k", "Value": "2"}])
    assert code_of(exc) == "InvalidParameterException"


def test_key_and_value_lengths_are_validated(workmail, server, arn) -> None:
    status, _, body = server.raw("WorkMailService.TagResource", {
        "ResourceARN": arn, "Tags": [{"Key": "k" * 129, "Value": "v" * 257}]})
    assert (status, body["__type"]) == (400, "InvalidParameterException")
    assert body["message"].startswith("2 validation errors detected")


def not_found(call, **kwargs) -> None:  # noqa: ANN001
    with pytest.raises(ClientError) as exc:
        call(**kwargs)
    code, message = error_of(exc)
    assert code == "ResourceNotFoundException", message


@pytest.mark.parametrize("make", [
    lambda a: a.replace(":123456789012:", ":210987654321:"),           # another account
    lambda a: a.replace(":us-east-1:", ":eu-west-1:"),                  # another region
    lambda a: a[:-32] + "0" * 32,                                       # an unknown organization
    lambda a: a.replace(":organization/", ":user/"),                    # not an organization
    lambda a: a + "/user/x",                                            # a path below it
    lambda a: a.replace(":organization/", ":"),                         # no resource type
    lambda a: a.rpartition("/")[0] + "/M" + a.rpartition("/")[2][1:],   # the ID in another case
], ids=["account", "region", "unknown", "user-arn", "sub-path", "bare-id", "case"])
def test_arns_that_name_no_organization_of_the_caller(workmail, arn, make) -> None:
    other = make(arn)
    assert other != arn
    not_found(workmail.tag_resource, ResourceARN=other, Tags=tags(a="b"))
    not_found(workmail.untag_resource, ResourceARN=other, TagKeys=["a"])
    not_found(workmail.list_tags_for_resource, ResourceARN=other)


def test_other_account_and_region_cannot_see_the_organization(server, arn) -> None:
    for client in (server.client("workmail", account="210987654321"), server.client("workmail", region="eu-west-1")):
        not_found(client.list_tags_for_resource, ResourceARN=arn)
        not_found(client.tag_resource, ResourceARN=arn, Tags=tags(a="b"))


def test_a_non_workmail_arn_is_a_validation_error(server) -> None:
    status, _, body = server.raw("WorkMailService.ListTagsForResource",
                                 {"ResourceARN": "arn:aws:s3:::bucket"})
    assert (status, body["__type"]) == (400, "InvalidParameterException")


def test_deleted_organization(workmail, org_id, arn) -> None:
    workmail.tag_resource(ResourceARN=arn, Tags=tags(a="b"))
    workmail.delete_organization(OrganizationId=org_id, DeleteDirectory=True)
    with pytest.raises(ClientError) as exc:
        workmail.tag_resource(ResourceARN=arn, Tags=tags(c="d"))
    assert error_of(exc) == ("OrganizationStateException", f"Organization {org_id} is not Active, state: Deleted")
    not_found(workmail.untag_resource, ResourceARN=arn, TagKeys=["a"])
    not_found(workmail.list_tags_for_resource, ResourceARN=arn)


def test_creating_organization_lists_but_cannot_be_tagged() -> None:
    with LocalServer(in_memory=True, extra_args=["--org-activation-delay", "600"]) as server:
        wm = server.client("workmail")
        org_id = wm.create_organization(Alias="slow")["OrganizationId"]
        arn = wm.describe_organization(OrganizationId=org_id)["ARN"]
        with pytest.raises(ClientError) as exc:
            wm.tag_resource(ResourceARN=arn, Tags=tags(a="b"))
        assert error_of(exc) == ("OrganizationStateException", f"Organization {org_id} is not Active, state: Creating")
        assert wm.list_tags_for_resource(ResourceARN=arn)["Tags"] == []
        wm.untag_resource(ResourceARN=arn, TagKeys=["a"])


def test_organizations_keep_their_own_tags(workmail, arn) -> None:
    other_id = workmail.create_organization(Alias="other")["OrganizationId"]
    other = workmail.describe_organization(OrganizationId=other_id)["ARN"]
    workmail.tag_resource(ResourceARN=arn, Tags=tags(a="1"))
    workmail.tag_resource(ResourceARN=other, Tags=tags(a="2"))
    workmail.untag_resource(ResourceARN=other, TagKeys=["a"])
    assert workmail.list_tags_for_resource(ResourceARN=arn)["Tags"] == tags(a="1")
    assert workmail.list_tags_for_resource(ResourceARN=other)["Tags"] == []


def test_tags_survive_a_restart(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with LocalServer(data_dir=data) as server:
        wm = server.client("workmail")
        org_id = wm.create_organization(Alias="durable")["OrganizationId"]
        arn = wm.describe_organization(OrganizationId=org_id)["ARN"]
        wm.tag_resource(ResourceARN=arn, Tags=tags(team="mail", cost="42"))
    with LocalServer(data_dir=data) as server:
        assert server.client("workmail").list_tags_for_resource(ResourceARN=arn)["Tags"] == tags(cost="42", team="mail")
