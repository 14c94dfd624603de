"""The hot queries use indexes: no full scan of a table, no sort of the rows in a temporary B-tree.

The operations that must cost the same with 100,000 users as with 10 (bench/scaling.py)
run in-process on a migrated SQLite store; every statement each one runs is recorded
(APSW's execution tracer) and its plan read with ``EXPLAIN QUERY PLAN`` and the same
values. A dropped index,
or a query changed so that it no longer matches one, shows up here in the plan of the
operation that ran it: as a ``SCAN``, a ``USE TEMP B-TREE``, or a lookup that searches
an index by the organization alone (every row of the organization).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import apsw
import boto3
import pytest

from workmail_local.services.workmail import access_control_rules, mobile_device_access
from workmail_local.testing import mock_workmail

REGION = "us-east-1"
PASSWORD = "Plans-Pass-Word-1"
# Plan lines that read rows in proportion to a table's size, or sort them all.
LINEAR = re.compile(r"^(SCAN (?!CONSTANT ROW)|USE TEMP B-TREE)")
# An index search narrowed by these columns alone reads every row of an organization (or
# account, or identity store): fine for a page read in index order up to its LIMIT, or
# for a unique key (one row), not for a lookup.
SCOPES = {"organization_id", "account", "region", "identity_store_id"}
SEARCH = re.compile(r"^SEARCH \S+ USING (?:COVERING )?INDEX (?P<index>\S+) \((?P<terms>[^)]*)\)")
ORDERED_PAGE = re.compile(r"\bORDER BY\b[^()]*\bLIMIT\b", re.IGNORECASE)
# Tables an organization has only a few rows of, read whole on purpose (every login
# reads the organization's rules in one SELECT).
BOUNDED = {
    "access_control_rules": access_control_rules.RULES_PER_ORGANIZATION,
    "mobile_device_access_rules": mobile_device_access.RULES_PER_ORGANIZATION,
}


def _index(conn: apsw.Connection, name: str) -> tuple[str, bool, set[str]]:
    """An index's table, whether it is unique, and its key columns."""
    table = conn.execute("SELECT tbl_name FROM sqlite_master WHERE type = 'index' AND name = ?", (name,)).fetchone()[0]
    unique = next(bool(row[2]) for row in conn.execute(f"PRAGMA index_list({table})") if row[1] == name)
    columns = {row[2] for row in conn.execute(f"PRAGMA index_info({name})")}
    return table, unique, columns


def linear_lines(conn: apsw.Connection, sql: str, plan: list[str]) -> list[str]:
    """The plan lines of ``sql`` that read or sort rows in proportion to the data."""
    bad = [line for line in plan if LINEAR.match(line)]
    if ORDERED_PAGE.search(sql):
        return bad
    for line in plan:
        search = SEARCH.match(line)
        if search is None:
            continue
        terms = set(re.findall(r"(\w+)[=<>]", search["terms"]))
        table, unique, columns = _index(conn, search["index"])
        if terms <= SCOPES and not (unique and columns <= terms) and table not in BOUNDED:
            bad.append(line)
    return bad


@pytest.fixture(autouse=True)
def credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "123456789012")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.delenv("AWS_PROFILE", raising=False)


class Statements:
    """Records the SQL the store runs while :meth:`during` is active."""

    def __init__(self, conn: apsw.Connection) -> None:
        self.conn = conn
        self.seen: list[tuple[str, str, Any]] = []  # (operation, SQL, its values)

    @contextmanager
    def during(self, operation: str) -> Iterator[None]:
        def record(cursor: apsw.Cursor, sql: str, bindings: Any) -> bool:
            self.seen.append((operation, sql, bindings))
            return True  # run it

        self.conn.exec_trace = record
        try:
            yield
        finally:
            self.conn.exec_trace = None

    def linear_plans(self) -> list[str]:
        """Every recorded query whose plan scans a table or sorts in a temporary B-tree."""
        found = []
        for operation, sql, bindings in self.seen:
            if not re.match(r"\s*(SELECT|UPDATE|DELETE|INSERT|WITH)\b", sql, re.IGNORECASE):
                continue
            plan = [row[3] for row in self.conn.execute(f"EXPLAIN QUERY PLAN {sql}", bindings)]
            bad = linear_lines(self.conn, sql, plan)
            if bad:
                found.append(f"{operation}: {'; '.join(bad)}\n    {sql}")
        return found


