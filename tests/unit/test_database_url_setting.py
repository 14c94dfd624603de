"""``--database-url`` / ``WORKMAIL_LOCAL_DATABASE_URL``: parsed, checked, and off by default."""

from __future__ import annotations

import argparse

import pytest

from workmail_local.config import add_serve_arguments, settings_from_args


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_serve_arguments(parser)
    return parser.parse_args(argv)


def test_without_a_url_the_store_is_sqlite_as_before(monkeypatch) -> None:
    monkeypatch.delenv("WORKMAIL_LOCAL_DATABASE_URL", raising=False)
    settings = settings_from_args(parse(["--data-dir", "/tmp/x"]))
    assert settings.database_url is None and str(settings.resolved_data_dir) == "/tmp/x"


def test_the_flag_and_the_environment_select_postgresql(monkeypatch) -> None:
    monkeypatch.delenv("WORKMAIL_LOCAL_DATABASE_URL", raising=False)
    url = "postgresql://wm:pw@db:5432/wm"
    settings = settings_from_args(parse(["--database-url", url]))
    assert settings.database_url == url and settings.resolved_data_dir is None
    monkeypatch.setenv("WORKMAIL_LOCAL_DATABASE_URL", url)
    assert settings_from_args(parse([])).database_url == url


@pytest.mark.parametrize("argv, message", [
    (["--database-url", "mysql://db/wm"], "--database-url must be a PostgreSQL URL"),
    (["--database-url", "postgresql://db/wm", "--in-memory"], "drop --in-memory and --data-dir"),
    (["--database-url", "postgresql://db/wm", "--data-dir", "/tmp/x"], "drop --in-memory and --data-dir"),
])
def test_conflicting_or_foreign_urls_are_refused(monkeypatch, argv: list[str], message: str) -> None:
    monkeypatch.delenv("WORKMAIL_LOCAL_DATABASE_URL", raising=False)
    with pytest.raises(SystemExit, match=message):
        settings_from_args(parse(argv))
