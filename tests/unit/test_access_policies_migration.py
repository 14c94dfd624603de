"""m0017 gives the organizations that already exist the defaults a new one gets: without
them every mailbox of theirs would be closed by the upgrade."""

from __future__ import annotations

import regex

from workmail_local.store import Store
from workmail_local.store.migrations import MIGRATIONS

MIGRATION = "m0017_access_policies"


def test_existing_organizations_get_the_default_rules(tmp_path, monkeypatch) -> None:
    path = tmp_path / "db.sqlite3"
    # A database of the release before m0017: that migration and every later one not applied yet.
    later = {name: statements for name, statements in MIGRATIONS.items() if name >= MIGRATION}
    for name in later:
        monkeypatch.delitem(MIGRATIONS, name)
    store = Store(path)
    org_id = "m-0123456789abcdef0123456789abcdef"
    with store.transaction() as tx:
        tx.execute("INSERT INTO organizations (id, account, region, alias, directory_id, directory_type,"
                   " default_mail_domain, interoperability, created_at, active_at)"
                   " VALUES (?, '123456789012', 'us-east-1', 'old', 'd-1', 'WorkMailDirectory', 'old.awsapps.com',"
                   " 0, 1, 1)", (org_id,))
    store.close()
    for name, statements in later.items():
        monkeypatch.setitem(MIGRATIONS, name, statements)
    store = Store(path)
    with store.transaction() as tx:
        acr = tx.all("SELECT * FROM access_control_rules WHERE organization_id = ?", (org_id,))
        mobile = tx.all("SELECT * FROM mobile_device_access_rules WHERE organization_id = ?", (org_id,))
    store.close()
    assert [(r["name"], r["effect"], r["description"], r["conditions"], r["created_at"]) for r in acr] == [
        ("default", "ALLOW", "Default WorkMail Rule", None, 0)]
    assert [(r["id"], r["name"], r["effect"], r["conditions"]) for r in mobile] == [
        ("01234567-89ab-cdef-0123-456789abcdef", "default", "ALLOW", None)]
    assert regex.fullmatch("[a-zA-Z0-9_-]+", mobile[0]["id"])