def _call(statements: Statements, operation: str, call: Callable[..., Any], **params: Any) -> Any:
    with statements.during(operation):
        return call(**params)


def test_the_hot_lookups_and_every_page_of_the_lists_use_indexes() -> None:
    with mock_workmail() as local:
        store = local.app.store
        # The in-process store is SQLite in memory; its connection is where statements run.
        conn = getattr(store, "_conn", None)
        assert isinstance(conn, apsw.Connection), "the test records statements on Store._conn"
        plans = Statements(conn)
        assert max(BOUNDED.values()) <= 10, "a table read whole on every login must stay small"
        wm, sso = boto3.client("workmail"), boto3.client("sso-admin")
        identitystore = boto3.client("identitystore")
        org_id = wm.create_organization(Alias="plans")["OrganizationId"]
        domain = wm.describe_organization(OrganizationId=org_id)["DefaultMailDomain"]
        call = lambda op, fn, **p: _call(plans, op, fn, **p)  # noqa: E731

        # The load's path: creating and registering entities checks names and addresses.
        users = [call("CreateUser", wm.create_user, OrganizationId=org_id, Name=f"user{n}",
                      DisplayName=f"User {n}")["UserId"] for n in range(3)]
        for n, user_id in enumerate(users):
            call("RegisterToWorkMail", wm.register_to_work_mail, OrganizationId=org_id, EntityId=user_id,
                 Email=f"user{n}@{domain}")
        groups = [call("CreateGroup", wm.create_group, OrganizationId=org_id, Name=f"group{n}")["GroupId"]
                  for n in range(3)]
        resources = [wm.create_resource(OrganizationId=org_id, Name=f"room{n}", Type="ROOM")["ResourceId"]
                     for n in range(3)]
        for user_id in users:
            wm.associate_member_to_group(OrganizationId=org_id, GroupId=groups[0], MemberId=user_id)
            wm.associate_member_to_group(OrganizationId=org_id, GroupId=groups[1], MemberId=user_id)
        for n in range(3):
            wm.create_alias(OrganizationId=org_id, EntityId=users[0], Alias=f"alias{n}@{domain}")
        call("CreateAlias", wm.create_alias, OrganizationId=org_id, EntityId=users[1], Alias=f"other@{domain}")

        # Entity lookups: by ID, by name, by address.
        for how, identifier in (("ID", users[1]), ("name", "user1"), ("email", f"user1@{domain}"),
                                ("alias", f"alias1@{domain}")):
            call(f"DescribeUser by {how}", wm.describe_user, OrganizationId=org_id, UserId=identifier)
        call("DescribeGroup", wm.describe_group, OrganizationId=org_id, GroupId=groups[1])
        call("DescribeGroup by name", wm.describe_group, OrganizationId=org_id, GroupId="group1")
        call("DescribeOrganization", wm.describe_organization, OrganizationId=org_id)

        # Every list, first page and a later one (the keyset query differs).
        store_id = sso.list_instances()["Instances"][0]["IdentityStoreId"]
        for n in range(3):
            identitystore.create_user(IdentityStoreId=store_id, UserName=f"idc{n}", DisplayName=f"IdC {n}",
                                      Name={"GivenName": "I", "FamilyName": f"C{n}"})
            identitystore.create_group(IdentityStoreId=store_id, DisplayName=f"idc-group{n}")
        for org in range(2):
            wm.create_organization(Alias=f"plans-more{org}")
        lists: list[tuple[str, Callable[..., Any], dict[str, Any], str]] = [
            ("ListUsers", wm.list_users, {"OrganizationId": org_id}, "Users"),
            ("ListGroups", wm.list_groups, {"OrganizationId": org_id}, "Groups"),
            ("ListResources", wm.list_resources, {"OrganizationId": org_id}, "Resources"),
            ("ListAliases", wm.list_aliases, {"OrganizationId": org_id, "EntityId": users[0]}, "Aliases"),
            ("ListGroupMembers", wm.list_group_members, {"OrganizationId": org_id, "GroupId": groups[0]}, "Members"),
            ("ListGroupsForEntity", wm.list_groups_for_entity, {"OrganizationId": org_id, "EntityId": users[0]},
             "Groups"),
            ("ListOrganizations", wm.list_organizations, {}, "OrganizationSummaries"),
            ("identitystore ListUsers", identitystore.list_users, {"IdentityStoreId": store_id}, "Users"),
            ("identitystore ListGroups", identitystore.list_groups, {"IdentityStoreId": store_id}, "Groups"),
        ]
        for operation, list_call, params, key in lists:
            first = call(f"{operation} page 1", list_call, **params, MaxResults=1)
            assert len(first[key]) == 1 and first.get("NextToken"), operation
            second = call(f"{operation} page 2", list_call, **params, MaxResults=1, NextToken=first["NextToken"])
            assert len(second[key]) == 1, operation
        assert resources

        # A mailbox login with a personal access token, through the access policies.
        token = _personal_access_token(local, wm, sso, identitystore, org_id, domain, store_id)
        wm.put_access_control_rule(OrganizationId=org_id, Name="no-pop", Effect="DENY", Description="d",
                                   Actions=["EWS"], UserIds=[users[2]])
        for protocol in ("IMAP", "ActiveSync"):
            with plans.during(f"PAT login ({protocol})"):
                status, answer = local.control("POST", "/mailbox/authenticate", {
                    "Username": f"pat-user@{domain}", "Secret": token, "Protocol": protocol})
            assert status == 200 and answer["Authenticated"] is True, answer
        with plans.during("password login"):
            local.control("POST", "/mailbox/authenticate", {
                "Username": f"user0@{domain}", "Secret": "not the password", "Protocol": "IMAP"})

        assert {operation for operation, _, _ in plans.seen} >= {"ListUsers page 2", "PAT login (IMAP)"}
        linear = plans.linear_plans()
        assert not linear, "queries that read or sort every row:\n" + "\n".join(linear)


def _personal_access_token(local: Any, wm: Any, sso: Any, identitystore: Any, org_id: str, domain: str,
                           store_id: str) -> str:
    """A PAT of user ``pat-user``, made as a user would get one (as bench/cases.py does)."""
    instance = sso.list_instances()["Instances"][0]["InstanceArn"]
    application = wm.create_identity_center_application(Name="plans", InstanceArn=instance)["ApplicationArn"]
    wm.put_identity_provider_configuration(
        OrganizationId=org_id, AuthenticationMode="IDENTITY_PROVIDER_AND_DIRECTORY",
        IdentityCenterConfiguration={"InstanceArn": instance, "ApplicationArn": application},
        PersonalAccessTokenConfiguration={"Status": "ACTIVE", "LifetimeInDays": 30})
    user_id = wm.create_user(OrganizationId=org_id, Name="pat-user", DisplayName="PAT User")["UserId"]
    wm.register_to_work_mail(OrganizationId=org_id, EntityId=user_id, Email=f"pat-user@{domain}")
    idc_user = identitystore.create_user(IdentityStoreId=store_id, UserName="pat-user", DisplayName="PAT User",
                                         Name={"GivenName": "PAT", "FamilyName": "User"})["UserId"]
    sso.create_application_assignment(ApplicationArn=application, PrincipalId=idc_user, PrincipalType="USER")
    scope = {"AccountId": "123456789012", "Region": REGION}
    status, _ = local.control("POST", "/identitycenter/password",
                              {"IdentityStoreId": store_id, "UserId": idc_user, "Password": PASSWORD, **scope})
    assert status == 200
    status, session = local.control("POST", "/identitycenter/signin",
                                    {"IdentityStoreId": store_id, "UserName": "pat-user", "Password": PASSWORD,
                                     **scope})
    assert status == 200, session
    status, token = local.control("POST", "/workmail/personal-access-tokens",
                                  {"SessionToken": session["SessionToken"], "OrganizationId": org_id,
                                   "Name": "plans", **scope})
    assert status == 200, token
    return token["Token"]
